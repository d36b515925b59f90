"""Expected answers per role for this area's endpoints (see tests/access_tables/__init__.py)."""
TO_LOGIN = "login"

EXPECTED: dict[str, tuple] = {
    "admin_moderation.queue": (TO_LOGIN, 403, 200, 403, 200),
    "admin_moderation.queue_review": (TO_LOGIN, 403, 404, 403, 404),  # a submission that does not exist
    "admin_moderation.queue_bulk": (TO_LOGIN, 403, 422, 403, 422),  # posted without any ids
    "admin_moderation.library": (TO_LOGIN, 403, 200, 403, 200),
    "admin_moderation.library_export": (TO_LOGIN, 403, 200, 403, 200),
    "admin_moderation.fulfilment": (TO_LOGIN, 403, 200, 403, 200),
    "admin_moderation.fulfilment_fulfil": (TO_LOGIN, 403, 404, 403, 404),  # a redemption that does not exist
    "admin_moderation.fulfilment_cancel": (TO_LOGIN, 403, 404, 403, 404),
}
SAMPLE_ARGS: dict[str, object] = {"submission_id": 999999, "redemption_id": 999999}
