"""Now and today: UTC for what is stored, the programme's time zone for what people call "today"."""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask_babel import get_timezone


def utcnow() -> datetime:
    """The current moment as a naive UTC datetime, the way every timestamp column stores it."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def local_now() -> datetime:
    """The current moment in the programme's time zone (`TIMEZONE`, default Europe/Amsterdam)."""
    return datetime.now(get_timezone())


def today() -> date:
    """Today's date where the programme runs: follow-ups, asks, consents and file names all count days
    from here, so a date never depends on the server's clock zone."""
    return local_now().date()
