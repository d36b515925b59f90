"""Ready for the ask: which customers sales may ask for a referral now, claiming one, logging an
ask and the follow-ups it leaves. Flush only; the route commits.

The cross-team cap lives in `AskStatus.last_asked_at` and is moved by a conditional UPDATE, so two
people logging an ask for the same customer at the same moment give one ask, not two. A claim is
taken the same way. A reference call (app.sales.references) is an ask too and takes the same slot.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, case, func, literal, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app import dates
from app.auth.models import CUSTOMER, User
from app.dates import utcnow
from app.extensions import db
from app.journey.models import APPROVED, Challenge, Level, LevelUnlock, Submission
from app.nps.models import DETRACTOR, DISSATISFIED, FollowUp, NpsResponse
from app.nps.services import latest_response
from app.referrals.models import Ask, AskStatus, ReferenceCall
from app.sales.queue import ASK_LEVEL, CLAIM_DAYS  # noqa: F401 (the demo data reads ASK_LEVEL here)
from app.sales.scope import in_scope

# How many of a customer's approved contributions the ask page shows.
RECENT_CONTRIBUTIONS = 5
# How far back an ask may be logged, and how far ahead its follow-up may be planned.
LOG_BACK_DAYS = 365
FOLLOW_UP_AHEAD_DAYS = 730

# Why an ask or a claim is refused.
PAUSED, RECENTLY_ASKED, CLAIMED = "paused", "recently_asked", "claimed"


class AskRefused(Exception):
    """The ask or claim may not happen now; `reason` says why, the other fields give the facts."""

    def __init__(self, reason: str, *, when: datetime | None = None, by: str | None = None,
                 until: datetime | None = None):
        super().__init__(reason)
        self.reason, self.when, self.by, self.until = reason, when, by, until


# ---- Who is in scope and who is ready -------------------------------------------------------------

def customer_in_scope(viewer: User, customer_id: int) -> User | None:
    """An active customer of one of the viewer's accounts, or None (the route answers 404)."""
    return db.session.scalar(
        select(User).options(joinedload(User.company))
        .where(User.id == customer_id, User.role == CUSTOMER, User.is_active.is_(True),
               in_scope(User.company_id, viewer))
    )


# ---- What stands in the way of an ask --------------------------------------------------------------

def pause_reason(customer: User) -> str | None:
    """PAUSED when this customer must not be asked for advocacy now (a detractor, or an open
    detractor follow-up), else None."""
    latest = latest_response(customer.id)
    if latest is not None and (latest.category == DETRACTOR or latest.satisfaction == DISSATISFIED):
        return PAUSED
    still_open = db.session.scalar(
        select(FollowUp.id).join(NpsResponse, NpsResponse.id == FollowUp.response_id)
        .where(NpsResponse.user_id == customer.id, FollowUp.unhappy_open())
        .limit(1)
    )
    return PAUSED if still_open is not None else None


def last_ask(customer_id: int) -> tuple[datetime | None, str | None]:
    """When this customer was last asked (the cap's clock) and by whom (the latest logged ask or
    reference call)."""
    when = db.session.scalar(select(AskStatus.last_asked_at).where(AskStatus.customer_id == customer_id))
    if when is None:
        return None, None
    asks = (select(Ask.asked_on.label("day"), Ask.id.label("row"), Ask.asked_by_id.label("by_id"), literal(0).label("kind"))
            .where(Ask.customer_id == customer_id))
    calls = (select(ReferenceCall.called_on, ReferenceCall.id, ReferenceCall.logged_by_id, literal(1))
             .where(ReferenceCall.customer_id == customer_id))
    latest = union_all(asks, calls).subquery()
    by = db.session.scalar(
        select(User.name).join(latest, latest.c.by_id == User.id)
        .order_by(latest.c.day.desc(), latest.c.kind.desc(), latest.c.row.desc()).limit(1)
    )
    return when, by


def _recently_asked(customer_id: int, cap_days: int) -> AskRefused:
    when, by = last_ask(customer_id)
    return AskRefused(RECENTLY_ASKED, when=when, by=by,
                      until=when + timedelta(days=cap_days) if when is not None else None)


