"""Quarterly goals: what each goal metric measured in a quarter, and how this quarter's figures stand
against the expected pace.

The metrics, per quarter (calendar quarters, whole days in UTC as the rest of analytics):
- introductions: referrals made in the quarter;
- won referrals: referrals won in the quarter (as app.analytics.economics defines "won");
- approved quotes / reviews: answers to a quote / review challenge approved in the quarter;
- NPS: the NPS of the answers given in the quarter;
- level-3 share: the share of companies in the programme at the end of the quarter with an
  ambassador who had reached level 3 by then (in whole percent).

Counts grow during a quarter, so they are held against the pace: the target × the share of the
quarter's days gone by. A score and a share are held against the target itself.
`measure` is one statement for any number of quarters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext
from sqlalchemy import func, literal, select

from app import dates
from app.analytics.economics import won_at_subquery
from app.analytics.participation import joined_at
from app.analytics.periods import Period, count_if, during
from app.analytics.programme_models import (
    APPROVED_QUOTES,
    CUMULATIVE_METRICS,
    GOAL_METRICS,
    INTRODUCTIONS,
    LEVEL3_SHARE,
    NPS_SCORE,
    REVIEWS,
    WON_REFERRALS,
    Goal,
)
from app.auth.models import CUSTOMER, User
from app.extensions import db
from app.journey.models import APPROVED, Challenge, Level, LevelUnlock, Submission
from app.nps import stats
from app.nps.models import NpsResponse
from app.referrals.models import Referee

QUARTER = re.compile(r"(\d{4})-Q([1-4])")
HISTORY_QUARTERS = 6  # the analytics page shows this many quarters, ending with the chosen one
AHEAD, ON_PACE, BEHIND = "ahead", "on_pace", "behind"


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter | None:
        match = QUARTER.fullmatch(text or "")
        if not match or not 2000 <= int(match.group(1)) <= 2100:
            return None
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def key(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        """"Q4 2026" ("K4 2026" in Dutch)."""
        return gettext("Q%(number)s %(year)s", number=self.number, year=self.year)

    @property
    def period(self) -> Period:
        start = date(self.year, 3 * self.number - 2, 1)
        following = self.next()
        return Period(start, date(following.year, 3 * following.number - 2, 1) - timedelta(days=1))

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def elapsed(self, today: date) -> float:
        """The share of the quarter's days gone by on `today` (today included): 0 before, 1 after."""
        p = self.period
        if today < p.start:
            return 0.0
        if today > p.end:
            return 1.0
        return ((today - p.start).days + 1) / p.days


def recent_quarters(last: Quarter, count: int = HISTORY_QUARTERS) -> list[Quarter]:
    quarters = [last]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous())
    return quarters[::-1]


def measure(quarters: list[Quarter]) -> dict[str, dict[str, float | int | None]]:
    """{quarter key: {metric: value}} for every goal metric: one statement, whatever the number of
    quarters or the amount of data (each table is read once, with a conditional sum per quarter)."""
    periods = {f"q{i}": q.period for i, q in enumerate(quarters)}  # plain labels for the SQL
    first, until = min(p.since for p in periods.values()), max(p.until for p in periods.values())
    won = won_at_subquery()
    referrals = (
        select(*[count_if(during(Referee.created_at, p)).label(f"intro_{k}") for k, p in periods.items()],
               *[count_if(during(won.c.won_at, p)).label(f"won_{k}") for k, p in periods.items()])
        .select_from(Referee).outerjoin(won, won.c.referee_id == Referee.id)
        .where((Referee.created_at >= first) & (Referee.created_at < until)
               | (won.c.won_at >= first) & (won.c.won_at < until))
    ).subquery("referrals")
    approved_on = func.coalesce(Submission.reviewed_at, Submission.created_at)
    answers = (
        select(*[count_if(during(approved_on, p) & (Challenge.type_key == kind)).label(f"{kind}_{k}")
                 for k, p in periods.items() for kind in ("quote", "review")])
        .select_from(Submission).join(Challenge, Challenge.id == Submission.challenge_id)
        # The quote and review challenges first, so their answers are found through the challenge
        # index rather than by reading every answer of the programme.
        .where(Submission.challenge_id.in_(select(Challenge.id).where(Challenge.type_key.in_(("quote", "review")))),
               Submission.status == APPROVED, approved_on >= first, approved_on < until)
    ).subquery("answers")
    nps = (
        select(*[column for k, p in periods.items()
                 for column in stats.segment_sums(when=during(NpsResponse.created_at, p), suffix=f"_{k}")])
        .where(NpsResponse.created_at >= first, NpsResponse.created_at < until)
    ).subquery("nps")
    joined = (select(User.company_id.label("company_id"), func.min(joined_at()).label("first"))
              .where(User.role == CUSTOMER, User.company_id.is_not(None))
              .group_by(User.company_id).subquery("joined"))
    reached = (select(User.company_id.label("company_id"), func.min(LevelUnlock.unlocked_at).label("level3"))
               .select_from(LevelUnlock).join(User, User.id == LevelUnlock.user_id)
               .join(Level, Level.id == LevelUnlock.level_id)
               .where(User.company_id.is_not(None), Level.position >= 3)
               .group_by(User.company_id).subquery("reached"))
    accounts = (
        select(*[count_if(joined.c.first < p.until).label(f"companies_{k}") for k, p in periods.items()],
               *[count_if(reached.c.level3 < p.until).label(f"level3_{k}") for k, p in periods.items()])
        .select_from(joined).outerjoin(reached, reached.c.company_id == joined.c.company_id)
    ).subquery("accounts")
    row = db.session.execute(
        select(referrals, answers, nps, accounts).select_from(referrals)
        .join(answers, literal(True)).join(nps, literal(True)).join(accounts, literal(True))
    ).one()._mapping
    result = {}
    for k, quarter in zip(periods, quarters, strict=True):
        companies, level3 = int(row[f"companies_{k}"] or 0), int(row[f"level3_{k}"] or 0)
        result[quarter.key] = {
            INTRODUCTIONS: int(row[f"intro_{k}"] or 0), WON_REFERRALS: int(row[f"won_{k}"] or 0),
            APPROVED_QUOTES: int(row[f"quote_{k}"] or 0), REVIEWS: int(row[f"review_{k}"] or 0),
            NPS_SCORE: stats.Segments.of(_Row(row), f"_{k}").score,
            LEVEL3_SHARE: round(100 * level3 / companies, 1) if companies else None,
        }
    return result


