"""A period beside the one before it: the Period and Pair every figure uses, and the SQL that counts both at once.

Every figure is one or two aggregate queries: conditional sums over both periods at once
(`CASE WHEN <in this period> …`), so the number of queries never depends on the amount of data,
and nothing loops over customers in Python. Periods are whole days [start, end], as UTC dates.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, distinct, func
from sqlalchemy.sql import ColumnElement

from app.extensions import db


@dataclass(frozen=True)
class Period:
    """Whole days from `start` to `end`, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min)

    @property
    def until(self) -> datetime:
        """The first moment after the period (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), time.min)

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)


@dataclass(frozen=True)
class Pair:
    """A figure in the chosen period and in the period before it."""

    current: int | float | None
    previous: int | float | None

    @property
    def change(self) -> int | float | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous


def ratio(part, whole) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return None if not whole else part / whole


def ratio_pair(part: Pair, whole: Pair) -> Pair:
    return Pair(ratio(part.current, whole.current), ratio(part.previous, whole.previous))


# --- Portable SQL helpers -----------------------------------------------------------------------

def day_of(timestamp) -> ColumnElement:
    """The UTC date of a timestamp column, on SQLite and PostgreSQL."""
    return func.date(timestamp)


def start_of(day: date) -> datetime:
    """The first moment of a day."""
    return datetime.combine(day, time.min)


def days_between(later, earlier) -> ColumnElement:
    """(later − earlier) in days, as a fractional number, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date_part("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def during(column, period: Period) -> ColumnElement:
    """A timestamp inside the period."""
    return and_(column >= period.since, column < period.until)


def on_days(column, period: Period) -> ColumnElement:
    """A date inside the period."""
    return and_(column >= period.start, column <= period.end)


def count_if(condition) -> ColumnElement:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def distinct_if(condition, column) -> ColumnElement:
    return func.count(distinct(case((condition, column), else_=None)))


def both(row, name: str) -> Pair:
    """The `<name>_cur` and `<name>_prev` columns of a row as a Pair."""
    return Pair(int(row._mapping[f"{name}_cur"] or 0), int(row._mapping[f"{name}_prev"] or 0))
