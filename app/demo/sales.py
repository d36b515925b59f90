"""Demo data for the sales workspace's "ready for the ask" queue (run after the journey's demo data).

- Anouk Jansen (ambassadeur@example.com, Zorggroep Oost) has reached level 3 and is ready for the
  ask of her account manager (sales@example.com) and his manager (sales-lead@example.com).
- Oliver Hughes (ops@example.com, a promoter) is claimed by accounts@example.com since two days.
- Kees de Klant (klant@example.com) was asked by sales@example.com three weeks ago; he wanted time
  to think, and the follow-up call is today. Claire Customer (customer@example.com, a promoter)
  stays on the queue of sales@example.com.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import dates
from app.auth.models import User
from app.dates import utcnow
from app.extensions import db
from app.journey.models import Level, LevelUnlock
from app.referrals.models import Ask, AskStatus
from app.sales.ask_services import ASK_LEVEL


def seed_sales_demo() -> int:
    """Add what is missing (idempotent). Returns how many records were added. Flush only."""
    added = 0
    now = utcnow()
    anouk = User.by_email("ambassadeur@example.com")
    level3 = db.session.scalar(select(Level).where(Level.position == ASK_LEVEL))
    if anouk is not None and level3 is not None:
        unlocked = db.session.scalar(
            select(LevelUnlock.id).where(LevelUnlock.user_id == anouk.id, LevelUnlock.level_id == level3.id)
        )
        if unlocked is None:
            db.session.add(LevelUnlock(user_id=anouk.id, level_id=level3.id, unlocked_at=now - timedelta(days=20)))
            added += 1

    oliver, ahmed = User.by_email("ops@example.com"), User.by_email("accounts@example.com")
    if oliver is not None and ahmed is not None and db.session.get(AskStatus, oliver.id) is None:
        db.session.add(AskStatus(customer_id=oliver.id, claimed_by_id=ahmed.id, claimed_at=now - timedelta(days=2)))
        added += 1

    kees, sam = User.by_email("klant@example.com"), User.by_email("sales@example.com")
    if kees is not None and sam is not None:
        asked = db.session.scalar(select(Ask.id).where(Ask.customer_id == kees.id, Ask.asked_by_id == sam.id).limit(1))
        if asked is None:
            day = dates.today()
            db.session.add(Ask(
                customer_id=kees.id, asked_by_id=sam.id, asked_on=day - timedelta(days=21), channel="phone",
                outcome="later", follow_up_on=day,
                note="Denkt aan een projectleider bij een onderaannemer; wil het eerst zelf even polsen.",
                created_at=now - timedelta(days=21),
            ))
            status = db.session.get(AskStatus, kees.id)
            if status is None:
                db.session.add(AskStatus(customer_id=kees.id, last_asked_at=now - timedelta(days=21)))
            elif status.last_asked_at is None or status.last_asked_at < now - timedelta(days=21):
                status.last_asked_at = now - timedelta(days=21)
            added += 1
    db.session.flush()
    return added