class _Row:
    """A mapping seen as the row stats.Segments.of reads."""

    def __init__(self, mapping):
        self._mapping = mapping


def goals_of(quarters: list[Quarter]) -> dict[str, dict[str, int]]:
    """{quarter key: {metric: target}} for the quarters that have goals: one statement."""
    result: dict[str, dict[str, int]] = {}
    for quarter, metric, target in db.session.execute(
        select(Goal.quarter, Goal.metric, Goal.target).where(Goal.quarter.in_([q.key for q in quarters]))
    ):
        result.setdefault(quarter, {})[metric] = target
    return result


def standing(metric: str, actual, target: int, elapsed: float) -> dict:
    """How one goal stands: the expected value by now, the share of the target reached, and whether
    the figure is ahead of, on or behind the pace (None when there is nothing to measure yet)."""
    expected = target * elapsed if metric in CUMULATIVE_METRICS else target
    if actual is None:
        verdict = None
    elif metric in CUMULATIVE_METRICS:
        # Within half a unit of the pace is on pace: nobody can be 0.3 of an introduction ahead.
        verdict = ON_PACE if abs(actual - expected) < 0.5 else AHEAD if actual > expected else BEHIND
    else:
        verdict = AHEAD if actual > target else ON_PACE if actual == target else BEHIND
    progress = None if actual is None or target <= 0 or metric == NPS_SCORE else actual / target
    return {"metric": metric, "actual": actual, "target": target, "expected": expected, "verdict": verdict,
            "progress": progress}


def this_quarter(today: date | None = None) -> dict:
    """The current quarter's goals, each with its figure and standing against the pace: two statements."""
    today = today or dates.today()
    quarter = Quarter.of(today)
    targets = goals_of([quarter]).get(quarter.key, {})
    figures = measure([quarter])[quarter.key]
    elapsed = quarter.elapsed(today)
    return {"quarter": quarter, "elapsed": elapsed,
            "goals": [standing(metric, figures[metric], targets[metric], elapsed)
                      for metric in GOAL_METRICS if metric in targets]}


def history(last: Quarter, today: date | None = None) -> dict:
    """The last HISTORY_QUARTERS quarters up to `last`: each metric's figure and target per quarter."""
    today = today or dates.today()
    quarters = recent_quarters(last)
    targets, figures = goals_of(quarters), measure(quarters)
    rows = []
    for metric in GOAL_METRICS:
        cells = []
        for quarter in quarters:
            target = targets.get(quarter.key, {}).get(metric)
            actual = figures[quarter.key][metric]
            cell = {"actual": actual, "target": target, "verdict": None}
            if target is not None:
                cell.update(standing(metric, actual, target, quarter.elapsed(today)))
            cells.append(cell)
        rows.append({"metric": metric, "cells": cells})
    return {"quarters": quarters, "rows": rows}

