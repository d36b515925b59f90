"""Expected answers per role for the REST API and its admin pages (see tests/access_tables/__init__.py).

The API's resources answer 401 to every cookie session, whatever the role: only a bearer token counts
(tests/api/test_tokens.py walks the scopes). PATCH-only URLs answer the walk's POST with 405."""
TO_LOGIN = "login"
NO_TOKEN = (401, 401, 401, 401, 401)

# (anonymous, customer, marketer, sales, admin)
EXPECTED: dict[str, tuple] = {
    "admin_api_tokens.index": (TO_LOGIN, 403, 403, 403, 200),
    "admin_api_tokens.create": (TO_LOGIN, 403, 403, 403, 422),  # posted empty
    "admin_api_tokens.revoke": (TO_LOGIN, 403, 403, 403, 404),  # a token that does not exist
    "api_docs.reference": (200, 200, 200, 200, 200),  # public, as API references usually are
    "api-docs.openapi_json": (200, 200, 200, 200, 200),
    "api_participants.list_participants": NO_TOKEN,
    "api_participants.get_participant": NO_TOKEN,
    "api_participants.create_participant": NO_TOKEN,
    "api_participants.update": (405, 405, 405, 405, 405),
    "api_companies.list_companies": NO_TOKEN,
    "api_companies.get_company": NO_TOKEN,
    "api_companies.set_manager": (405, 405, 405, 405, 405),
    "api_referrals.list_referrals": NO_TOKEN,
    "api_referrals.get_referral": NO_TOKEN,
    "api_referrals.create_referral": NO_TOKEN,
    "api_referrals.move": NO_TOKEN,
    "api_nps.list_nps": NO_TOKEN,
    "api_content.list_content": NO_TOKEN,
    "api_points.list_entries": NO_TOKEN,
    "api_points.correct": NO_TOKEN,
}
SAMPLE_ARGS: dict[str, object] = {"token_id": 999999, "user_id": 999999, "company_id": 999999, "referee_id": 999999}
