"""Expected answers per role for the feedback channel (see tests/access_tables/__init__.py)."""
TO_LOGIN = "login"

EXPECTED: dict[str, tuple] = {
    "feedback.new": (TO_LOGIN, 200, 403, 403, 403),
    "feedback.mine": (TO_LOGIN, 200, 403, 403, 403),
    "admin_feedback.queue": (TO_LOGIN, 403, 200, 403, 200),
    "admin_feedback.queue_handle": (TO_LOGIN, 403, 404, 403, 404),  # a message that does not exist
}
SAMPLE_ARGS: dict[str, object] = {"feedback_id": 999999}
