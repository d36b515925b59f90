"""Referrals in a period: who refers, where the referees are now, and what each share channel brings."""
from __future__ import annotations

from sqlalchemy import and_, func, select

from app.analytics.periods import Pair, Period, both, count_if, distinct_if, during, ratio_pair
from app.extensions import db
from app.referrals.models import CHANNELS, FROM_SHARE, STAGES, WON, Referee, ReferralEvent, ShareClick


def referrals(p: Period, active: Pair) -> dict:
    """Referral rate (customers who made a referral in the period / active customers), referrals
    made per stage they are in now, share links per channel (clicks → confirmed sign-ups → won),
    and referrals won in the period (the pipeline's `won` events)."""
    q = p.previous()
    window = and_(Referee.created_at >= q.since, Referee.created_at < p.until)
    totals = db.session.execute(
        select(
            distinct_if(during(Referee.created_at, p), Referee.referrer_id).label("referrers_cur"),
            distinct_if(during(Referee.created_at, q), Referee.referrer_id).label("referrers_prev"),
            count_if(during(Referee.created_at, p)).label("made_cur"),
            count_if(during(Referee.created_at, q)).label("made_prev"),
        ).where(window)
    ).one()
    stage_rows = {
        row.stage: row for row in db.session.execute(
            select(Referee.stage, count_if(during(Referee.created_at, p)).label("n_cur"),
                   count_if(during(Referee.created_at, q)).label("n_prev"))
            .where(window).group_by(Referee.stage)
        )
    }
    won = db.session.execute(
        select(
            distinct_if(during(ReferralEvent.created_at, p), ReferralEvent.referee_id).label("won_cur"),
            distinct_if(during(ReferralEvent.created_at, q), ReferralEvent.referee_id).label("won_prev"),
        ).where(ReferralEvent.stage == WON, ReferralEvent.created_at >= q.since, ReferralEvent.created_at < p.until)
    ).one()
    channel = func.coalesce(ShareClick.channel, "other")
    clicks = {
        row.channel: row for row in db.session.execute(
            select(channel.label("channel"), count_if(during(ShareClick.created_at, p)).label("clicks_cur"),
                   count_if(during(ShareClick.created_at, q)).label("clicks_prev"))
            .where(ShareClick.created_at >= q.since, ShareClick.created_at < p.until).group_by(channel)
        )
    }
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


