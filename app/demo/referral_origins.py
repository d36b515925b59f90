"""Demo referrals of every origin for `flask seed-demo` (run after the other referral demo data):

All of them come from Anouk Jansen (ambassadeur@example.com, level 3 already), so the other demo
customers keep the journey stages the demo shows.

- She answered "yes" to Sam's ask 100 days ago (outside the 90-day cap: she is ready for the next
  ask); the introduction that followed (Pieter de Boer) is linked to that ask and was won for € 24.000.
- She gave Sam a name at a quarterly review: entered by Sam as a received referral (Emma Brooks), now
  an opportunity worth € 15.000 (expected), owned by his lead Sanne.
- Her LinkedIn contact (Ruben Mulder) waits to be contacted.
The earlier demo referrals are proactive (her own introductions) and share-link sign-ups.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import dates
from app.auth.models import User
from app.dates import utcnow
from app.extensions import db
from app.referrals.entry import enter_referral
from app.referrals.intake import Introduction, add_referee
from app.referrals.models import (
    ASKED,
    CONTACTED,
    FROM_LINKEDIN,
    FROM_REFERRAL,
    MEETING,
    OPPORTUNITY,
    RECEIVED,
    WON,
    Ask,
    AskStatus,
    Referee,
)
from app.referrals.stages import move


def seed_referral_origins_demo() -> int:
    """Idempotent: nothing is added once a received referral exists. Returns the referees added."""
    if db.session.scalar(select(Referee.id).where(Referee.origin == RECEIVED).limit(1)) is not None:
        return 0
    sam, sanne = User.by_email("sales@example.com"), User.by_email("sales-lead@example.com")
    anouk = User.by_email("ambassadeur@example.com")
    if None in (sam, sanne, anouk):
        return 0
    now, today = utcnow(), dates.today()
    ask = Ask(customer_id=anouk.id, asked_by_id=sam.id, asked_on=today - timedelta(days=100), channel="meeting",
              outcome="yes", note="Kent iemand bij een bouwbedrijf die met dezelfde planning worstelt.",
              created_at=now - timedelta(days=100))
    db.session.add(ask)
    status = db.session.get(AskStatus, anouk.id)
    if status is None:
        db.session.add(AskStatus(customer_id=anouk.id, last_asked_at=now - timedelta(days=100)))
    elif status.last_asked_at is None:
        status.last_asked_at = now - timedelta(days=100)
    db.session.flush()

    pieter = add_referee(anouk, Introduction(
        name="Pieter de Boer", company="De Boer Bouw", job_role="Operationeel directeur",
        benefit="Jullie kunnen zijn planning van dertig ploegen op één scherm zetten.",
        may_mention=True, route="contact", message_locale="nl"),
        source=FROM_REFERRAL, count_quota=False, origin=ASKED, ask_id=ask.id)
    for stage in (CONTACTED, MEETING):
        move(pieter, stage, sam, from_stage=pieter.stage)
    move(pieter, OPPORTUNITY, sam, from_stage=pieter.stage, expected_value_cents=2_000_000)
    move(pieter, WON, sam, from_stage=pieter.stage, deal_value_cents=2_400_000, expected_value_cents=2_000_000,
         note="Getekend voor twee jaar.")

    emma = enter_referral(sam, anouk, Introduction(
        name="Emma Brooks", company="Brooks Freight", job_role="Head of planning",
        benefit="They still plan their drivers on a whiteboard and want reports per week.", may_mention=True,
        message_locale="en"), origin=RECEIVED)
    for stage in (CONTACTED, MEETING):
        move(emma, stage, sam, from_stage=emma.stage)
    move(emma, OPPORTUNITY, sam, from_stage=emma.stage, expected_value_cents=1_500_000)
    emma.owner_id = sanne.id

    ruben = add_referee(anouk, Introduction(
        name="Ruben Mulder", company="Mulder Transport", job_role="Eigenaar", linkedin_url="https://www.linkedin.com/in/ruben-mulder-demo",
        benefit="Hij zoekt iets om ritten en uren op één plek bij te houden.", route="contact", message_locale="nl"),
        source=FROM_LINKEDIN, count_quota=False)
    for referee, days in ((pieter, 95), (emma, 12), (ruben, 2)):
        referee.created_at = now - timedelta(days=days)
    db.session.flush()
    return 3
