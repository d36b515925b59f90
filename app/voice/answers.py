"""Reading the answers customers gave, per challenge, in the viewer's scope.

Every list is one statement per page whatever the number of answers: the customer, their company and
its account manager come in the same query, the customer's current level as a correlated subquery
(their highest unlocked level; level 1 when none is recorded). Which keys of an answer hold the
customer's words (for the search) and how an answer reads comes from its challenge type.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import aliased, contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.models import ADMIN, CUSTOMER, MARKETER, SALES, Company, User
from app.challenges import get_type
from app.challenges.registry import ChallengeType, StaffAnswer
from app.extensions import db
from app.journey.models import APPROVED, PENDING, REJECTED, Challenge, Level, LevelUnlock, Submission
from app.sales.scope import Scope, in_scope, scope_of

MAX_ID = 2**31 - 1  # the largest INTEGER primary key
# An answer's status as staff read it (the participant page uses the same words).
STATUS_LABELS = {APPROVED: _l("Approved"), PENDING: _l("Waiting for review"), REJECTED: _l("Not accepted")}


@dataclass(frozen=True)
class AnswerFilters:
    """What the answers list is narrowed to; None is "any"."""

    date_from: date | None = None  # answered on or after this day (the programme's time zone)
    date_to: date | None = None  # answered on or before this day
    company_id: int | None = None
    manager_id: int | None = None  # the company's account manager
    level: int | None = None  # the customer's current level (position)
    q: str | None = None  # words in the answer

    def __bool__(self) -> bool:
        return any(value not in (None, "") for value in self.__dict__.values())


def current_level():
    """The customer's current level position: their highest unlocked level, 1 when none is recorded."""
    highest = (
        select(func.max(Level.position))
        .join(LevelUnlock, LevelUnlock.level_id == Level.id)
        .where(LevelUnlock.user_id == Submission.user_id)
        .correlate(Submission)
        .scalar_subquery()
    )
    return func.coalesce(highest, 1)


def _utc_start(day: date) -> datetime:
    """The first moment of a local day, as the naive UTC the timestamps are stored in."""
    local = datetime.combine(day, time.min, tzinfo=get_timezone())
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def _type_of(challenge: Challenge) -> ChallengeType | None:
    try:
        return get_type(challenge.type_key)
    except LookupError:
        return None


def searchable(challenge: Challenge) -> bool:
    """Whether the answers of this challenge hold words to search in."""
    ctype = _type_of(challenge)
    return bool(ctype and ctype.answer_search_keys)


def filtered(statement: Select, challenge: Challenge, filters: AnswerFilters, level=None) -> Select:
    """`statement` (over Submission joined to User and Company) narrowed to `filters`."""
    if filters.date_from:
        statement = statement.where(Submission.created_at >= _utc_start(filters.date_from))
    if filters.date_to:
        statement = statement.where(Submission.created_at < _utc_start(filters.date_to + timedelta(days=1)))
    if filters.company_id is not None:
        statement = statement.where(User.company_id == filters.company_id)
    if filters.manager_id is not None:
        statement = statement.where(Company.account_manager_id == filters.manager_id)
    if filters.level is not None:
        statement = statement.where((level if level is not None else current_level()) == filters.level)
    ctype = _type_of(challenge)
    if filters.q and ctype and ctype.answer_search_keys:
        columns = [Submission.data[key].as_string() for key in ctype.answer_search_keys]
        statement = statement.where(or_(*(column.icontains(filters.q, autoescape=True) for column in columns)))
    elif filters.q:
        statement = statement.where(False)  # nothing to search in: nothing matches
    return statement


def reader_scope(viewer: User | Scope) -> Scope:
    """Whose answers the viewer reads: marketing and admins every customer's, sales their own accounts'
    and their team's (one small lookup, done once per page)."""
    if isinstance(viewer, Scope):
        return viewer
    if viewer.role in (MARKETER, ADMIN):
        return Scope(viewer.id, None, every_account=True)
    return scope_of(viewer)


def in_viewers_scope(statement: Select, viewer: User | Scope) -> Select:
    """Answers of customers whose company the viewer works on (every customer's for marketing)."""
    return statement.where(User.role == CUSTOMER, in_scope(User.company_id, reader_scope(viewer)))


