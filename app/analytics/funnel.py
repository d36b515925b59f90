"""How far customers get: the level funnel, and per challenge its views, completions and points."""
from __future__ import annotations

from sqlalchemy import func, select

from app.analytics.medians import median_days
from app.analytics.periods import Pair, Period, both, ratio_pair
from app.analytics.recent import challenge_figures, splits, unlock_counts
from app.extensions import db
from app.journey.models import DRAFT, Challenge, Level

SORT_KEYS = ("level", "challenge", "views", "completions", "rate", "points")


def _median_days(p: Period, q: Period) -> dict[tuple[int, str], float]:
    """Median days from joining to reaching each level, for the levels reached in each period
    (app.analytics.medians: a histogram of whole days, then only the middle bucket's values)."""
    cur, _prev = splits(p)
    return median_days(p, cur.through, cur.unrolled_since)


def funnel(p: Period) -> list[dict]:
    """Per level: customers who had reached it by the end of each period, how many reached it
    during the period, the conversion from the level before, and the median days to get there."""
    q = p.previous()
    unlocks = unlock_counts(p)  # a level is reached once per customer (UNIQUE): counts are people
    zero = lambda column: func.coalesce(column, 0)  # noqa: E731
    rows = db.session.execute(
        select(Level.id, Level.position, Level.name_nl, Level.name_en,
               *[zero(unlocks.c[name]).label(name) for name in ("reached_cur", "reached_prev", "new_cur", "new_prev")])
        .outerjoin(unlocks, unlocks.c.level_id == Level.id)
        .order_by(Level.position)
    ).all()
    medians = _median_days(p, q)
    levels, before = [], None
    for row in rows:  # one row per level (a handful), not per customer
        reached = both(row, "reached")
        levels.append({
            "id": row.id, "position": row.position, "name_nl": row.name_nl, "name_en": row.name_en,
            "reached": reached, "new": both(row, "new"),
            "conversion": ratio_pair(reached, before) if before is not None else None,
            "median_days": Pair(medians.get((row.id, "cur")), medians.get((row.id, "prev"))),
        })
        before = reached
    return levels


def challenge_table(p: Period, sort: str = "level", descending: bool = False, locale: str = "nl") -> list[dict]:
    """Per challenge (drafts left out): views (customer-days), completions (approved answers),
    completion rate (the share of the customers who opened it that completed it, both in the
    period) and points given, in each period; sorted in SQL."""
    if sort not in SORT_KEYS:
        raise ValueError(sort)
    figures = challenge_figures(p)  # daily rollups for the closed days, the raw tables for the rest
    views = completions = converted = points = figures
    zero = lambda column: func.coalesce(column, 0)  # noqa: E731
    rate = (zero(converted.c.converted_cur) * 1.0 / func.nullif(zero(views.c.viewers_cur), 0)).label("rate_cur")
    title = Challenge.title_en if locale == "en" else Challenge.title_nl
    order_by = {
        "level": Level.position, "challenge": func.lower(title), "views": zero(views.c.views_cur),
        "completions": zero(completions.c.done_cur), "rate": rate, "points": zero(points.c.points_cur),
    }[sort]
    ordering = [order_by.is_(None)] if sort == "rate" else []  # challenges nobody opened: last, either way
    ordering += [order_by.desc() if descending else order_by.asc(), Level.position, Challenge.position, Challenge.id]
    rows = db.session.execute(
        select(
            Challenge.id, Challenge.title_nl, Challenge.title_en, Challenge.type_key, Challenge.status,
            Level.position.label("level"),
            zero(views.c.views_cur).label("views_cur"), zero(views.c.views_prev).label("views_prev"),
            zero(views.c.viewers_cur).label("viewers_cur"), zero(views.c.viewers_prev).label("viewers_prev"),
            zero(converted.c.converted_cur).label("converted_cur"),
            zero(converted.c.converted_prev).label("converted_prev"),
            zero(completions.c.done_cur).label("done_cur"), zero(completions.c.done_prev).label("done_prev"),
            zero(points.c.points_cur).label("points_cur"), zero(points.c.points_prev).label("points_prev"),
            rate,
        )
        .join(Level, Level.id == Challenge.level_id)
        .outerjoin(figures, figures.c.challenge_id == Challenge.id)
        .where(Challenge.status != DRAFT)
        .order_by(*ordering)
    ).all()
    table = []
    for row in rows:  # one row per challenge
        viewers, converted_ = both(row, "viewers"), both(row, "converted")
        table.append({
            "id": row.id, "title_nl": row.title_nl, "title_en": row.title_en, "type_key": row.type_key,
            "status": row.status, "level": row.level, "views": both(row, "views"), "viewers": viewers,
            "completions": both(row, "done"), "rate": ratio_pair(converted_, viewers),
            "points": both(row, "points"),
        })
    return table


