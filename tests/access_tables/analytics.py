"""Expected answers per role for the analytics endpoints (see tests/access_tables/__init__.py).

The sales user of the walk manages nobody, so gets 403; a sales manager may read the dashboard
(tests/analytics/test_pages.py)."""
TO_LOGIN = "login"

# (anonymous, customer, marketer, sales, admin)
EXPECTED: dict[str, tuple] = {
    "analytics.dashboard": (TO_LOGIN, 403, 200, 403, 200),
    "analytics.export": (TO_LOGIN, 403, 200, 403, 200),
}
SAMPLE_ARGS: dict[str, object] = {"figure": "challenges"}
