"""Expected answers per role for the answers pages (see tests/access_tables/__init__.py)."""
TO_LOGIN = "login"

# (anonymous, customer, marketer, sales, admin). Marketing and sales (their own accounts' customers);
# customers never. A challenge that does not exist is a 404 for everyone who may use the pages.
EXPECTED: dict[str, tuple] = {
    "voice_answers.index": (TO_LOGIN, 403, 200, 200, 200),
    "voice_answers.index_challenge": (TO_LOGIN, 403, 404, 404, 404),
    "voice_answers.index_challenge_export": (TO_LOGIN, 403, 404, 404, 404),
}
SAMPLE_ARGS: dict[str, object] = {"challenge_id": 999999}
