"""One participant seen by staff: everything the portal holds about their journey, each list a fixed
number of statements (the ledger paginated, the other lists their latest rows), and the edit of their
name, company and language (audited with before/after)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager, selectinload

from app import dates
from app.audit.services import record
from app.auth.models import ADMIN, CUSTOMER, MARKETER, Company, User
from app.challenges.registry import data_of, get_type, keys_where
from app.extensions import db
from app.journey.models import PENDING, REJECTED, Challenge, Submission
from app.journey.state import JourneyState, journey_state
from app.mail import OutboxMessage
from app.nps.models import NpsResponse
from app.points.corrections import corrections_of
from app.points.models import PointsCorrection, PointsEntry
from app.referrals.models import Ask, Referee, ReferenceCall
from app.rewards.models import Redemption, UserBadge
from app.sales import references
from app.sales.scope import company_ids_of
from app.terms.models import TermsAcceptance
from app.terms.services import acceptances_of

LATEST = 25  # rows shown per list besides the ledger (the newest first)


def visible_customer(user_id: int, viewer: User) -> User | None:
    """The customer if `viewer` may see them: marketing and admins every customer, sales only the
    customers of their own accounts and their team's."""
    query = select(User).where(User.id == user_id, User.role == CUSTOMER).options(selectinload(User.company))
    if viewer.role not in (MARKETER, ADMIN):
        ids = company_ids_of(viewer)
        if ids is not None:
            query = query.where(User.company_id.in_(ids))
    return db.session.scalar(query)


def answers(user_id: int) -> Select:
    """Every answer of the customer, newest first, challenge loaded (for paginate)."""
    return (select(Submission).join(Submission.challenge).where(Submission.user_id == user_id)
            .options(contains_eager(Submission.challenge))
            .order_by(Submission.created_at.desc(), Submission.id.desc()))


# Where a contribution that marketing may publish stands (PUBLISHED until a date, or for good).
WAITING, PUBLISHED, NOT_PUBLISHED, EXPIRED, WITHDRAWN = "waiting", "published", "not_published", "expired", "withdrawn"


def publication_state(submission: Submission) -> tuple[str, date | None] | None:
    """For the answers of types that publish (a quote, a story): whether it may be used now, and
    until when; None for the other types."""
    ctype = get_type(submission.challenge.type_key)
    if not ctype.publishes:
        return None
    if submission.consent_withdrawn_at is not None:
        return WITHDRAWN, submission.consent_withdrawn_at.date()
    if submission.status == PENDING:
        return WAITING, None
    if submission.status == REJECTED:
        return NOT_PUBLISHED, None
    until = ctype.library_until(data_of(submission))
    if until is not None and until < dates.today():
        return EXPIRED, until
    return PUBLISHED, until


def _contact(uid: int) -> Submission | None:
    """The latest answer that says how the customer wants to be reached (a type with `contact_details`)."""
    return db.session.scalar(
        select(Submission).join(Submission.challenge).options(contains_eager(Submission.challenge))
        .where(Submission.user_id == uid, Challenge.type_key.in_(keys_where("contact_details")),
               Submission.status != REJECTED)
        .order_by(Submission.created_at.desc(), Submission.id.desc()).limit(1)
    )


def ledger(user_id: int) -> Select:
    """The customer's ledger, newest first (for paginate)."""
    return (select(PointsEntry).where(PointsEntry.user_id == user_id)
            .order_by(PointsEntry.created_at.desc(), PointsEntry.id.desc()))


