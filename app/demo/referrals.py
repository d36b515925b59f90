"""Demo referrals for `flask seed-demo`: the Level-3 ambassador's introductions at several stages,
a confirmed sign-up through her link, one that waits for a check, and clicks per channel."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import dates
from app.auth.models import User
from app.dates import utcnow
from app.extensions import db
from app.referrals.intake import Introduction, add_referee
from app.referrals.links import ensure_referral_code
from app.referrals.models import CONTACTED, FROM_REFERRAL, FROM_SHARE, MEETING, Referee, ShareClick
from app.referrals.stages import move

AMBASSADOR = "ambassadeur@example.com"


def seed_referrals_demo() -> int:
    """Idempotent: nothing is added when any referral exists. Returns the number of referees added."""
    if db.session.scalar(select(Referee.id).limit(1)) is not None:
        return 0
    ambassador = User.by_email(AMBASSADOR)
    manager = ambassador.company.account_manager if ambassador and ambassador.company else None
    if ambassador is None or manager is None:
        return 0
    ensure_referral_code(ambassador)
    ambassador.referral_show_name = True
    start = utcnow() - timedelta(days=30)
    mark = add_referee(ambassador, Introduction(
        name="Mark Visser", company="Visser Installatietechniek", job_role="Directeur",
        benefit="Ze plannen hun monteurs nog in Excel, precies zoals wij twee jaar geleden.",
        may_mention=True, route="contact", message_locale="nl"), source=FROM_REFERRAL, count_quota=False)
    move(mark, CONTACTED, manager, from_stage=mark.stage)
    move(mark, MEETING, manager, from_stage=mark.stage, note="Kennismaking van 15 minuten, loopt goed.",
         follow_up_on=dates.today())
    sophie = add_referee(ambassador, Introduction(
        name="Sophie Dekker", company="Dekker Zorg", job_role="Hoofd operatie",
        benefit="Ze zoeken een manier om roosters en rapportages op één plek te hebben.",
        may_mention=True, route="introduce", message_locale="nl"), source=FROM_REFERRAL, count_quota=False)
    lotte = add_referee(ambassador, Introduction(
        name="Lotte Vermeer", company="Vermeer Logistiek", email="lotte@vermeer-logistiek.example",
        benefit="Meer grip op onze planning.", route="inbound", message_locale="nl"),
        source=FROM_SHARE, count_quota=False, consent=True)
    lotte.channel = "linkedin"
    lotte.confirmed_at = utcnow() - timedelta(days=3)
    # A sign-up from the ambassador's own domain: waits for a check by sales.
    jeroen = add_referee(ambassador, Introduction(
        name="Jeroen Bakker", company="Bakker Advies", email="jeroen@example.com",
        benefit="Interesse in een demo.", route="inbound", message_locale="nl"),
        source=FROM_SHARE, channel="email", count_quota=False, consent=True)
    jeroen.confirmed_at = utcnow() - timedelta(days=1)
    for referee, days in ((mark, 20), (sophie, 6), (lotte, 4)):
        referee.created_at = start + timedelta(days=30 - days)
    for channel, clicks in (("linkedin", 9), ("email", 4), ("whatsapp", 2), ("qr", 3)):
        for n in range(clicks):
            db.session.add(ShareClick(referrer_id=ambassador.id, channel=channel, created_at=start + timedelta(days=n)))
    db.session.flush()
    return 4
