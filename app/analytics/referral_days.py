"""The referral rollups: referrals made per referrer-day, won referrals per referee-day, share links
opened per day and channel. Referrals, their events and clicks are only ever added with the moment
they happen; a deleted referral (an objection, the end of its retention) is taken out of its closed
days by `removed()`, before the DELETE."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import func, insert, literal_column, select

from app.analytics.models import ClickDay, ReferralDay, WonDay
from app.analytics.periods import day_of, start_of
from app.extensions import db
from app.referrals.models import WON, Referee, ReferralEvent, ShareClick


def _ranked(day, owner, until, since: date | None, extra=()):
    """Per owner and day (with the number of rows that day): the owner's day before."""
    rows = (select(owner.label("owner"), day.label("day"), func.count().label("n"))
            .where(until, *extra).group_by(owner, day).subquery("owner_days"))
    ranked = select(rows.c.day, func.lag(rows.c.day).over(partition_by=rows.c.owner, order_by=rows.c.day)
                    .label("prev_day"), rows.c.n).subquery("ranked")
    query = select(ranked.c.day, ranked.c.prev_day, func.count(), func.sum(ranked.c.n)).group_by(
        ranked.c.day, ranked.c.prev_day)
    return query.where(ranked.c.day >= since) if since is not None else query


def build(since: date | None, through: date) -> list:
    """INSERTs for the days [since, through] (every day up to `through` when since is None)."""
    until = start_of(through + timedelta(days=1))
    referrals = _ranked(day_of(Referee.created_at), Referee.referrer_id, Referee.created_at < until, since)
    won = _ranked(day_of(ReferralEvent.created_at), ReferralEvent.referee_id, ReferralEvent.created_at < until,
                  since, (ReferralEvent.stage == WON,))
    won_rows = won.subquery("won")
    day, channel = day_of(ShareClick.created_at), func.coalesce(ShareClick.channel, literal_column("'other'"))
    clicks = (select(day, channel, func.count()).where(ShareClick.created_at < until).group_by(day, channel))
    if since is not None:
        clicks = clicks.where(ShareClick.created_at >= start_of(since))
    return [
        insert(ReferralDay).from_select(["day", "prev_day", "referrers", "referrals"], referrals),
        insert(WonDay).from_select(["day", "prev_day", "referees"],
                                   select(won_rows.c.day, won_rows.c.prev_day, won_rows.c[2])),
        insert(ClickDay).from_select(["day", "channel", "clicks"], clicks),
    ]


def _day(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _chain(per_day: Counter, sign: int, changes: dict) -> None:
    """Add the (day, prev_day) rows of one owner's days (with their counts) to `changes`, times `sign`."""
    days = sorted(per_day)
    for n, day in enumerate(days):
        entry = changes.setdefault((day, days[n - 1] if n else None), [0, 0])
        entry[0] += sign
        entry[1] += sign * per_day[day]


def removed(referees: list, through: date) -> None:
    """Take referrals about to be deleted out of the closed days (rows of -1 and +1), flush only."""
    until = start_of(through + timedelta(days=1))
    by_referrer: dict[int, set[int]] = {}
    for referee in referees:
        by_referrer.setdefault(referee.referrer_id, set()).add(referee.id)
    referral_changes: dict[tuple, list[int]] = {}
    for referrer_id, ids in sorted(by_referrer.items()):
        rows = db.session.execute(select(Referee.id, day_of(Referee.created_at))
                                  .where(Referee.referrer_id == referrer_id, Referee.created_at < until)).all()
        if not any(referee_id in ids for referee_id, _d in rows):
            continue
        _chain(Counter(_day(d) for _r, d in rows), -1, referral_changes)
        _chain(Counter(_day(d) for r, d in rows if r not in ids), 1, referral_changes)
    for (day, prev_day), (referrers, referrals) in referral_changes.items():
        if referrers or referrals:
            db.session.add(ReferralDay(day=day, prev_day=prev_day, referrers=referrers, referrals=referrals))
    won_changes: dict[tuple, list[int]] = {}
    for referee in referees:
        days = Counter({_day(d): 1 for d in db.session.scalars(select(day_of(ReferralEvent.created_at)).where(
            ReferralEvent.referee_id == referee.id, ReferralEvent.stage == WON, ReferralEvent.created_at < until))})
        _chain(days, -1, won_changes)
    for (day, prev_day), (referees_, _n) in won_changes.items():
        if referees_:
            db.session.add(WonDay(day=day, prev_day=prev_day, referees=referees_))
    db.session.flush()