# --- the index ------------------------------------------------------------------------------------

@dataclass
class ChallengeAnswers:
    challenge: Challenge
    level_position: int
    answers: int  # in the viewer's scope


def challenges_with_answers(viewer: User | Scope) -> Select:
    """Every challenge that has answers, in journey order, with the number of answers the viewer may read."""
    scope = reader_scope(viewer)
    counted = func.count(case((and_(User.role == CUSTOMER, in_scope(User.company_id, scope)), Submission.id)))
    return (
        select(Challenge, Level.position, counted.label("answers"))
        .join(Challenge.level)
        .join(Submission, Submission.challenge_id == Challenge.id)
        .join(User, User.id == Submission.user_id)
        .options(contains_eager(Challenge.level))
        .group_by(Challenge.id, Level.id)
        .order_by(Level.position, Challenge.position, Challenge.id)
    )


def challenge_answers(row) -> ChallengeAnswers:
    challenge, position, answers = row
    return ChallengeAnswers(challenge, int(position), int(answers or 0))


def challenge(challenge_id) -> Challenge | None:
    """The challenge with this id (as typed in a URL), with its level, or None."""
    try:
        number = int(challenge_id)
    except (TypeError, ValueError):
        return None
    if not 0 < number <= MAX_ID:
        return None
    return db.session.scalar(
        select(Challenge).join(Challenge.level).options(contains_eager(Challenge.level)).where(Challenge.id == number)
    )


# --- one challenge's answers ----------------------------------------------------------------------

Manager = aliased(User, name="manager")


@dataclass
class Answer:
    submission: Submission
    level: int
    manager: User | None
    answer: StaffAnswer
    text: str  # the answer in one line (the export)

    @property
    def customer(self) -> User:
        return self.submission.user


def answers_query(challenge: Challenge, viewer: User | Scope, filters: AnswerFilters) -> Select:
    """The challenge's answers in the viewer's scope that match `filters`, newest first, with the
    customer, company, account manager and current level in the same row."""
    level = current_level()
    statement = (
        select(Submission, level.label("level"), Manager)
        .join(Submission.user)
        .outerjoin(User.company)
        .outerjoin(Manager, Manager.id == Company.account_manager_id)
        .options(contains_eager(Submission.user).contains_eager(User.company))
        .where(Submission.challenge_id == challenge.id)
    )
    statement = filtered(in_viewers_scope(statement, viewer), challenge, filters, level)
    return statement.order_by(Submission.created_at.desc(), Submission.id.desc())


def answer(row, challenge: Challenge) -> Answer:
    """A row of `answers_query` as staff read it; a type that no longer exists shows nothing."""
    submission, level, manager = row
    set_committed_value(submission, "challenge", challenge)  # the same for every row: no query per row
    ctype = _type_of(challenge)
    if ctype is None:
        return Answer(submission, int(level or 1), manager, StaffAnswer(), "")
    return Answer(submission, int(level or 1), manager, ctype.staff_answer(submission), ctype.answer_text(submission))


# --- what the filters offer -----------------------------------------------------------------------

def companies(viewer: User | Scope) -> list[tuple[int, str]]:
    """(id, name) of the companies the viewer works on, by name."""
    scope = reader_scope(viewer)
    return db.session.execute(
        select(Company.id, Company.name).where(in_scope(Company.id, scope)).order_by(Company.name, Company.id)
    ).all()


def account_managers(viewer: User | Scope) -> list[tuple[int, str]]:
    """(id, name) of the account managers of the viewer's companies (for sales: themselves and their team)."""
    scope = reader_scope(viewer)
    statement = select(User.id, User.name).where(User.role == SALES)
    if scope.manager_ids is not None:
        statement = statement.where(User.id.in_(scope.manager_ids))
    return db.session.execute(statement.order_by(User.name, User.id)).all()


def levels() -> list[tuple[int, str, str]]:
    """(position, Dutch name, English name) of every level, in order."""
    return db.session.execute(select(Level.position, Level.name_nl, Level.name_en).order_by(Level.position)).all()
