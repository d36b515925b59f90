"""The dashboard page: who may read it, the period form with and without htmx, bad input, the
query budget, locale formatting, the CSV downloads and the challenge views it reads."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from app.analytics.models import ChallengeView
from tests.analytics.data import build, customer, nps_answer, referee, submit, unlock, view
from tests.conftest import HX, count_queries
from tests.factories import make_challenge, make_level, make_user

MARCH = "/admin/analytics?start=2026-03-01&end=2026-03-31"


@pytest.fixture
def programme(db):
    return build()


def _sales_manager():
    manager = make_user("sales")
    make_user("sales", manager_id=manager.id)
    return manager


@pytest.mark.parametrize("who,status", [("marketer", 200), ("admin", 200), ("manager", 200), ("sales", 403),
                                         ("customer", 403)])
def test_who_may_read_the_dashboard_and_its_csv(client, db, login_as, who, status):
    login_as(_sales_manager() if who == "manager" else who)
    assert client.get("/admin/analytics").status_code == status
    assert client.get("/admin/analytics/challenges.csv").status_code == status
    assert client.get("/admin/analytics", headers=HX).status_code == status


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/admin/analytics")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_dashboard_shows_every_figure_with_its_table_and_chart(client, programme, login_as):
    login_as("marketer", locale="en")
    page = client.get(MARCH).text
    for heading in ("Participation", "Level funnel", "Challenges", "Referrals", "Share links per channel", "NPS",
                    "Accounts", "Rewards"):
        assert f">{heading}</h" in page
    assert page.count('role="img"') == 8
    assert page.count("<caption>") >= 9
    assert page.count("<title id=") == 8
    assert 'style="' not in page and "<script>" not in page
    assert "60%" in page  # participation rate 3 of 5
    assert "33.3%" in page  # completion rate, in English


def test_numbers_follow_the_locale(client, programme, login_as):
    login_as("marketer", locale="nl")
    page = client.get(MARCH).text
    assert "33,3%" in page and "33.3%" not in page
    assert "23,5" in page  # median days to level 2
    assert "1 mrt 2026" in page  # the period, as a Dutch date


def test_default_period_is_the_last_30_days(client, db, login_as):
    login_as("marketer", locale="en")
    response = client.get("/admin/analytics")
    assert response.status_code == 200
    assert "(30 days)" in response.text


def test_htmx_gets_the_fragment_and_plain_requests_the_page(client, programme, login_as):
    login_as("marketer", locale="en")
    full = client.get(MARCH)
    fragment = client.get(MARCH, headers=HX)
    assert "<html" in full.text and 'id="analytics"' in full.text
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="analytics"' in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    boosted = client.get(MARCH, headers={**HX, "HX-Boosted": "true"})
    assert "<html" in boosted.text


@pytest.mark.parametrize("query,message", [
    ("start=yesterday&end=2026-03-31", "Enter a date as year-month-day"),
    ("start=2026-02-30&end=2026-03-31", "Enter a date as year-month-day"),
    ("start=2026-03-31&end=2026-03-01", "The end date is before the start date."),
    ("start=1990-01-01&end=2040-01-01", "Enter a date between"),
    ("start=2001-01-01&end=2050-12-31", "Choose a period of at most five years."),
    ("start=2026-03-01&end=2026-03-31&sort=title%3B%20drop", "sorted by one of the table"),
    ("start=2026-03-01&end=2026-03-31&dir=sideways", "sorted by one of the table"),
    ("start=0001-01-01&end=0001-01-01", "Enter a date between"),
    ("start=%00&end=", "Enter a date as year-month-day"),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_input_is_a_clear_422_with_the_input_kept(client, programme, login_as, query, message, htmx):
    login_as("marketer", locale="en")
    response = client.get(f"/admin/analytics?{query}", headers=HX if htmx else {})
    assert response.status_code == 422
    assert message in response.text
    assert 'role="alert"' in response.text
    assert ("<html" in response.text) is not htmx
    start = query.split("&")[0].split("=")[1]
    if start.isascii() and "%" not in start:
        assert f'value="{start}"' in response.text
    assert client.get(f"/admin/analytics/funnel.csv?{query}").status_code == 422


def test_a_bad_date_is_quoted_in_its_message(client, db, login_as):
    login_as("marketer", locale="en")
    response = client.get("/admin/analytics?start=2026-13-01&end=2026-03-31")
    assert response.status_code == 422
    assert "“2026-13-01” is not a date." in response.text


def test_unknown_csv_is_404(client, db, login_as):
    login_as("marketer")
    assert client.get("/admin/analytics/users.csv").status_code == 404


def test_challenge_table_sorts_by_a_column_heading(client, programme, login_as):
    login_as("marketer", locale="en")
    page = client.get(MARCH + "&sort=points&dir=desc").text
    assert page.index(">A quote</th>") < page.index(">Question</th>")
    assert 'aria-sort="descending"' in page
    page = client.get(MARCH + "&sort=points&dir=asc").text
    assert page.index(">Question</th>") < page.index(">A quote</th>")


def _fill(extra: int, challenge, level_two):
    """More of everything: customers with answers, views, unlocks, referrals and NPS answers."""
    from tests.analytics.data import Programme

    programme = Programme()
    for n in range(extra):
        person = customer(programme, f"extra{n}", "2026-03-02 09:00")
        submit(person, challenge, "2026-03-05 10:00", points_at="2026-03-05 10:00")
        view(person, challenge, "2026-03-05")
        unlock(person, level_two, "2026-03-06 10:00")
        referee(person, "2026-03-07 10:00", stage="meeting")
        nps_answer(person, 9 if n % 2 else 4, "2026-03-08 10:00")
    make_challenge(level_two, "quote", points=20)


def _queries(app, client) -> int:
    from app.extensions import db

    db.session.expunge_all()
    with count_queries(app) as statements:
        response = client.get(MARCH)
    assert response.status_code == 200
    return len(statements)


def test_query_count_does_not_grow_with_the_data(app, client, db, login_as):
    from app.journey.models import Challenge, Level

    programme = build()
    challenge_id, level_id = programme.challenges["c1"].id, programme.levels[2].id
    login_as(_sales_manager())
    few = _queries(app, client)
    _fill(40, db.session.get(Challenge, challenge_id), db.session.get(Level, level_id))
    db.session.commit()
    many = _queries(app, client)
    assert few == many
    assert many <= 33  # 25, and 8 for the economics, the ask analytics, the origin split and the goals


def test_csv_has_the_table_and_is_safe_in_a_spreadsheet(client, programme, login_as):
    programme.challenges["c1"].title_en = "=HYPERLINK(\"http://evil\")"
    from app.extensions import db

    db.session.commit()
    login_as("marketer", locale="en")
    response = client.get("/admin/analytics/challenges.csv?start=2026-03-01&end=2026-03-31&sort=level")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "analytics-challenges-2026-03-01-2026-03-31.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Challenge", "Level", "Views"]
    assert rows[1][0].startswith("'=HYPERLINK")
    assert rows[1][2:7] == ["4", "0", "1", "0", "33.3"]


@pytest.mark.parametrize("figure", ["participation", "funnel", "challenges", "stages", "channels", "nps",
                                    "accounts", "rewards"])
def test_every_table_has_a_csv(client, programme, login_as, figure):
    login_as("marketer", locale="en")
    response = client.get(f"/admin/analytics/{figure}.csv?start=2026-03-01&end=2026-03-31")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert len(rows) >= 3 and all(len(row) == len(rows[0]) for row in rows)


def test_opening_a_challenge_counts_one_view_a_day(client, db, login_as):
    level = make_level(1)
    challenge = make_challenge(level, "question")
    user = login_as("customer")
    for _ in range(3):
        assert client.get(f"/challenges/{challenge.id}").status_code == 200
    db.session.expire_all()
    views = db.session.scalars(select(ChallengeView).where(ChallengeView.user_id == user.id)).all()
    assert len(views) == 1 and views[0].challenge_id == challenge.id
    client.post(f"/challenges/{challenge.id}", data={})  # an answer is not a view
    assert db.session.scalar(select(func.count(ChallengeView.id))) == 1


def test_the_marketing_nav_links_to_analytics(client, db, login_as):
    login_as("marketer", locale="en")
    page = client.get("/admin").text
    assert 'href="/admin/analytics"' in page


def test_query_count_does_not_grow_with_the_data_when_rolled_up(app, client, db, login_as):
    """The same with the closed days read from the rollups, rebuilt after each fill."""
    from datetime import date

    from app.analytics import rollups
    from app.extensions import db as _db
    from app.journey.models import Challenge, Level

    programme = build()
    challenge_id, level_id = programme.challenges["c1"].id, programme.levels[2].id
    rollups.rebuild(date(2026, 3, 20))  # March cut in two: closed days rolled up, the rest live
    _db.session.commit()
    login_as(_sales_manager())
    few = _queries(app, client)
    _fill(40, _db.session.get(Challenge, challenge_id), _db.session.get(Level, level_id))
    rollups.rebuild(date(2026, 3, 20))
    _db.session.commit()
    many = _queries(app, client)
    assert few == many
    assert many <= 34  # 26, and 8 for the economics, the ask analytics, the origin split and the goals
