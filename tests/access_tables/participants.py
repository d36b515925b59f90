"""Expected answers per role for this area's endpoints (see tests/access_tables/__init__.py)."""
TO_LOGIN = "login"

# (anonymous, customer, marketer, sales, admin). POST-only routes are walked with a valid CSRF
# token and no other data, for a participant or report that does not exist.
EXPECTED: dict[str, tuple] = {
    "admin_participants.index": (TO_LOGIN, 403, 200, 403, 200),
    "admin_participants.index_invite": (TO_LOGIN, 403, 200, 403, 200),
    "admin_participants.index_import": (TO_LOGIN, 403, 200, 403, 200),
    "admin_participants.index_import_report": (TO_LOGIN, 403, 404, 403, 404),
    "admin_participants.index_import_report_csv": (TO_LOGIN, 403, 404, 403, 404),
    "admin_participants.index_resend": (TO_LOGIN, 403, 404, 403, 404),
    "admin_participants.index_deactivate": (TO_LOGIN, 403, 404, 403, 404),
    "admin_participants.index_reactivate": (TO_LOGIN, 403, 404, 403, 404),
    # The participant page: marketing, and sales for their own accounts' customers (another's: 404).
    "participant.page": (TO_LOGIN, 403, 404, 404, 404),
    "admin_participants.index_edit": (TO_LOGIN, 403, 404, 403, 404),
    "admin_participants.index_correct": (TO_LOGIN, 403, 404, 403, 404),
}
SAMPLE_ARGS: dict[str, object] = {"user_id": 999999, "report_id": 999999}
