"""Referrals sales enter for a customer (one the customer gave them by phone, in a meeting, after an
ask), the asks such a referral can follow, the referrals linked to asks, and the owner of a referral.

The guards are the customer introduction's own (app.referrals.intake): self-referral, an objection,
a person we know already, the flags for review. Sales entering one does not use up the customer's
daily quota. Flush only; the route commits once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, update
from sqlalchemy.orm import joinedload

from app import dates
from app.auth.models import User
from app.extensions import db
from app.referrals.intake import Introduction, ReferralRefused, add_referee, check_introduction
from app.referrals.models import ASKED, FROM_REFERRAL, OPPORTUNITY, PROACTIVE, RECEIVED, WON, Ask, Referee
from app.referrals.origin import ASK_LINK_DAYS

ENTERED_ORIGINS = (RECEIVED, ASKED, PROACTIVE)
ENTERED_ROUTE = "sales"  # Referee.route of a referral sales entered: no message approved by the referrer
ASKS_SHOWN = 20  # the customer's "yes" asks offered on the form, newest first

# The refusals worded for sales: the customer's own words speak to the customer ("your own …").
STAFF_WORDING = {
    "own_email": _l("That is the customer's own e-mail address: a referral is someone else."),
    "own_domain": _l("That address is at the customer's own organisation. Referrals are people at other companies."),
    "own_company": _l("That is the customer's own company. Referrals are people at other companies."),
    "self": _l("That is the customer themselves: a referral is someone else."),
    "duplicate": _l("This person was introduced to us before: they are in the pipeline already."),
}


@dataclass(frozen=True)
class AskChoice:
    id: int
    label: str


def yes_asks(customer_id: int) -> list[AskChoice]:
    """The customer's asks answered "yes" in the last year, newest first, for the form's choice."""
    rows = db.session.execute(
        select(Ask.id, Ask.asked_on, User.name).outerjoin(User, User.id == Ask.asked_by_id)
        .where(Ask.customer_id == customer_id, Ask.outcome == "yes", Ask.asked_on >= dates.today() - timedelta(days=365))
        .order_by(Ask.asked_on.desc(), Ask.id.desc()).limit(ASKS_SHOWN)
    )
    return [AskChoice(row.id, f"{format_date(row.asked_on)}{' · ' + row.name if row.name else ''}") for row in rows]


def refusal_for_staff(exc: ReferralRefused):
    return STAFF_WORDING.get(exc.code, exc.message)


def enter_referral(by: User, referrer: User, intro: Introduction, *, origin: str, ask_id: int | None = None) -> Referee:
    """Store a referral `referrer` gave sales, or raise ReferralRefused (its `message` worded for
    the customer, `refusal_for_staff` for sales). The ask must be the referrer's and needs origin
    "asked"; the owner is the referrer's account manager; the history shows who entered it."""
    if origin not in ENTERED_ORIGINS:
        raise ValueError(origin)
    if ask_id is not None:
        if origin != ASKED or db.session.scalar(
                select(Ask.id).where(Ask.id == ask_id, Ask.customer_id == referrer.id)) is None:
            raise ValueError(ask_id)
    intro.route = ENTERED_ROUTE
    intro.message = ""
    check_introduction(referrer, intro, source=FROM_REFERRAL, count_quota=False)
    return add_referee(referrer, intro, source=FROM_REFERRAL, checked=True, origin=origin, ask_id=ask_id, entered_by=by)


def reassign(referee: Referee, owner: User) -> bool:
    """Give the referral to `owner` (the caller checks they may hold it); False when they had it."""
    result = db.session.execute(
        update(Referee).where(Referee.id == referee.id, Referee.owner_id.is_distinct_from(owner.id))
        .values(owner_id=owner.id).execution_options(synchronize_session=False)
    )
    db.session.refresh(referee)
    return result.rowcount == 1


def set_values(referee: Referee, *, expected_value_cents: int | None, deal_value_cents: int | None) -> bool:
    """Set the expected value of an opportunity, or the values of a won referral (its deal value is
    required), with a conditional UPDATE on the stage: False when it moved in the meantime."""
    if referee.stage not in (OPPORTUNITY, WON) or (referee.stage == WON) != (deal_value_cents is not None):
        raise ValueError(referee.stage)
    if any(v is not None and v <= 0 for v in (expected_value_cents, deal_value_cents)):
        raise ValueError("not above zero")
    values = {"expected_value_cents": expected_value_cents}
    if referee.stage == WON:
        values["deal_value_cents"] = deal_value_cents
    result = db.session.execute(
        update(Referee).where(Referee.id == referee.id, Referee.stage == referee.stage)
        .values(**values).execution_options(synchronize_session=False)
    )
    db.session.refresh(referee)
    return result.rowcount == 1


def linked_referrals(ask_ids: list[int]) -> dict[int, list[Referee]]:
    """The referrals linked to each of these asks: one query."""
    if not ask_ids:
        return {}
    linked: dict[int, list[Referee]] = {}
    for referee in db.session.scalars(select(Referee).where(Referee.ask_id.in_(ask_ids)).order_by(Referee.id)):
        linked.setdefault(referee.ask_id, []).append(referee)
    return linked


def open_yes_asks_statement(viewer: User, today: date):
    """The viewer's asks answered "yes" in the last ASK_LINK_DAYS days with no referral linked yet:
    the introductions promised and not recorded (the follow-ups page)."""
    return (
        select(Ask).options(joinedload(Ask.customer).joinedload(User.company))
        .where(Ask.asked_by_id == viewer.id, Ask.outcome == "yes",
               Ask.asked_on >= today - timedelta(days=ASK_LINK_DAYS), ~exists().where(Referee.ask_id == Ask.id))
        .order_by(Ask.asked_on.desc(), Ask.id.desc()).limit(50)
    )
