"""Expected answers per role for the People pages (see tests/access_tables/__init__.py): staff are
for admins only; companies are customer data, so marketing may manage them too."""
TO_LOGIN = "login"

# (anonymous, customer, marketer, sales, admin). Object URLs are walked for an id that does not
# exist; POST-only routes with a valid CSRF token and no other data.
EXPECTED: dict[str, tuple] = {
    "admin_staff.index": (TO_LOGIN, 403, 403, 403, 200),
    "admin_staff.index_invite": (TO_LOGIN, 403, 403, 403, 200),
    "admin_staff.index_person": (TO_LOGIN, 403, 403, 403, 404),
    "admin_staff.index_role": (TO_LOGIN, 403, 403, 403, 404),
    "admin_staff.index_manager": (TO_LOGIN, 403, 403, 403, 404),
    "admin_staff.index_deactivate": (TO_LOGIN, 403, 403, 403, 404),
    "admin_staff.index_reactivate": (TO_LOGIN, 403, 403, 403, 404),
    "admin_staff.index_resend": (TO_LOGIN, 403, 403, 403, 404),
    "admin_staff.index_reset": (TO_LOGIN, 403, 403, 403, 404),
    "admin_companies.index": (TO_LOGIN, 403, 200, 403, 200),
    "admin_companies.index_new": (TO_LOGIN, 403, 200, 403, 200),
    "admin_companies.index_company": (TO_LOGIN, 403, 404, 403, 404),
    "admin_companies.index_rename": (TO_LOGIN, 403, 404, 403, 404),
    "admin_companies.index_manager": (TO_LOGIN, 403, 404, 403, 404),
    "admin_companies.index_merge": (TO_LOGIN, 403, 404, 403, 404),
}
SAMPLE_ARGS: dict[str, object] = {"company_id": 999999}
