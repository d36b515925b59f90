"""How a referral came about (its origin), the ask that led to it, and who in sales owns it.

The rule for a customer's own introduction (source "referral"):

- It counts as **asked**, linked to that ask, when the customer answered "yes" to a logged ask in
  the last ASK_LINK_DAYS days (the day of the ask included) and no referral is linked to that ask
  yet: the latest such ask is the one that is linked.
- Otherwise it is **proactive**: the customer came with it on their own.

A sign-up through a customer's share link has origin **share**, a LinkedIn contact **linkedin**;
those are what they are, whether or not an ask came before. Sales who enter a referral they were
given choose the origin themselves (received, asked or proactive; app.referrals.entry).

The owner of a new referral is the account manager of the referrer's company, when that person is
an active user; otherwise nobody (the pipeline shows "no owner" and a lead can assign one).
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import exists, select

from app import dates
from app.auth.models import User
from app.extensions import db
from app.referrals.models import (
    ASKED,
    FROM_LINKEDIN,
    FROM_SHARE,
    PROACTIVE,
    VIA_LINKEDIN,
    VIA_SHARE,
    Ask,
    Referee,
)

# How long after a "yes" an introduction of that customer still counts as the one they promised.
ASK_LINK_DAYS = 60


def open_yes_ask_statement(customer_id: int, today: date):
    """The customer's latest ask answered "yes" in the last ASK_LINK_DAYS days with no referral
    linked to it yet (a select of its id)."""
    linked = exists().where(Referee.ask_id == Ask.id)
    return (
        select(Ask.id)
        .where(Ask.customer_id == customer_id, Ask.outcome == "yes",
               Ask.asked_on >= today - timedelta(days=ASK_LINK_DAYS), ~linked)
        .order_by(Ask.asked_on.desc(), Ask.id.desc()).limit(1)
    )


def origin_of(referrer: User, source: str, today: date | None = None) -> tuple[str, int | None]:
    """The origin (and the ask, if any) of a new referral from `referrer` through `source`."""
    if source == FROM_SHARE:
        return VIA_SHARE, None
    if source == FROM_LINKEDIN:
        return VIA_LINKEDIN, None
    ask_id = db.session.scalar(open_yes_ask_statement(referrer.id, today or dates.today()))
    return (ASKED, ask_id) if ask_id is not None else (PROACTIVE, None)


def default_owner(referrer: User) -> User | None:
    """The account manager of the referrer's company, if an active user."""
    company = referrer.company
    manager = company.account_manager if company is not None else None
    return manager if manager is not None and manager.is_active else None
