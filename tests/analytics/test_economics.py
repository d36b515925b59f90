"""The programme's economics, the ask analytics, the origin split and the goals, checked against
hand-built data sets (every number below is worked out by hand in the comments)."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from app.analytics.asks import ask_figures, origin_split
from app.analytics.economics import economics, month_weights
from app.analytics.goals import AHEAD, BEHIND, ON_PACE, Quarter, history, measure, this_quarter
from app.analytics.periods import Period
from app.journey.models import APPROVED, PENDING
from app.rewards.models import CANCELLED, FULFILLED
from tests.factories import (
    make_ask,
    make_challenge,
    make_company,
    make_goal,
    make_level,
    make_level_unlock,
    make_nps_response,
    make_other_wins,
    make_programme_cost,
    make_redemption,
    make_referee,
    make_referral_event,
    make_reward,
    make_submission,
    make_user,
)

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))  # the previous period: 29 January – 28 February


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def won(when: str, value: int | None, *, event: bool = True, **fields):
    person = make_referee(stage="won", deal_value_cents=value, stage_changed_at=at(when), **fields)
    if event:
        make_referral_event(person, "won", created_at=at(when))
    return person


def test_month_weights_split_a_period_over_its_months():
    weights = month_weights(Period(date(2026, 1, 20), date(2026, 2, 18)))
    assert weights == [(date(2026, 1, 1), pytest.approx(12 / 31)), (date(2026, 2, 1), pytest.approx(18 / 28))]
    assert month_weights(MARCH) == [(date(2026, 3, 1), 1.0)]


def test_economics_against_a_hand_built_period(db):
    won("2026-03-10 12:00", 1_000_000)  # €10,000 in March
    won("2026-03-12 09:00", None)  # won in March without a value yet: counts, as zero
    won("2026-03-15 09:00", 200_000, event=False)  # no event: the stage change dates it
    won("2026-02-20 10:00", 500_000)  # the previous period
    lost = make_referee(stage="lost", deal_value_cents=900_000)  # won in March, lost since: not counted
    make_referral_event(lost, "won", created_at=at("2026-03-11 10:00"))
    late = won("2026-03-20 10:00", 50_000)  # its first won event is in March; a second one later is ignored
    make_referral_event(late, "won", created_at=at("2026-04-02 10:00"))

    reward = make_reward(unit_cost_cents=2_500)
    make_redemption(reward=reward, status=FULFILLED, created_at=at("2026-03-05 10:00"))  # €25
    make_redemption(reward=reward, status=CANCELLED, created_at=at("2026-03-06 10:00"))  # cancelled: nothing
    make_redemption(reward=make_reward(unit_cost_cents=9_999), unit_cost_cents=1_000,
                    created_at=at("2026-03-07 10:00"))  # the cost at the claim (€10), not today's price
    make_redemption(reward=reward, created_at=at("2026-02-01 10:00"))  # previous period: €25

    make_programme_cost(date(2026, 3, 1), 300_000)  # March, whole
    make_programme_cost(date(2026, 2, 1), 100_000)  # February, whole, in the previous period
    make_programme_cost(date(2026, 1, 1), 310_000)  # 3 of January's 31 days in the previous period: €300
    make_programme_cost(date(2026, 4, 1), 999_999)  # outside both
    make_other_wins(date(2026, 3, 1), 12)
    db.session.commit()

    e = economics(MARCH)
    assert (e["won"].current, e["won"].previous) == (4, 1)
    assert (e["value"].current, e["value"].previous) == (1_250_000, 500_000)
    assert e["unvalued"].current == 1
    assert (e["reward_cost"].current, e["reward_cost"].previous) == (3_500, 2_500)
    assert (e["running_cost"].current, e["running_cost"].previous) == (300_000, 130_000)
    assert (e["total_cost"].current, e["total_cost"].previous) == (303_500, 132_500)
    assert e["cost_per_won"].current == pytest.approx(303_500 / 4)
    assert e["return_ratio"].current == pytest.approx(1_250_000 / 303_500)
    assert e["return_ratio"].previous == pytest.approx(500_000 / 132_500)
    assert e["other_wins"].current == 12
    assert e["referral_share"].current == pytest.approx(4 / 16)
    assert e["referral_share"].previous is None  # no other wins entered for those months: unknown


def test_economics_of_an_empty_period_divides_by_nothing(db):
    e = economics(Period(date(2030, 1, 1), date(2030, 1, 31)))
    assert e["won"].current == 0 and e["total_cost"].current == 0
    assert e["cost_per_won"].current is None and e["return_ratio"].current is None
    assert e["referral_share"].current is None


def test_cost_without_a_win_has_no_cost_per_won_referral(db):
    make_programme_cost(date(2026, 3, 1), 100_000)
    make_other_wins(date(2026, 3, 1), 0)
    db.session.commit()
    e = economics(MARCH)
    assert e["cost_per_won"].current is None and e["return_ratio"].current == 0
    assert e["referral_share"].current is None  # 0 of 0 deals


def test_asks_per_rep_and_team(db):
    lead = make_user("sales", name="Lotte Lead")
    rep = make_user("sales", name="Ruben Rep", manager=lead)
    loner = make_user("sales", name="Sam Solo")
    company = make_company(account_manager=rep)
    customer = make_user("customer", company=company)

    yes = make_ask(customer, asked_by=rep, outcome="yes", asked_on=date(2026, 3, 2))
    intro = make_referee(ask_id=yes.id, origin="asked", created_at=at("2026-03-05 00:00"), stage="won",
                         stage_changed_at=at("2026-03-15 00:00"))  # 3 days to the introduction, 10 to won
    make_referral_event(intro, "won", created_at=at("2026-03-15 00:00"))
    make_ask(customer, asked_by=rep, outcome="no", asked_on=date(2026, 3, 3))
    make_ask(customer, asked_by=rep, outcome="later", asked_on=date(2026, 3, 4))
    make_ask(customer, asked_by=rep, outcome="yes", asked_on=date(2026, 2, 20))  # before the period
    mine = make_ask(customer, asked_by=lead, outcome="yes", asked_on=date(2026, 3, 10))
    make_referee(ask_id=mine.id, created_at=at("2026-03-11 00:00"), stage="opportunity")  # 1 day
    make_referee(ask_id=mine.id, created_at=at("2026-03-17 00:00"))  # 7 days
    make_ask(customer, asked_by=loner, outcome="no", asked_on=date(2026, 3, 31))
    db.session.commit()

    figures = ask_figures(MARCH)
    reps = {r["name"]: r for r in figures["reps"]}
    assert [r["name"] for r in figures["reps"]] == ["Lotte Lead", "Ruben Rep", "Sam Solo"]
    ruben = reps["Ruben Rep"]
    assert (ruben["asks"], ruben["yes"], ruben["no"], ruben["later"]) == (3, 1, 1, 1)
    assert (ruben["introductions"], ruben["won"]) == (1, 1)
    assert ruben["ask_to_intro"] == pytest.approx(1 / 3) and ruben["intro_to_won"] == 1
    assert (ruben["median_intro"], ruben["median_won"]) == (pytest.approx(3), pytest.approx(10))
    lotte = reps["Lotte Lead"]
    assert (lotte["asks"], lotte["introductions"], lotte["won"]) == (1, 2, 0)
    assert lotte["median_intro"] == pytest.approx(4) and lotte["median_won"] is None  # (1 + 7) / 2
    assert lotte["intro_to_won"] == 0
    sam = reps["Sam Solo"]
    assert sam["ask_to_intro"] == 0 and sam["intro_to_won"] is None and sam["median_intro"] is None

    teams = {t["name"]: t for t in figures["teams"]}
    assert set(teams) == {"Lotte Lead", "Sam Solo"}
    team = teams["Lotte Lead"]
    assert (team["asks"], team["yes"], team["introductions"], team["won"]) == (4, 2, 3, 1)
    assert team["median_intro"] == pytest.approx(3) and team["median_won"] == pytest.approx(10)  # of 1, 3, 7
    assert figures["total"]["asks"] == 5 and figures["total"]["ask_to_intro"] == pytest.approx(3 / 5)
    assert figures["total"]["median_intro"] == pytest.approx(3) and figures["total"]["median_won"] == pytest.approx(10)


def test_no_asks_no_rows(db):
    figures = ask_figures(MARCH)
    assert figures["reps"] == [] and figures["teams"] == [] and figures["total"]["ask_to_intro"] is None


def test_origin_split(db):
    make_referee(origin="received", created_at=at("2026-03-02 10:00"), stage="won", deal_value_cents=400_000)
    make_referee(origin="received", created_at=at("2026-03-03 10:00"))
    make_referee(origin="asked", created_at=at("2026-03-04 10:00"))
    make_referee(origin="share", created_at=at("2026-03-05 10:00"), stage="won", deal_value_cents=None)
    make_referee(origin="received", created_at=at("2026-02-05 10:00"))  # before the period
    db.session.commit()
    split = {row["origin"]: row for row in origin_split(MARCH)}
    assert list(split) == ["asked", "proactive", "received", "share", "linkedin"]
    assert (split["received"]["made"], split["received"]["won"], split["received"]["value"]) == (2, 1, 400_000)
    assert split["received"]["share"] == pytest.approx(0.5) and split["received"]["conversion"] == 0.5
    assert split["share"]["won"] == 1 and split["share"]["value"] == 0
    assert split["proactive"]["made"] == 0 and split["proactive"]["conversion"] is None


# --- goals ---------------------------------------------------------------------------------------

Q1 = Quarter(2026, 1)


def _goal_data():
    """Q1 2026: two introductions (one won in Q1), one approved quote (one pending), one approved
    review, NPS answers 9, 10 and 3 (NPS 33), and of two companies one with a level-3 ambassador
    since February (50%)."""
    level3 = make_level(3)
    with_ambassador, without = make_company(), make_company()
    ambassador = make_user("customer", company=with_ambassador, invited_at=at("2025-06-01 10:00"))
    other = make_user("customer", company=without, invited_at=at("2025-07-01 10:00"))
    make_level_unlock(ambassador, level3, unlocked_at=at("2026-02-01 10:00"))
    won_one = make_referee(created_at=at("2026-01-10 10:00"), stage="won", stage_changed_at=at("2026-03-01 10:00"))
    make_referral_event(won_one, "won", created_at=at("2026-03-01 10:00"))
    make_referee(created_at=at("2026-03-30 10:00"))
    make_referee(created_at=at("2025-12-30 10:00"))  # Q4 2025
    quote, review = make_challenge(type_key="quote"), make_challenge(type_key="review")
    make_submission(ambassador, quote, status=APPROVED, reviewed_at=at("2026-02-10 10:00"))
    make_submission(other, quote, status=PENDING)
    make_submission(ambassador, review, status=APPROVED, reviewed_at=at("2026-03-10 10:00"))
    for score in (9, 10, 3):
        make_nps_response(ambassador, score, created_at=at("2026-02-15 10:00"))
    make_nps_response(other, 0, created_at=at("2025-11-15 10:00"))  # Q4 2025: NPS −100


def test_goal_metrics_per_quarter_including_an_empty_one(db):
    _goal_data()
    db.session.commit()
    figures = measure([Quarter(2025, 4), Q1, Quarter(2026, 2)])
    assert figures["2026-Q1"] == {"introductions": 2, "won_referrals": 1, "approved_quotes": 1, "reviews": 1,
                                  "nps": 33, "level3_share": 50.0}
    assert figures["2025-Q4"] == {"introductions": 1, "won_referrals": 0, "approved_quotes": 0, "reviews": 0,
                                  "nps": -100, "level3_share": 0.0}
    # Nothing happened in Q2: counts are zero, there is no NPS; the level-3 share stands as it was.
    assert figures["2026-Q2"] == {"introductions": 0, "won_referrals": 0, "approved_quotes": 0, "reviews": 0,
                                  "nps": None, "level3_share": 50.0}
    assert measure([Quarter(2020, 1)])["2020-Q1"]["level3_share"] is None  # no company in the programme yet


def test_this_quarter_against_the_pace(db):
    _goal_data()
    make_goal("2026-Q1", "introductions", 10)  # expected by 14 February (45 of 90 days): 5; 2 is behind
    make_goal("2026-Q1", "reviews", 2)  # expected 1, 1 reached: on pace
    make_goal("2026-Q1", "approved_quotes", 1)  # expected 0.5, 1 reached: ahead
    make_goal("2026-Q1", "nps", 20)  # 33 against 20: ahead
    make_goal("2026-Q1", "level3_share", 60)  # 50 against 60: behind
    make_goal("2026-Q2", "introductions", 99)  # another quarter
    db.session.commit()
    card = this_quarter(date(2026, 2, 14))
    assert card["quarter"] == Q1 and card["elapsed"] == pytest.approx(0.5)
    goals = {goal["metric"]: goal for goal in card["goals"]}
    assert list(goals) == ["introductions", "approved_quotes", "reviews", "nps", "level3_share"]
    assert goals["introductions"]["expected"] == pytest.approx(5) and goals["introductions"]["verdict"] == BEHIND
    assert goals["introductions"]["progress"] == pytest.approx(0.2)
    assert goals["reviews"]["verdict"] == ON_PACE
    assert goals["approved_quotes"]["verdict"] == AHEAD
    assert goals["nps"]["verdict"] == AHEAD and goals["nps"]["expected"] == 20
    assert goals["level3_share"]["verdict"] == BEHIND


def test_a_quarter_without_goals_or_data(db):
    card = this_quarter(date(2031, 5, 1))
    assert card["goals"] == [] and card["quarter"] == Quarter(2031, 2)
    make_goal("2031-Q2", "nps", 10)
    make_goal("2031-Q2", "introductions", 4)
    db.session.commit()
    goals = {goal["metric"]: goal for goal in this_quarter(date(2031, 5, 1))["goals"]}
    assert goals["nps"]["actual"] is None and goals["nps"]["verdict"] is None  # nothing to measure yet
    assert goals["introductions"]["actual"] == 0 and goals["introductions"]["verdict"] == BEHIND


def test_history_shows_each_quarter_with_its_target(db):
    _goal_data()
    make_goal("2026-Q1", "introductions", 2)
    make_goal("2025-Q4", "nps", 0)
    db.session.commit()
    table = history(Q1, today=date(2026, 6, 1))
    assert [q.key for q in table["quarters"]] == ["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
    rows = {row["metric"]: row["cells"] for row in table["rows"]}
    assert rows["introductions"][-1] == {"actual": 2, "target": 2, "verdict": ON_PACE, "metric": "introductions",
                                         "expected": 2, "progress": 1.0}
    assert rows["nps"][-2]["actual"] == -100 and rows["nps"][-2]["verdict"] == BEHIND
    assert rows["reviews"][0] == {"actual": 0, "target": None, "verdict": None}


@pytest.mark.parametrize("text,quarter", [("2026-Q1", Quarter(2026, 1)), ("2026-Q5", None), ("26-Q1", None),
                                          ("", None), ("1999-Q1", None), ("2026-q1", None)])
def test_quarters_are_read_strictly(text, quarter):
    assert Quarter.parse(text) == quarter


def test_quarter_periods():
    assert Quarter(2026, 4).period == Period(date(2026, 10, 1), date(2026, 12, 31))
    assert Quarter(2026, 1).period.days == 90 and Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert Quarter(2026, 1).elapsed(date(2025, 12, 31)) == 0 and Quarter(2026, 1).elapsed(date(2026, 4, 1)) == 1
