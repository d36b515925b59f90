"""Statement budgets: each API list, the token page and the reference page cost the same number of
statements with a few rows and with many (a full page of 100)."""
from __future__ import annotations

import pytest

from app.api.tokens import SCOPES
from tests import factories
from tests.api.conftest import bearer
from tests.conftest import count_queries

QUOTE = {"quote": "It works for us and our crews.", "show_name": True, "show_company": True, "show_logo": False,
         "show_photo": False, "channels": ["website"], "until": None, "agree": True}


def _fill(db, n: int) -> None:
    sales = factories.make_user("sales")
    company = factories.make_company(account_manager=sales)
    challenge = factories.make_challenge(type_key="quote")
    level = factories.make_level(position=900000 + n)
    for i in range(n):
        person = factories.make_user(company=company)
        factories.make_level_unlock(person, level)
        factories.make_points_entry(person, 10 + i)
        factories.make_nps_response(person, score=i % 11)
        factories.make_referee(person, owner_id=sales.id)
        factories.make_submission(person, challenge, data=dict(QUOTE))
        factories.make_company(account_manager=sales)
    db.session.commit()


def _count(app, client, url, headers=None) -> int:
    with count_queries(app) as statements:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200, (url, response.data[:300])
    return len(statements)


@pytest.mark.parametrize("url, budget", [
    ("/api/v1/participants?limit=100", 3), ("/api/v1/companies?limit=100", 3), ("/api/v1/referrals?limit=100", 3),
    ("/api/v1/nps?limit=100", 3), ("/api/v1/content?limit=100", 3), ("/api/v1/points?limit=100", 3),
])
def test_api_lists_have_a_fixed_statement_budget(app, client, db, make_token, url, budget):
    token = make_token(" ".join(SCOPES))
    client.get(url, headers=bearer(token))  # the token's last use is written once a minute: not in the count
    _fill(db, 3)
    few = _count(app, client, url, bearer(token))
    _fill(db, 120)
    many = _count(app, client, url, bearer(token))
    assert few == many <= budget


def test_token_page_and_reference_have_a_fixed_budget(app, client, db, login_as, make_token):
    admin = login_as("admin")
    make_token(owner=admin)
    few = (_count(app, client, "/admin/api-tokens"), _count(app, client, "/api/v1/docs"))
    for _ in range(15):
        make_token(owner=factories.make_user("admin"))
    many = (_count(app, client, "/admin/api-tokens"), _count(app, client, "/api/v1/docs"))
    assert few == many
    assert many[0] <= 8 and many[1] <= 4
