"""The pages behind the economics and goals: entering running costs, other wins, goals and a reward's
unit cost (with and without htmx, bad input, who may), the dashboard's new sections, the goals card
on the overviews, and statement counts that do not grow with the data."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from sqlalchemy import select

from app import dates
from app.analytics.programme_models import Goal, OtherWins, ProgrammeCost
from app.audit.models import AuditEntry
from app.extensions import db as _db
from app.rewards.models import Reward
from app.rewards.redemptions import claim_reward
from tests.conftest import count_queries, form_value
from tests.factories import (
    make_ask,
    make_company,
    make_goal,
    make_level,
    make_other_wins,
    make_programme_cost,
    make_redemption,
    make_referee,
    make_referral_event,
    make_reward,
    make_user,
)

MARCH = "/admin/analytics?start=2026-03-01&end=2026-03-31"


def _lead(locale: str = "nl"):
    lead = make_user("sales", name="Lotte Lead", locale=locale)
    make_user("sales", manager=lead)
    return lead


def _audits(action: str) -> list[AuditEntry]:
    return list(_db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# --- running cost and other wins -----------------------------------------------------------------

def test_marketing_saves_a_running_cost_without_javascript(client, db, login_as, post_form):
    login_as("marketer", locale="nl")
    response = post_form("/admin/economics/cost", {"month": "2026-03", "amount": "1.250,50", "note": "Tooling"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/economics")
    row = db.session.scalar(select(ProgrammeCost))
    assert (row.month, row.amount_cents, row.note) == (date(2026, 3, 1), 125_050, "Tooling")
    page = client.get("/admin/economics").text
    assert "€\xa01.250,50" in page and "maart 2026" in page
    assert _audits("programme_cost.set")[0].details["after"] == {"amount_cents": 125_050, "note": "Tooling"}


def test_saving_the_same_month_again_replaces_it_in_place_and_takes_the_focus(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    make_programme_cost(date(2026, 3, 1), 100_000)
    db.session.commit()
    response = post_form("/admin/economics/cost", {"month": "2026-03", "amount": "2,000", "note": ""}, htmx=True)
    assert response.status_code == 200
    page = response.text
    assert "<html" not in page and 'id="econ-inputs"' in page
    assert "data-focus" in page and "Running cost for March 2026 saved: €2,000.00." in page
    assert [row.amount_cents for row in db.session.scalars(select(ProgrammeCost))] == [200_000]
    assert _audits("programme_cost.set")[-1].details["before"]["amount_cents"] == 100_000


@pytest.mark.parametrize("locale,data,message", [
    ("en", {"amount": "-5"}, "cannot be negative"),
    ("nl", {"amount": "-5"}, "kan niet negatief zijn"),
    ("en", {"amount": "99999999999"}, "Enter an amount from €0.00 to €10,000,000.00."),
    ("en", {"amount": "a lot"}, "Enter an amount in euros, such as €1,250.50."),
    ("nl", {"amount": "veel"}, "Vul een bedrag in euro’s in, bijvoorbeeld €\xa01.250,50."),
    ("en", {"amount": "12.345"}, "at most two decimals"),
    ("en", {"amount": ""}, "Fill in the amount"),
    ("en", {"month": "2026-13"}, "Enter a month as year-month, for example 2026-03."),
    ("en", {"month": "maart"}, "Enter a month as year-month"),
    ("en", {"month": ""}, "Choose the month."),
])
def test_bad_running_cost_is_refused_with_the_input_kept(client, db, login_as, post_form, locale, data, message):
    login_as("marketer", locale=locale)
    form = {"month": "2026-03", "amount": "100", "note": "kept", **data}
    for htmx in (False, True):
        response = post_form("/admin/economics/cost", form, htmx=htmx)
        assert response.status_code == 422
        assert message in response.text
        assert form_value(response.text, "amount") == form["amount"]
        assert form_value(response.text, "month") == form["month"]
        assert "kept</textarea>" in response.text
    assert db.session.scalar(select(ProgrammeCost)) is None


def test_a_sales_team_lead_enters_other_wins_but_not_costs(client, db, login_as, post_form):
    login_as(_lead("en"))
    assert client.get("/admin/economics").status_code == 200
    assert "Running cost of a month" not in client.get("/admin/economics").text
    assert post_form("/admin/economics/cost", {"month": "2026-03", "amount": "1"}).status_code == 403
    response = post_form("/admin/economics/wins", {"month": "2026-03", "won": "9"}, htmx=True)
    assert response.status_code == 200 and "Deals won without a referral in March 2026 saved: 9." in response.text
    assert db.session.scalar(select(OtherWins)).won == 9
    assert _audits("other_wins.set")


@pytest.mark.parametrize("won,message", [("-1", "Choose a number from 0 to 100000."),
                                         ("1000001", "Choose a number from 0 to 100000."),
                                         ("nine", "Enter a whole number, such as 25."),
                                         ("", "Fill in a number, 0 when there were none.")])
def test_bad_other_wins_are_refused(client, db, login_as, post_form, won, message):
    login_as("marketer", locale="en")
    response = post_form("/admin/economics/wins", {"month": "2026-03", "won": won})
    assert response.status_code == 422 and message in response.text
    assert form_value(response.text, "won") == won or won == ""


def test_a_sales_rep_without_a_team_and_a_customer_may_not(client, db, login_as, post_form):
    login_as("sales")
    assert client.get("/admin/economics").status_code == 403
    assert post_form("/admin/economics/wins", {"month": "2026-03", "won": "1"}).status_code == 403


def test_the_months_list_is_paginated_with_a_fixed_statement_count(app, client, db, login_as):
    login_as("marketer", locale="en")

    def statements():
        db.session.expunge_all()
        with count_queries(app) as seen:
            assert client.get("/admin/economics").status_code == 200
        return len(seen)

    make_programme_cost(date(2020, 1, 1))
    make_other_wins(date(2020, 2, 1))
    db.session.commit()
    few = statements()
    for n in range(30):
        make_programme_cost(date(2021 + n // 12, n % 12 + 1, 1), by=make_user("marketer"))
        make_other_wins(date(2021 + n // 12, n % 12 + 1, 1))
    db.session.commit()
    assert statements() == few
    page = client.get("/admin/economics").text
    assert "Page 1 of 3" in page


# --- goals ----------------------------------------------------------------------------------------

@pytest.fixture
def mid_february(monkeypatch):
    monkeypatch.setattr(dates, "today", lambda: date(2026, 2, 14))


GOALS = {"quarter": "2026-Q1", "introductions": "10", "won_referrals": "", "approved_quotes": "", "reviews": "2",
         "nps": "20", "level3_share": ""}


def test_marketing_sets_goals_and_the_overviews_show_them(client, db, login_as, post_form, mid_february):
    login_as("marketer", locale="en")
    response = post_form("/admin/goals", GOALS, htmx=True)
    assert response.status_code == 200 and "The goals for Q1 2026 are saved." in response.text
    assert "data-focus" in response.text
    assert {(g.metric, g.target) for g in db.session.scalars(select(Goal))} == {
        ("introductions", 10), ("reviews", 2), ("nps", 20)}
    assert len(_audits("goal.set")) == 3
    make_referee(created_at=datetime(2026, 1, 5, 10))  # 1 introduction of the 5 expected by now
    db.session.commit()
    page = client.get("/admin").text
    assert "Goals for Q1 2026" in page and "behind" in page and "50%" in page

    login_as(make_user("sales", locale="nl"))
    page = client.get("/sales").text
    assert "Doelen voor K1 2026" in page and "achter" in page

    # Emptying a target removes that goal, audited.
    login_as("marketer", locale="en")
    response = post_form("/admin/goals", {**GOALS, "reviews": ""})
    assert response.status_code == 303
    assert {g.metric for g in db.session.scalars(select(Goal))} == {"introductions", "nps"}
    assert _audits("goal.remove")


@pytest.mark.parametrize("data,message", [
    ({"introductions": "ten"}, "Enter a whole number, such as 25."),
    ({"introductions": "-3"}, "Choose a number from 0 to 1000000."),
    ({"introductions": "99999999999999999999"}, "Choose a number from 0 to 1000000."),
    ({"nps": "150"}, "Choose a number from -100 to 100."),
    ({"level3_share": "101"}, "Choose a number from 0 to 100."),
    ({"quarter": "1999-Q1"}, "Choose one of the quarters shown."),
])
def test_bad_goals_are_refused_with_the_input_kept(client, db, login_as, post_form, mid_february, data, message):
    login_as("marketer", locale="en")
    form = {**GOALS, **data}
    for htmx in (False, True):
        response = post_form("/admin/goals", form, htmx=htmx)
        assert response.status_code == 422 and message in response.text
        for name in ("introductions", "nps", "level3_share"):
            assert form_value(response.text, name) == form[name]
    assert db.session.scalar(select(Goal)) is None


def test_goals_page_shows_another_quarter(client, db, login_as, mid_february):
    login_as("marketer", locale="en")
    make_goal("2026-Q2", "reviews", 7)
    db.session.commit()
    page = client.get("/admin/goals?quarter=2026-Q2").text
    assert form_value(page, "reviews") == "7" and "Targets for Q2 2026" in page
    assert "Targets for Q1 2026" in client.get("/admin/goals?quarter=nonsense").text


def test_a_quarter_without_goals_says_so(client, db, login_as, mid_february):
    login_as("marketer", locale="nl")
    assert "Er zijn nog geen doelen voor dit kwartaal." in client.get("/admin").text


# --- reward unit cost ------------------------------------------------------------------------------

REWARD = {"name_nl": "Roadmapsessie", "name_en": "Roadmap session", "description_nl": "", "description_en": "",
          "kind": "exclusive_access", "point_cost": "", "stock": "", "level_id": ""}


def test_a_reward_unit_cost_is_kept_on_each_claim(client, db, login_as, post_form, app):
    login_as("marketer", locale="nl")
    assert post_form("/admin/rewards/new", {**REWARD, "unit_cost_cents": "12,50"}).status_code == 303
    reward = db.session.scalar(select(Reward))
    assert reward.unit_cost_cents == 1_250
    assert "€\xa012,50" in client.get("/admin/rewards").text
    make_level(1)
    customer = make_user("customer")
    with app.test_request_context():
        redemption = claim_reward(customer, reward)
    reward.unit_cost_cents = 9_900  # a later price change does not rewrite the claim
    db.session.commit()
    assert redemption.unit_cost_cents == 1_250
    page = client.get(f"/admin/rewards/{reward.id}/edit").text
    assert form_value(page, "unit_cost_cents") == "99,00"


@pytest.mark.parametrize("value,message", [("-1", "kan niet negatief zijn"), ("gratis", "Vul een bedrag in euro")])
def test_a_bad_unit_cost_is_refused(client, db, login_as, post_form, value, message):
    login_as("marketer", locale="nl")
    response = post_form("/admin/rewards/new", {**REWARD, "unit_cost_cents": value})
    assert response.status_code == 422 and message in response.text
    assert form_value(response.text, "unit_cost_cents") == value


# --- the dashboard ----------------------------------------------------------------------------------

def _economics_data(n: int = 1, monthly: bool = True):
    lead = make_user("sales", name="Lotte Lead")
    rep = make_user("sales", name="Ruben Rep", manager=lead)
    customer = make_user("customer", company=make_company(account_manager=rep))
    reward = make_reward(unit_cost_cents=2_500)
    for _ in range(n):
        ask = make_ask(customer, asked_by=rep, outcome="yes", asked_on=date(2026, 3, 2))
        person = make_referee(ask_id=ask.id, origin="asked", created_at=datetime(2026, 3, 4, 10), stage="won",
                              deal_value_cents=1_250_000, stage_changed_at=datetime(2026, 3, 20, 10))
        make_referral_event(person, "won", created_at=datetime(2026, 3, 20, 10))
        make_referee(origin="received", created_at=datetime(2026, 3, 5, 10))
        make_redemption(reward=reward, user=make_user("customer"), created_at=datetime(2026, 3, 6, 10))
    if monthly:
        make_programme_cost(date(2026, 3, 1), 247_500)
        make_other_wins(date(2026, 3, 1), 3)
        make_goal("2026-Q1", "introductions", 10)


def test_the_dashboard_shows_the_economics_in_the_viewers_language(client, db, login_as):
    _economics_data()
    db.session.commit()
    login_as("marketer", locale="nl")
    page = client.get(MARCH).text
    # Value €12,500; cost €25 of rewards + €2,475 running = €2,500; 1 won: €2,500 per won; return 5×; share 1 of 4.
    assert ">Economie</h2>" in page
    assert "€\xa012.500,00" in page and "€\xa02.500,00" in page and "5,0×" in page and "25%" in page
    assert "Ontvangen door sales" in page and "Team Lotte Lead" in page
    login_as("marketer", locale="en")
    page = client.get(MARCH).text
    assert "€12,500.00" in page and "5.0×" in page and "Received by sales" in page
    assert "Ruben Rep" in page and "100%" in page  # ask → introduction, introduction → won
    assert "Goals per quarter" in page and "Q1 2026" in page and "2 / 10" in page


def test_the_dashboard_says_dash_where_nothing_can_be_divided(client, db, login_as):
    login_as("marketer", locale="en")
    page = client.get("/admin/analytics?start=2031-01-01&end=2031-01-31").text
    section = page.split('id="an-economics"')[1].split("</section>")[0]
    assert section.count("–") >= 6 and "No asks were logged in this period." in page


def test_the_dashboard_statement_count_does_not_grow_with_economics_data(app, client, db, login_as):
    login_as("marketer", locale="en")

    def statements():
        db.session.expunge_all()
        with count_queries(app) as seen:
            assert client.get(MARCH).status_code == 200
        return len(seen)

    _economics_data(1)
    db.session.commit()
    few = statements()
    _economics_data(25, monthly=False)
    db.session.commit()
    assert statements() == few


@pytest.mark.parametrize("figure,first", [("economics", "Figure"), ("asks", "Team"), ("origins", "Origin"),
                                          ("goals", "Goal")])
def test_the_new_sections_have_a_csv(client, db, login_as, figure, first):
    _economics_data()
    db.session.commit()
    login_as("marketer", locale="en")
    response = client.get(f"/admin/analytics/{figure}.csv?start=2026-03-01&end=2026-03-31")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][0] == first and len(rows) >= 2 and all(len(row) == len(rows[0]) for row in rows)
    if figure == "economics":
        assert ["Value of won referrals (EUR)", "12500.00", "0.00"] in rows
