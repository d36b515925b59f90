"""Pages: what they show, with a query budget that does not grow with the data."""
from __future__ import annotations

import pytest

from tests.conftest import HX, count_queries
from tests.factories import make_company, make_level, make_user


def _fill(db, companies: int, contacts_each: int, manager=None):
    for _ in range(companies):
        company = make_company(account_manager=manager)
        for _ in range(contacts_each):
            make_user("customer", company=company)
    db.session.commit()


def _queries(app, client, url) -> int:
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def test_customer_home_shows_company_and_account_manager(client, db, login_as):
    am = make_user("sales", name="Sam Jansen", email="sam@example.com")
    company = make_company("Bouwbedrijf Van Dijk", account_manager=am)
    login_as("customer", company=company, name="Kees", locale="nl")
    make_level(1, name="Betrokkenheid creëren")
    db.session.commit()
    page = client.get("/").text
    assert "Welkom, Kees" in page and "Bouwbedrijf Van Dijk" in page and "mailto:sam@example.com" in page
    assert "Betrokkenheid creëren" in page


@pytest.mark.parametrize("url,role", [("/admin", "marketer"), ("/sales", "sales"), ("/sales", "admin")])
def test_workspace_query_budget_does_not_grow_with_rows(app, client, db, login_as, url, role):
    user = login_as(role)
    manager = user if role == "sales" else None
    _fill(db, 3, 2, manager)
    few = _queries(app, client, url)
    _fill(db, 40, 5, manager)
    many = _queries(app, client, url)
    # /sales also counts the open referrals and asks whether the viewer manages a team (analytics link).
    # Both: +1 for the programme's identity in the header. /sales: +1 for the colleague's unread messages.
    # Both: +2 for the quarter's goals card (its goals, and one statement that measures them).
    assert few == many <= (9 if url == "/admin" else 11)


def test_marketing_workspace_counts_people_and_lists_companies(client, db, login_as):
    login_as("marketer", locale="en")
    am = make_user("sales", name="Sam Jansen")
    make_company("Acme", account_manager=am)
    db.session.commit()
    page = client.get("/admin").text
    assert "Acme" in page and "Sam Jansen" in page and "Marketing workspace" in page


def test_sales_sees_own_and_team_accounts_only(client, db, login_as):
    lead = login_as("sales", locale="en")
    member = make_user("sales", manager=lead)
    stranger = make_user("sales")
    make_company("Mine", account_manager=lead)
    make_company("Team", account_manager=member)
    make_company("Not mine", account_manager=stranger)
    db.session.commit()
    page = client.get("/sales").text
    assert "Mine" in page and "Team" in page and "Not mine" not in page


def test_workspace_pagination(client, db, login_as):
    login_as("marketer", locale="en")
    _fill(db, 30, 0)
    first = client.get("/admin").text
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = client.get("/admin?page=2").text
    assert "Page 2 of 2" in second and 'rel="prev"' in second
    assert client.get("/admin?page=abc").status_code == 200
    assert client.get("/admin?page=999999999999").status_code == 200


@pytest.mark.parametrize("url,role", [("/", "customer"), ("/admin", "marketer"), ("/sales", "sales")])
def test_pages_answer_htmx_with_a_fragment_and_boosted_with_the_page(client, db, login_as, url, role):
    login_as(role)
    full = client.get(url)
    fragment = client.get(url, headers=HX)
    boosted = client.get(url, headers={**HX, "HX-Boosted": "true"})
    restore = client.get(url, headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in full.text and "<html" in boosted.text and "<html" in restore.text
    assert fragment.status_code == 200 and "<html" not in fragment.text and "<h1>" in fragment.text
    assert all("HX-Request" in r.headers["Vary"] for r in (full, fragment, boosted))
