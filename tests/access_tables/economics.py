"""Expected answers per role for the economics inputs and the quarterly goals (see
tests/access_tables/__init__.py).

The sales user of the walk leads no team, so gets 403 on the costs page and the wins form; a sales
team lead may open both (tests/analytics/test_economics_pages.py). Posting an empty form is 422."""
TO_LOGIN = "login"

# (anonymous, customer, marketer, sales, admin)
EXPECTED: dict[str, tuple] = {
    "economics.months": (TO_LOGIN, 403, 200, 403, 200),
    "economics.save_cost": (TO_LOGIN, 403, 422, 403, 422),
    "economics.save_wins": (TO_LOGIN, 403, 422, 403, 422),
    "goals.edit": (TO_LOGIN, 403, 200, 403, 200),
}
SAMPLE_ARGS: dict[str, object] = {}
