"""Every figure against the hand-built programme in data.py, whose answers were worked out on
paper, and against a period with nothing in it."""
from __future__ import annotations

from datetime import date

import pytest

from app.analytics import services
from app.analytics.advocacy import trend_months
from app.analytics.periods import Pair, Period
from tests.analytics.data import EMPTY, MARCH, build, nps_answer, submit


@pytest.fixture
def programme(db):
    return build()


def test_period_and_the_one_before_it():
    assert MARCH.days == 31
    assert MARCH.previous() == Period(date(2026, 1, 29), date(2026, 2, 28))
    assert Period(date(2026, 3, 1), date(2026, 3, 1)).previous() == Period(date(2026, 2, 28), date(2026, 2, 28))


def test_participation(programme):
    figures = services.participation(MARCH)
    assert figures["invited"] == Pair(4, 1)  # alice, bob, erin, frank | carol
    assert figures["activated"] == Pair(3, 1)  # bob never chose a password
    assert figures["base"] == Pair(5, 2)  # activated customers by the period's end
    assert figures["active"] == Pair(3, 1)  # alice, erin, carol (a view on 1 March) | carol (23:59 on 28 Feb)
    assert figures["rate"] == Pair(3 / 5, 1 / 2)
    assert figures["activation_rate"] == Pair(3 / 4, 1.0)


def test_funnel(programme):
    one, two, three = services.funnel(MARCH)
    assert [one["position"], two["position"], three["position"]] == [1, 2, 3]
    assert one["reached"] == Pair(5, 2) and one["new"] == Pair(3, 1)
    assert two["reached"] == Pair(2, 0) and two["new"] == Pair(2, 0)
    assert three["reached"] == Pair(1, 0)
    assert one["conversion"] is None
    assert two["conversion"] == Pair(2 / 5, 0.0)
    assert three["conversion"] == Pair(1 / 2, None)
    # Medians: odd count (2, 3, 8 days), even count (10 and 37), one value, none.
    assert one["median_days"].current == pytest.approx(3.0)
    assert one["median_days"].previous == pytest.approx(4.0)
    assert two["median_days"].current == pytest.approx(23.5)
    assert two["median_days"].previous is None
    assert three["median_days"].current == pytest.approx(20.0)


def test_challenge_table(programme):
    rows = {row["title_en"]: row for row in services.challenge_table(MARCH)}
    assert set(rows) == {"Question", "A quote", "Introduction"}  # no drafts
    question, quote, intro = rows["Question"], rows["A quote"], rows["Introduction"]
    assert question["views"] == Pair(4, 0) and question["viewers"] == Pair(3, 0)
    assert question["completions"] == Pair(1, 0)  # the rejected answer and April's do not count
    assert question["rate"] == Pair(1 / 3, None)
    assert question["points"] == Pair(10, 0)
    assert quote["views"] == Pair(0, 1) and quote["completions"] == Pair(1, 1)
    assert quote["rate"] == Pair(None, 1.0)
    assert quote["points"] == Pair(30, 30)
    assert intro["views"] == Pair(0, 0) and intro["rate"] == Pair(None, None) and intro["points"] == Pair(0, 0)


@pytest.mark.parametrize("sort,descending,expected", [
    ("level", False, ["Question", "A quote", "Introduction"]),
    ("level", True, ["Introduction", "A quote", "Question"]),
    ("views", True, ["Question", "A quote", "Introduction"]),
    ("points", True, ["A quote", "Question", "Introduction"]),
    ("rate", False, ["Question", "A quote", "Introduction"]),  # nobody opened the others: last either way
    ("rate", True, ["Question", "A quote", "Introduction"]),
    ("challenge", False, ["A quote", "Introduction", "Question"]),
])
def test_challenge_table_sorts_in_sql(programme, sort, descending, expected):
    rows = services.challenge_table(MARCH, sort, descending, locale="en")
    assert [row["title_en"] for row in rows] == expected


def test_challenge_table_sorts_by_the_dutch_title_in_dutch(programme):
    rows = services.challenge_table(MARCH, "challenge", locale="nl")
    assert [row["title_nl"] for row in rows] == ["Introductie", "Quote", "Vraag"]


def test_unknown_sort_key_is_refused(programme):
    with pytest.raises(ValueError):
        services.challenge_table(MARCH, "title; drop table users")


def test_referrals(programme):
    active = services.participation(MARCH)["active"]
    figures = services.referrals(MARCH, active)
    assert figures["referrers"] == Pair(1, 1)
    assert figures["made"] == Pair(4, 1)
    assert figures["rate"] == Pair(1 / 3, 1.0)
    stages = {row["stage"]: row["count"] for row in figures["stages"]}
    assert stages == {"new": Pair(1, 0), "contacted": Pair(0, 0), "meeting": Pair(1, 0),
                      "opportunity": Pair(0, 0), "won": Pair(2, 0), "lost": Pair(0, 1)}
    assert figures["won"] == Pair(1, 0)  # the other won event is in April
    channels = {row["channel"]: row for row in figures["channels"]}
    assert list(channels) == ["email", "linkedin", "whatsapp", "qr", "other"]
    assert channels["linkedin"]["clicks"] == Pair(3, 0)
    assert channels["linkedin"]["signups"] == Pair(1, 0)  # confirmed share sign-ups only
    assert channels["linkedin"]["won"] == Pair(1, 0)
    assert channels["linkedin"]["conversion"] == Pair(1 / 3, None)
    assert channels["whatsapp"]["signups"] == Pair(0, 0) and channels["whatsapp"]["conversion"] == Pair(0.0, None)
    assert channels["email"]["clicks"] == Pair(0, 1)
    assert channels["qr"]["conversion"] == Pair(None, None)


