"""Referrals in a period: who refers, where the referees are now, and what each share channel brings."""
from __future__ import annotations

from sqlalchemy import and_, case, distinct, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from app.analytics.models import ClickDay, ReferralDay, WonDay
from app.analytics.periods import Pair, Period, both, count_if, day_of, distinct_if, during, ratio_pair
from app.analytics.recent import mostly_open, splits
from app.extensions import db
from app.referrals.models import CHANNELS, FROM_SHARE, STAGES, WON, Referee, ReferralEvent, ShareClick


def referrals(p: Period, active: Pair) -> dict:
    """Referral rate (customers who made a referral in the period / active customers), referrals
    made per stage they are in now, share links per channel (clicks → confirmed sign-ups → won),
    and referrals won in the period (the pipeline's `won` events)."""
    q = p.previous()
    window = and_(Referee.created_at >= q.since, Referee.created_at < p.until)
    cur, prev = splits(p)
    rolled_up = not mostly_open(cur, prev)
    totals = db.session.execute(_totals(cur, prev) if rolled_up else (
        select(
            distinct_if(during(Referee.created_at, p), Referee.referrer_id).label("referrers_cur"),
            distinct_if(during(Referee.created_at, q), Referee.referrer_id).label("referrers_prev"),
            count_if(during(Referee.created_at, p)).label("made_cur"),
            count_if(during(Referee.created_at, q)).label("made_prev"),
        ).where(window))
    ).one()
    stage_rows = {
        row.stage: row for row in db.session.execute(
            select(Referee.stage, count_if(during(Referee.created_at, p)).label("n_cur"),
                   count_if(during(Referee.created_at, q)).label("n_prev"))
            .where(window).group_by(Referee.stage)
        )
    }
    won = db.session.execute(_won(cur, prev) if rolled_up else (
        select(
            distinct_if(during(ReferralEvent.created_at, p), ReferralEvent.referee_id).label("won_cur"),
            distinct_if(during(ReferralEvent.created_at, q), ReferralEvent.referee_id).label("won_prev"),
        ).where(ReferralEvent.stage == WON, ReferralEvent.created_at >= q.since, ReferralEvent.created_at < p.until))
    ).one()
    clicks = {row.channel: row for row in db.session.execute(_clicks(p, cur))}
    signup_channel = func.coalesce(Referee.channel, "other")
    signups = {
        row.channel: row for row in db.session.execute(
            select(signup_channel.label("channel"),
                   count_if(during(Referee.created_at, p)).label("signups_cur"),
                   count_if(during(Referee.created_at, q)).label("signups_prev"),
                   count_if(and_(during(Referee.created_at, p), Referee.stage == WON)).label("won_cur"),
                   count_if(and_(during(Referee.created_at, q), Referee.stage == WON)).label("won_prev"))
            .where(window, Referee.source == FROM_SHARE, Referee.confirmed_at.is_not(None))
            .group_by(signup_channel)
        )
    }
    zero = Pair(0, 0)
    channels = []
    for name in CHANNELS:  # the fixed list of share channels
        click = both(clicks[name], "clicks") if name in clicks else zero
        signup = both(signups[name], "signups") if name in signups else zero
        channels.append({
            "channel": name, "clicks": click, "signups": signup,
            "won": both(signups[name], "won") if name in signups else zero,
            "conversion": ratio_pair(signup, click),
        })
    referrers = both(totals, "referrers")
    return {
        "referrers": referrers, "made": both(totals, "made"), "rate": ratio_pair(referrers, active),
        "stages": [{"stage": stage, "count": both(stage_rows[stage], "n") if stage in stage_rows else zero}
                   for stage in STAGES],
        "channels": channels, "won": both(won, "won"),
    }




# --- From the rollups: the rolled-up days, plus the open days from the raw tables --------------------

def _rolled(s, column, prev_day=None):
    in_split = and_(column.table.c.day >= s.start, column.table.c.day <= s.closed_end)
    if prev_day is not None:
        in_split = and_(in_split, or_(prev_day.is_(None), prev_day < s.start))
    return select(func.coalesce(func.sum(column), 0)).where(in_split).scalar_subquery()


def _totals(cur, prev):
    """referrers_<slot>, made_<slot>: customers who made a referral in each period, and referrals made."""
    columns = []
    for s, slot in ((cur, "cur"), (prev, "prev")):
        referrers = _rolled(s, ReferralDay.referrers, ReferralDay.prev_day)
        made = _rolled(s, ReferralDay.referrals)
        if s.open_days:
            earlier = aliased(Referee)
            in_open = and_(Referee.created_at >= s.open_since, Referee.created_at < s.period.until)
            referred_before = (select(earlier.id).where(earlier.referrer_id == Referee.referrer_id,
                                                        earlier.created_at >= s.period.since,
                                                        earlier.created_at < s.open_since).exists())
            referrers = referrers + (select(func.count(distinct(Referee.referrer_id)))
                                     .where(in_open, ~referred_before).scalar_subquery())
            made = made + select(func.count()).where(in_open).scalar_subquery()
        columns += [referrers.label(f"referrers_{slot}"), made.label(f"made_{slot}")]
    return select(*columns)


def _won(cur, prev):
    """won_<slot>: referrals that reached `won` in each period."""
    columns = []
    for s, slot in ((cur, "cur"), (prev, "prev")):
        won = _rolled(s, WonDay.referees, WonDay.prev_day)
        if s.open_days:
            earlier = aliased(ReferralEvent)
            won_before = (select(earlier.id).where(earlier.referee_id == ReferralEvent.referee_id,
                                                   earlier.stage == WON, earlier.created_at >= s.period.since,
                                                   earlier.created_at < s.open_since).exists())
            won = won + (select(func.count(distinct(ReferralEvent.referee_id)))
                         .where(ReferralEvent.stage == WON, ReferralEvent.created_at >= s.open_since,
                                ReferralEvent.created_at < s.period.until, ~won_before).scalar_subquery())
        columns.append(won.label(f"won_{slot}"))
    return select(*columns)


def _clicks(p, cur):
    """Per channel: share links opened in each period (clicks_cur, clicks_prev)."""
    q = p.previous()
    channel = func.coalesce(ShareClick.channel, "other")
    rows = union_all(
        select(ClickDay.day.label("day"), ClickDay.channel.label("channel"), ClickDay.clicks.label("n"))
        .where(ClickDay.day >= q.start, ClickDay.day <= cur.closed_end),
        select(day_of(ShareClick.created_at), channel, literal(1))
        .where(ShareClick.created_at >= max(cur.unrolled_since, q.since), ShareClick.created_at < p.until),
    ).subquery("click_days")
    return (select(rows.c.channel,
                   func.coalesce(func.sum(case((rows.c.day >= p.start, rows.c.n), else_=0)), 0).label("clicks_cur"),
                   func.coalesce(func.sum(case((rows.c.day < p.start, rows.c.n), else_=0)), 0).label("clicks_prev"))
            .group_by(rows.c.channel))
