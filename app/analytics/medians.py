"""Median days from joining to reaching a level, for the levels reached in a period.

Every rollup run recomputes `UnlockDuration` (one row per rolled-up unlock: its day, level, days from
joining and their bucket: hours for the first days, whole days after) and from it `DurationMonth` (per month, level and bucket, the
number of unlocks). A period's histogram (per level and bucket) then adds whole months from
`DurationMonth`, the days of its partial months from `UnlockDuration` and the unlocks after the
rolled-up days from the raw tables; the one or two buckets that hold the middle are found in
Python, and only their values are read (through the (level_id, bucket, day) index) and ordered.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import Date, Integer, and_, case, cast, delete, func, insert, literal, or_, select, union_all

from app.analytics.models import DurationMonth, UnlockDuration
from app.analytics.periods import Period, day_of, days_between, start_of
from app.analytics.summaries import joined_at
from app.auth.models import User
from app.extensions import db
from app.journey.models import LevelUnlock

FINE_DAYS = 4  # durations shorter than this are bucketed by the hour: level 1 is reached within hours


def bucket_of(days):
    """The bucket of a duration: hours below FINE_DAYS, whole days above (any order-keeping rounding
    will do, the same everywhere), so that no bucket holds a large share of the unlocks."""
    return case((days < FINE_DAYS, cast(days * 24, Integer)), else_=FINE_DAYS * 24 + cast(days, Integer))


def _month_of(day):
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc("month", day), Date)
    return func.date(day, "start of month")


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def build(through: date) -> None:
    """Recompute the durations and their monthly histogram up to `through` (a join date may change)."""
    db.session.execute(delete(UnlockDuration))
    days = days_between(LevelUnlock.unlocked_at, joined_at())
    db.session.execute(insert(UnlockDuration).from_select(
        ["day", "level_id", "days", "bucket"],
        select(day_of(LevelUnlock.unlocked_at), LevelUnlock.level_id, days, bucket_of(days))
        .join(User, User.id == LevelUnlock.user_id)
        .where(LevelUnlock.unlocked_at < start_of(through + timedelta(days=1)))))
    db.session.execute(delete(DurationMonth))
    month = _month_of(UnlockDuration.day)
    db.session.execute(insert(DurationMonth).from_select(
        ["month", "level_id", "bucket", "unlocks"],
        select(month, UnlockDuration.level_id, UnlockDuration.bucket, func.count())
        .group_by(month, UnlockDuration.level_id, UnlockDuration.bucket)))


def _live(first: date, last: date, unrolled_since):
    days = days_between(LevelUnlock.unlocked_at, joined_at())
    return (select(day_of(LevelUnlock.unlocked_at).label("day"), LevelUnlock.level_id.label("level_id"),
                   bucket_of(days).label("bucket"), days.label("days"))
            .join(User, User.id == LevelUnlock.user_id)
            .where(LevelUnlock.unlocked_at >= max(unrolled_since, start_of(first)),
                   LevelUnlock.unlocked_at < start_of(last + timedelta(days=1))))


def _histogram(first: date, last: date, name: str, closed_through: date | None, unrolled_since) -> list:
    """Selects of (level_id, period, bucket, n) for the unlocks on the days [first, last]."""
    label = literal(name)
    parts, day_ranges = [], []
    rolled_end = min(last, closed_through) if closed_through is not None else None
    if rolled_end is not None and rolled_end >= first:
        # The whole months inside [first, rolled_end]: from months_from, up to (not including) months_until.
        months_from = first if first.day == 1 else _first_of_next_month(first)
        months_until = _first_of_next_month(rolled_end)
        if months_until - timedelta(days=1) != rolled_end:  # rolled_end is not its month's last day
            months_until = rolled_end.replace(day=1)
        if months_from < months_until:
            parts.append(select(DurationMonth.level_id, label, DurationMonth.bucket, DurationMonth.unlocks)
                         .where(DurationMonth.month >= months_from, DurationMonth.month < months_until))
            day_ranges = [(first, months_from - timedelta(days=1)), (months_until, rolled_end)]
        else:
            day_ranges = [(first, rolled_end)]
    for start, end in day_ranges:
        if start <= end:
            parts.append(select(UnlockDuration.level_id, label, UnlockDuration.bucket, func.count())
                         .where(UnlockDuration.day >= start, UnlockDuration.day <= end)
                         .group_by(UnlockDuration.level_id, UnlockDuration.bucket))
    live = _live(first, last, unrolled_since).subquery("live_durations")
    parts.append(select(live.c.level_id, label, live.c.bucket, func.count()).group_by(live.c.level_id, live.c.bucket))
    return parts


def _values(first: date, last: date, closed_through: date | None, unrolled_since):
    """(day, level_id, bucket, days) of every unlock on the days [first, last]."""
    parts = []
    rolled_end = min(last, closed_through) if closed_through is not None else None
    if rolled_end is not None and rolled_end >= first:
        parts.append(select(UnlockDuration.day, UnlockDuration.level_id, UnlockDuration.bucket, UnlockDuration.days)
                     .where(UnlockDuration.day >= first, UnlockDuration.day <= rolled_end))
    parts.append(_live(first, last, unrolled_since))
    return union_all(*parts).subquery("durations")


def _middle(buckets: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The (bucket, index inside it) of the middle one or two of the counted values, in order."""
    n = sum(count for _bucket, count in buckets)
    places, seen = [], 0
    ranks = sorted({(n + 1) // 2, (n + 2) // 2})  # 1-based
    for bucket, count in sorted(buckets):
        for rank in ranks:
            if seen < rank <= seen + count:
                places.append((bucket, rank - seen - 1))
        seen += count
    return places


def median_days(p: Period, closed_through: date | None, unrolled_since) -> dict[tuple[int, str], float]:
    """{(level_id, "cur" | "prev"): median days} for the levels reached in each period."""
    q = p.previous()
    parts = (_histogram(p.start, p.end, "cur", closed_through, unrolled_since)
             + _histogram(q.start, q.end, "prev", closed_through, unrolled_since))
    rows = union_all(*parts).subquery("histogram")
    level_id, period, bucket, n = rows.c
    histogram: dict[tuple[int, str], list] = defaultdict(list)
    for row in db.session.execute(select(level_id, period, bucket, func.sum(n)).group_by(level_id, period, bucket)):
        histogram[(row[0], row[1])].append((int(row[2]), int(row[3])))
    places = {key: _middle(buckets) for key, buckets in histogram.items() if buckets}
    if not places:
        return {}
    values = _values(q.start, p.end, closed_through, unrolled_since)
    in_period = {"cur": values.c.day >= p.start, "prev": values.c.day < p.start}
    wanted = or_(*[and_(values.c.level_id == level, values.c.bucket.in_({b for b, _i in spots}), in_period[name])
                   for (level, name), spots in places.items()])
    found: dict[tuple, list[float]] = defaultdict(list)
    name_of = case((values.c.day >= p.start, literal("cur")), else_=literal("prev"))
    for row in db.session.execute(select(values.c.level_id, name_of, values.c.bucket, values.c.days)
                                  .where(wanted).order_by(values.c.days)):
        found[(row[0], row[1], int(row[2]))].append(row[3])
    medians = {}
    for (level, name), spots in places.items():
        middle = [found[(level, name, b)][index] for b, index in spots]
        medians[(level, name)] = float(sum(middle) / len(middle))
    return medians