def _guarded_update(customer_id: int, condition, values: dict) -> bool:
    """UPDATE the customer's ask status only where `condition` holds; True when a row changed."""
    result = db.session.execute(
        update(AskStatus).where(AskStatus.customer_id == customer_id, condition).values(**values),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount == 1


def _insert_status(customer_id: int, values: dict) -> bool:
    """Make the customer's ask status row; False when it exists already (perhaps made a moment ago
    by someone else: the primary key decides)."""
    if db.session.scalar(select(AskStatus.customer_id).where(AskStatus.customer_id == customer_id)) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(AskStatus(customer_id=customer_id, **values))
    except IntegrityError:
        return False
    return True


def _take(customer_id: int, condition, values: dict) -> bool:
    """The conditional UPDATE, else the INSERT of a first row, else the UPDATE once more (the row
    another transaction just made, now visible)."""
    return (_guarded_update(customer_id, condition, values)
            or _insert_status(customer_id, values)
            or _guarded_update(customer_id, condition, values))


# ---- Claiming ---------------------------------------------------------------------------------------

def claim(customer: User, by: User, cap_days: int, now: datetime | None = None) -> None:
    """Claim a customer for the ask. One winner when several claim at once; a claim older than
    CLAIM_DAYS may be taken over, and your own claim is simply renewed."""
    now = now or utcnow()
    if pause_reason(customer):
        raise AskRefused(PAUSED)
    cutoff = now - timedelta(days=cap_days)
    last = db.session.scalar(select(AskStatus.last_asked_at).where(AskStatus.customer_id == customer.id))
    if last is not None and last >= cutoff:
        raise _recently_asked(customer.id, cap_days)
    free = or_(AskStatus.claimed_by_id.is_(None), AskStatus.claimed_by_id == by.id,
               AskStatus.claimed_at.is_(None), AskStatus.claimed_at < now - timedelta(days=CLAIM_DAYS))
    if _take(customer.id, free, {"claimed_by_id": by.id, "claimed_at": now}):
        return
    holder = db.session.execute(
        select(User.name, AskStatus.claimed_at).join(User, User.id == AskStatus.claimed_by_id)
        .where(AskStatus.customer_id == customer.id)
    ).first()
    raise AskRefused(CLAIMED, by=holder.name if holder else None, when=holder.claimed_at if holder else None)


# ---- Logging an ask ---------------------------------------------------------------------------------

def take_ask_slot(customer: User, asked_on: date, cap_days: int, now: datetime | None = None) -> None:
    """Count an ask of this customer (a referral ask, a reference call) against the cross-team cap
    and move the cap's clock, in the caller's transaction.

    Refused (AskRefused) for a paused customer and for one asked within the cap by anyone: the
    clock only moves where `last_asked_at IS NULL OR last_asked_at < now - cap`. An ask for an
    earlier day counts from that day; the clock never moves back. It ends any claim.
    """
    now = now or utcnow()
    if pause_reason(customer):
        raise AskRefused(PAUSED)
    asked_at = now - timedelta(days=max(0, (dates.today() - asked_on).days))
    cutoff = now - timedelta(days=cap_days)
    due = or_(AskStatus.last_asked_at.is_(None), AskStatus.last_asked_at < cutoff)
    values = {
        "last_asked_at": case(
            (or_(AskStatus.last_asked_at.is_(None), AskStatus.last_asked_at < asked_at), asked_at),
            else_=AskStatus.last_asked_at,
        ),
        "claimed_by_id": None, "claimed_at": None,
    }
    if not (_guarded_update(customer.id, due, values)
            or _insert_status(customer.id, {"last_asked_at": asked_at})
            or _guarded_update(customer.id, due, values)):
        raise _recently_asked(customer.id, cap_days)


def log_ask(customer: User, by: User, *, asked_on: date, channel: str, outcome: str, follow_up_on: date | None,
            note: str, cap_days: int, now: datetime | None = None) -> Ask:
    """Log an ask and move the cap's clock (take_ask_slot), in the caller's transaction. Refused
    (AskRefused) for a paused customer and for one asked within the cap by anyone."""
    now = now or utcnow()
    take_ask_slot(customer, asked_on, cap_days, now)
    ask = Ask(customer_id=customer.id, asked_by_id=by.id, asked_on=asked_on, channel=channel, outcome=outcome,
              follow_up_on=follow_up_on, note=note[:2000], created_at=now)
    db.session.add(ask)
    db.session.flush()
    return ask


# ---- What the ask page shows ------------------------------------------------------------------------

@dataclass
class AskFacts:
    level: Level | None
    contributions: list[Submission]
    latest_nps: NpsResponse | None
    last_asked_at: datetime | None
    last_asked_by: str | None


def ask_facts(customer: User) -> AskFacts:
    level = db.session.scalar(
        select(Level).join(LevelUnlock, LevelUnlock.level_id == Level.id)
        .where(LevelUnlock.user_id == customer.id).order_by(Level.position.desc()).limit(1)
    )
    contributions = list(db.session.scalars(
        select(Submission).options(joinedload(Submission.challenge))
        .join(Challenge, Challenge.id == Submission.challenge_id).join(Level, Level.id == Challenge.level_id)
        .where(Submission.user_id == customer.id, Submission.status == APPROVED, Level.position >= 2)
        .order_by(func.coalesce(Submission.reviewed_at, Submission.created_at).desc(), Submission.id.desc())
        .limit(RECENT_CONTRIBUTIONS)
    ))
    when, by = last_ask(customer.id)
    return AskFacts(level=level, contributions=contributions, latest_nps=latest_response(customer.id),
                    last_asked_at=when, last_asked_by=by)


# ---- Follow-ups of asks -----------------------------------------------------------------------------

def due_ask_follow_ups_query(viewer: User, today: date) -> Select:
    """A select of the asks the viewer logged whose follow-up is due (on or before `today`) and not
    done yet, soonest first; customer, company and asker loaded. Fit for `paginate(scalars=True)`."""
    return (
        select(Ask)
        .options(joinedload(Ask.customer).joinedload(User.company), joinedload(Ask.asked_by))
        .where(Ask.asked_by_id == viewer.id, Ask.follow_up_on.is_not(None), Ask.follow_up_on <= today,
               Ask.follow_up_done_at.is_(None))
        .order_by(Ask.follow_up_on, Ask.id)
    )


def due_ask_follow_ups(viewer: User, today: date) -> list[Ask]:
    """The viewer's asks with a follow-up due on or before `today` that is not done yet."""
    return list(db.session.scalars(due_ask_follow_ups_query(viewer, today)))


def mark_ask_follow_up_done(ask: Ask, by: User, now: datetime | None = None) -> bool:
    """Mark the follow-up of an ask done, once (a conditional UPDATE: a double click counts once).
    True when this call did it. `by` is not stored: the Ask table has no column for it."""
    now = now or utcnow()
    result = db.session.execute(
        update(Ask).where(Ask.id == ask.id, Ask.follow_up_done_at.is_(None)).values(follow_up_done_at=now),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount == 1:
        set_committed_value(ask, "follow_up_done_at", now)
        return True
    return False

