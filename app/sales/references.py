"""Reference offers: the customers who volunteered to talk to prospects, their terms, and logging a
reference call under their own quarterly limit and the cross-team ask cap. Flush only; the route commits.

A reference call is an ask of that customer: it takes the ask cap's slot (ask_services.take_ask_slot)
and so waits for the cap like any ask. Its own limit is the database's job: the n-th call of a
quarter has seq n, and UNIQUE(customer, quarter, seq) with seq <= calls_limit refuses one too many.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import Select, func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from app import dates
from app.auth.models import ADMIN, CUSTOMER, MARKETER, Company, User
from app.challenges.registry import ReferenceTerms, data_of, get_type, keys_where
from app.dates import utcnow
from app.extensions import db
from app.journey.models import REJECTED, Challenge, Submission
from app.referrals.models import AskStatus, ReferenceCall
from app.sales import ask_services as asks
from app.sales.scope import in_scope

# Why a reference call is refused besides the ask cap (asks.AskRefused): the quarter is full, or the
# offer no longer holds a limit we can read.
LIMIT_REACHED, NO_TERMS = "limit_reached", "no_terms"
PROSPECT_MAX, NOTE_MAX = 200, 2000
LOG_BACK_DAYS = 92  # about a quarter: a call may be logged for a day of the last three months
LATEST_CALLS = 10  # calls shown with an offer


class ReferenceRefused(Exception):
    def __init__(self, reason: str, *, limit: int | None = None, quarter: str | None = None):
        super().__init__(reason)
        self.reason, self.limit, self.quarter = reason, limit, quarter


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def current_quarter() -> str:
    return quarter_of(dates.today())


def quarter_label(quarter: str) -> str:
    """"2026-Q4" in words: "Q4 2026" ("K4 2026" in Dutch)."""
    year, _sep, number = quarter.partition("-Q")
    return gettext("Q%(number)s %(year)s", number=number, year=year)


@dataclass
class Offer:
    """One customer's standing offer: the answer it came from, its terms, and this quarter's calls."""

    submission: Submission
    terms: ReferenceTerms | None
    calls_this_quarter: int
    last_asked_at: datetime | None = None

    @property
    def customer(self) -> User:
        return self.submission.user

    @property
    def calls_left(self) -> int:
        return max(0, self.terms.calls_per_quarter - self.calls_this_quarter) if self.terms else 0


def terms_of(submission: Submission) -> ReferenceTerms | None:
    return get_type(submission.challenge.type_key).reference_terms(data_of(submission))


def _visible(viewer: User):
    """Marketing and admins see every customer; sales their own accounts and their team's."""
    return true() if viewer.role in (MARKETER, ADMIN) else in_scope(User.company_id, viewer)


def standing_offer_ids():
    """A select of each customer's latest offer to be a reference that still stands: answered, not
    rejected, consent not withdrawn."""
    return (select(func.max(Submission.id))
            .join(Challenge, Challenge.id == Submission.challenge_id)
            .where(Challenge.type_key.in_(keys_where("offers_reference")), Submission.status != REJECTED,
                   Submission.consent_withdrawn_at.is_(None))
            .group_by(Submission.user_id))


def _calls_in(quarter: str):
    return (select(func.count(ReferenceCall.id))
            .where(ReferenceCall.customer_id == Submission.user_id, ReferenceCall.quarter == quarter)
            .correlate(Submission).scalar_subquery())


def offers_query(viewer: User, quarter: str) -> Select:
    """The standing offers of the customers `viewer` may see, by name: rows of (Submission, calls in
    `quarter`, last asked at), customer, company and challenge loaded. Fit for `paginate`."""
    return (
        select(Submission, _calls_in(quarter).label("calls"), AskStatus.last_asked_at)
        .join(Submission.user).join(User.company).join(Submission.challenge)
        .outerjoin(AskStatus, AskStatus.customer_id == Submission.user_id)
        .options(contains_eager(Submission.user).contains_eager(User.company).joinedload(Company.account_manager),
                 contains_eager(Submission.challenge))
        .where(Submission.id.in_(standing_offer_ids()), User.role == CUSTOMER, User.is_active.is_(True),
               _visible(viewer))
        .order_by(User.name, User.id)
    )


