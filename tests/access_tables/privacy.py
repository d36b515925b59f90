"""Expected answers per role for the data-rights endpoints (see tests/access_tables/__init__.py)."""
TO_LOGIN = "login"

# (anonymous, customer, marketer, sales, admin); the admin routes for a participant that does not exist.
EXPECTED: dict[str, tuple] = {
    "privacy.export_mine": (TO_LOGIN, 200, 403, 403, 403),
    "privacy.erase_mine": (TO_LOGIN, 200, 403, 403, 403),
    "privacy.admin_export": (TO_LOGIN, 403, 403, 403, 404),
    "privacy.admin_erase": (TO_LOGIN, 403, 403, 403, 404),
}
SAMPLE_ARGS: dict[str, object] = {"user_id": 999999}
