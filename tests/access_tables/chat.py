"""Expected answers per role for chat alerts (see tests/access_tables/__init__.py)."""
TO_LOGIN = "login"

EXPECTED: dict[str, tuple] = {
    "chat.mine": (TO_LOGIN, 403, 403, 200, 200),
    "chat.mine_test": (TO_LOGIN, 403, 403, 404, 404),  # posted without a channel's scope
    "admin_chat.index": (TO_LOGIN, 403, 403, 403, 200),
    "admin_chat.person": (TO_LOGIN, 403, 403, 403, 404),  # a person who does not exist
    "admin_chat.person_test": (TO_LOGIN, 403, 403, 403, 404),
}
SAMPLE_ARGS: dict[str, object] = {"user_id": 999999}