def as_offers(rows) -> list[Offer]:
    return [Offer(submission=s, terms=terms_of(s), calls_this_quarter=calls, last_asked_at=last)
            for s, calls, last in rows]


def offer_of(viewer: User, customer_id: int, quarter: str | None = None) -> Offer | None:
    """One customer's standing offer if `viewer` may see the customer, else None (the route's 404)."""
    row = db.session.execute(
        offers_query(viewer, quarter or current_quarter()).where(Submission.user_id == customer_id)
    ).first()
    return as_offers([row])[0] if row else None


def latest_offer(customer_id: int, quarter: str | None = None) -> Offer | None:
    """The customer's latest offer, standing or withdrawn (the participant page shows its consent)."""
    row = db.session.execute(
        select(Submission, _calls_in(quarter or current_quarter()), AskStatus.last_asked_at)
        .join(Submission.challenge).outerjoin(AskStatus, AskStatus.customer_id == Submission.user_id)
        .options(contains_eager(Submission.challenge))
        .where(Submission.user_id == customer_id, Challenge.type_key.in_(keys_where("offers_reference")),
               Submission.status != REJECTED)
        .order_by(Submission.id.desc()).limit(1)
    ).first()
    return as_offers([row])[0] if row else None


def calls_of(customer_id: int, limit: int = LATEST_CALLS) -> list[ReferenceCall]:
    """The customer's latest reference calls, newest first, with who logged them."""
    return list(db.session.scalars(
        select(ReferenceCall).options(joinedload(ReferenceCall.logged_by))
        .where(ReferenceCall.customer_id == customer_id)
        .order_by(ReferenceCall.called_on.desc(), ReferenceCall.id.desc()).limit(limit)
    ))


def _count(customer_id: int, quarter: str) -> int:
    return db.session.scalar(select(func.count(ReferenceCall.id)).where(
        ReferenceCall.customer_id == customer_id, ReferenceCall.quarter == quarter)) or 0


def log_reference_call(offer: Offer, by: User, *, called_on: date, prospect: str, note: str, cap_days: int,
                       now: datetime | None = None) -> ReferenceCall:
    """Log a reference call under the customer's offer, in the caller's transaction.

    Refused with ReferenceRefused(LIMIT_REACHED) once the quarter of `called_on` holds as many calls
    as they offered, and with asks.AskRefused when the customer may not be asked now (paused, or
    asked within the cap by anyone). Two calls logged at once for the last place: one gets it.
    """
    now = now or utcnow()
    customer, terms = offer.customer, offer.terms
    if terms is None:
        raise ReferenceRefused(NO_TERMS)
    quarter, limit = quarter_of(called_on), terms.calls_per_quarter
    taken = _count(customer.id, quarter)
    if taken >= limit:
        raise ReferenceRefused(LIMIT_REACHED, limit=limit, quarter=quarter)
    asks.take_ask_slot(customer, called_on, cap_days, now)
    for _attempt in range(2):
        if taken >= limit:
            break
        call = ReferenceCall(customer_id=customer.id, submission_id=offer.submission.id, quarter=quarter,
                             seq=taken + 1, calls_limit=limit, called_on=called_on, prospect=prospect[:PROSPECT_MAX],
                             note=note[:NOTE_MAX], logged_by_id=by.id, created_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(call)
        except IntegrityError:  # another call took this place a moment ago: count again
            taken = _count(customer.id, quarter)
            continue
        return call
    raise ReferenceRefused(LIMIT_REACHED, limit=limit, quarter=quarter)
