"""NPS arithmetic, said once: the three segments, the score and the trend per month.

The NPS overview and the analytics dashboard both count with these, so a score never differs
between the two pages. Every count is a SUM(CASE …) in SQL; only the score is worked out here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import and_, case, func, select
from sqlalchemy.sql import ColumnElement

from app.extensions import db
from app.nps.models import CATEGORIES, DETRACTOR, PASSIVE, PROMOTER, NpsResponse


def nps_score(promoters: int, passives: int, detractors: int) -> int | None:
    """NPS = % promoters − % detractors, an integer from −100 to 100; None without answers."""
    total = promoters + passives + detractors
    if total == 0:
        return None
    value = 100 * (promoters - detractors) / total
    # Round half away from zero, so 12.5 and -12.5 round alike.
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def segment_sums(category=NpsResponse.category, when=None, suffix: str = "") -> list:
    """The answers per segment, as SUM(CASE …) columns labelled promoter, passive and detractor
    (each followed by `suffix`); with `when`, only the answers for which it holds."""
    columns = []
    for name in CATEGORIES:
        condition = category == name if when is None else and_(when, category == name)
        columns.append(func.coalesce(func.sum(case((condition, 1), else_=0)), 0).label(f"{name}{suffix}"))
    return columns


@dataclass(frozen=True)
class Segments:
    """How many answers fell in each segment, and the score they make."""

    promoters: int
    passives: int
    detractors: int

    @classmethod
    def of(cls, row, suffix: str = "") -> Segments:
        """The counts in a row selected with `segment_sums(…, suffix=suffix)`; no row is no answers."""
        if row is None:
            return cls(0, 0, 0)
        return cls(*(int(row._mapping[f"{name}{suffix}"] or 0) for name in (PROMOTER, PASSIVE, DETRACTOR)))

    @property
    def answers(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> int | None:
        return nps_score(self.promoters, self.passives, self.detractors)

    def counts(self) -> dict[str, int]:
        return {PROMOTER: self.promoters, PASSIVE: self.passives, DETRACTOR: self.detractors}


def month_of(column) -> ColumnElement:
    """'YYYY-MM' of a timestamp, in SQL, on SQLite and PostgreSQL alike."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def months(last: date, at_least: int, first: date | None = None) -> list[date]:
    """First days of the months up to `last`'s month, oldest first: at least `at_least` of them,
    and back to `first`'s month when that is earlier."""
    end = date(last.year, last.month, 1)
    back = date(end.year - (1 if end.month < at_least else 0), (end.month - at_least) % 12 + 1, 1)
    start = min(back, date(first.year, first.month, 1)) if first else back
    month, result = start, []
    while month <= end:
        result.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return result


def trend(month_list: list[date], *conditions) -> list[dict]:
    """Per month: the answers, each segment and the score. `conditions` narrow the answers counted
    (a scope, an end); one query, grouped by month."""
    month = month_of(NpsResponse.created_at).label("month")
    rows = {
        row.month: row for row in db.session.execute(
            select(month, *segment_sums())
            .where(NpsResponse.created_at >= datetime.combine(month_list[0], time.min), *conditions)
            .group_by(month)
        )
    }
    entries = []
    for first_day in month_list:  # a row per month shown
        counts = Segments.of(rows.get(first_day.strftime("%Y-%m")))
        entries.append({"month": first_day, "answers": counts.answers, "promoters": counts.promoters,
                        "passives": counts.passives, "detractors": counts.detractors, "score": counts.score})
    return entries