def test_nps(programme):
    figures = services.nps(MARCH)
    assert figures["counts"]["cur"] == {"promoter": 2, "passive": 1, "detractor": 1}
    assert figures["score"] == Pair(25, 0)
    assert figures["answers"] == Pair(4, 2)
    assert figures["promoters"] == Pair(2, 1)  # alice, erin | carol
    assert figures["acted"] == Pair(1, 1)  # alice's quote 6 days later | carol's quote and referral
    assert figures["advocacy_rate"] == Pair(0.5, 1.0)
    months = [entry["month"] for entry in figures["trend"]]
    assert months[0] == date(2025, 4, 1) and months[-1] == date(2026, 3, 1) and len(months) == 12
    by_month = {entry["month"]: entry for entry in figures["trend"]}
    assert by_month[date(2026, 3, 1)]["answers"] == 4 and by_month[date(2026, 3, 1)]["score"] == 25
    assert by_month[date(2026, 2, 1)]["score"] == 0
    assert by_month[date(2025, 12, 1)]["score"] is None


def test_an_advocacy_action_after_ninety_days_does_not_count(db):
    from tests.analytics.data import Programme, customer
    from tests.factories import make_challenge, make_level

    programme = Programme()
    make_level(1)
    quote = make_challenge(make_level(2), "quote", points=30)
    late = customer(programme, "late", "2026-01-01 09:00")
    early = customer(programme, "early", "2026-01-01 09:00")
    nps_answer(late, 9, "2026-03-01 10:00")
    nps_answer(early, 9, "2026-03-01 10:00")
    submit(late, quote, "2026-05-30 11:00", status="pending")  # 90 days and an hour
    submit(early, quote, "2026-02-27 10:00")  # before the answer
    db.session.commit()
    figures = services.nps(MARCH)
    assert figures["promoters"].current == 2 and figures["acted"].current == 0


def test_nps_trend_covers_a_long_period():
    months = trend_months(Period(date(2024, 1, 15), date(2026, 3, 31)))
    assert months[0] == date(2024, 1, 1) and len(months) == 27
    months = trend_months(Period(date(2026, 12, 1), date(2026, 12, 31)))
    assert months[0] == date(2026, 1, 1) and months[-1] == date(2026, 12, 1)


def test_accounts(programme):
    figures = services.accounts(MARCH)
    assert figures["companies"] == Pair(4, 2)  # A (alice, bob, frank), carol's, dave's, erin's | carol's, dave's
    assert figures["level2"] == Pair(2, 0)
    assert figures["level3"] == Pair(1, 0)
    assert figures["level2_share"] == Pair(0.5, 0.0)
    assert figures["level3_share"] == Pair(0.25, 0.0)


def test_rewards(programme):
    figures = services.rewards(MARCH)
    assert figures["intrinsic"] == Pair(1, 1)
    assert figures["money_like"] == Pair(1, 0)  # the cancelled claim does not count
    assert figures["money_like_share"] == Pair(0.5, 0.0)
    kinds = {row["kind"]: row for row in figures["kinds"]}
    assert kinds["gift_card"]["money_like"] and not kinds["recognition"]["money_like"]
    assert kinds["recognition"]["count"] == Pair(1, 1)


def test_an_empty_period_has_zeros_and_no_ratios(programme):
    figures = services.dashboard(EMPTY)
    people = figures["participation"]
    assert people["invited"] == Pair(0, 0) and people["active"] == Pair(0, 0)
    assert people["base"] == Pair(5, 5)  # still in the programme
    assert people["rate"] == Pair(0.0, 0.0)
    assert all(level["new"] == Pair(0, 0) and level["median_days"] == Pair(None, None) for level in figures["funnel"])
    assert all(row["views"] == Pair(0, 0) and row["rate"] == Pair(None, None) for row in figures["challenges"])
    assert figures["referrals"]["rate"] == Pair(None, None) and figures["referrals"]["won"] == Pair(0, 0)
    assert figures["nps"]["score"] == Pair(None, None) and figures["nps"]["advocacy_rate"] == Pair(None, None)
    assert all(entry["score"] is None for entry in figures["nps"]["trend"])
    assert figures["rewards"]["money_like_share"] == Pair(None, None)


def test_an_empty_database(db):
    figures = services.dashboard(MARCH)
    assert figures["funnel"] == [] and figures["challenges"] == []
    assert figures["participation"]["rate"] == Pair(None, None)
    assert figures["accounts"]["level2_share"] == Pair(None, None)
