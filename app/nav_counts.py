"""The small counts staff navigation shows (unread NPS alerts, new feedback): every count a page asks
for is read in one statement per request, whichever the page shows first, so a new badge costs no
page an extra round trip."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import g
from sqlalchemy import ScalarSelect, select

from app.extensions import db

# name -> (the roles it is shown to, the count for one viewer as a scalar subquery)
_COUNTS: dict[str, tuple[frozenset[str], Callable[[int], ScalarSelect]]] = {}


def register(name: str, roles: Iterable[str], count: Callable[[int], ScalarSelect]) -> None:
    """Areas call this once at import time; `count(user_id)` is a scalar subquery."""
    _COUNTS[name] = (frozenset(roles), count)


def nav_count(name: str, user) -> int:
    """The count `name` for this viewer (0 for a role it is not shown to), read with all the others once."""
    counts = g.get("nav_counts")
    if counts is None:
        names = [key for key, (roles, _count) in _COUNTS.items() if user.role in roles]
        row = db.session.execute(select(*(_COUNTS[key][1](user.id).label(key) for key in names))).one() if names else ()
        counts = g.nav_counts = dict(zip(names, row, strict=True))
    return counts.get(name) or 0