@dataclass
class Overview:
    user: User
    state: JourneyState
    badges: list[UserBadge] = field(default_factory=list)
    redemptions: list[Redemption] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)  # contributions: answers of `contribution` types
    nps: list[NpsResponse] = field(default_factory=list)
    referrals: list[Referee] = field(default_factory=list)
    asks: list[Ask] = field(default_factory=list)
    mails: list[OutboxMessage] = field(default_factory=list)
    acceptances: list[TermsAcceptance] = field(default_factory=list)
    corrections: list[PointsCorrection] = field(default_factory=list)
    authors: dict[int, User] = field(default_factory=dict)
    # In their own words: how they want to be reached (the latest profile answer), their reference offer.
    contact: Submission | None = None
    contact_facts: list[tuple[str, str]] = field(default_factory=list)
    offer: references.Offer | None = None
    reference_calls: list[ReferenceCall] = field(default_factory=list)
    publication: dict[int, tuple[str, date | None]] = field(default_factory=dict)  # submission id -> state

    @property
    def level(self):
        current = self.state.current
        return current.level if current else None


def _latest(query: Select) -> list:
    return list(db.session.scalars(query.limit(LATEST)))


def overview(user: User) -> Overview:
    """Everything on the participant page but the ledger page. A fixed number of statements."""
    uid = user.id
    view = Overview(user=user, state=journey_state(user))
    view.badges = _latest(select(UserBadge).where(UserBadge.user_id == uid).options(selectinload(UserBadge.badge))
                          .order_by(UserBadge.awarded_at.desc(), UserBadge.id.desc()))
    view.redemptions = _latest(select(Redemption).where(Redemption.user_id == uid)
                               .options(selectinload(Redemption.reward))
                               .order_by(Redemption.created_at.desc(), Redemption.id.desc()))
    view.submissions = _latest(select(Submission).join(Submission.challenge)
                               .where(Submission.user_id == uid, Challenge.type_key.in_(keys_where("contribution")))
                               .options(contains_eager(Submission.challenge))
                               .order_by(Submission.created_at.desc(), Submission.id.desc()))
    view.nps = _latest(select(NpsResponse).where(NpsResponse.user_id == uid)
                       .order_by(NpsResponse.created_at.desc(), NpsResponse.id.desc()))
    view.referrals = _latest(select(Referee).where(Referee.referrer_id == uid)
                             .order_by(Referee.created_at.desc(), Referee.id.desc()))
    view.asks = _latest(select(Ask).where(Ask.customer_id == uid).options(selectinload(Ask.asked_by))
                        .order_by(Ask.asked_on.desc(), Ask.id.desc()))
    view.mails = _latest(select(OutboxMessage).where(OutboxMessage.to_address == user.email)
                         .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()))
    view.acceptances = acceptances_of(uid, LATEST)
    view.corrections = corrections_of(uid, LATEST)
    for submission in view.submissions:
        try:
            state = publication_state(submission)
        except LookupError:  # a type no longer registered
            state = None
        if state is not None:
            view.publication[submission.id] = state
    view.contact = _contact(uid)
    if view.contact is not None:
        try:
            view.contact_facts = get_type(view.contact.challenge.type_key).contact_facts(view.contact)
        except (AttributeError, LookupError, TypeError, ValueError):
            view.contact_facts = []  # old or odd data must never break the page
    view.offer = references.latest_offer(uid)
    view.reference_calls = references.calls_of(uid) if view.offer is not None else []
    author_ids = {c.author_id for c in view.corrections if c.author_id}
    if author_ids:
        view.authors = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(author_ids)))}
    return view


def update_participant(actor: User, user: User, name: str, company: Company, locale: str) -> dict:
    """Change a customer's name, company and language; audited with what changed (before/after).
    Returns the changed fields (empty: nothing to do, nothing recorded)."""
    before = {"name": user.name, "company": user.company.name if user.company else None, "locale": user.locale}
    after = {"name": name, "company": company.name, "locale": locale}
    changed = [key for key in before if before[key] != after[key]]
    if not changed:
        return {}
    user.name, user.company, user.locale = name, company, locale
    db.session.flush()
    record(actor, "participant.update", user, user.email, customer_id=user.id,
           before={key: before[key] for key in changed}, after={key: after[key] for key in changed})
    return {key: after[key] for key in changed}
