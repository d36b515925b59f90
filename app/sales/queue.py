"""The ask queue: the viewer's customers ready for the ask, most ready first, a page at a time.

The statement starts from the viewer's accounts (the active customers of their companies, from the
users (company_id, id) index) and groups each per-customer figure (highest level reached, approved
level-2 contributions, the latest NPS answer) over the people of those accounts only, through the
(user_id, …) indexes; when the viewer's team holds every company it groups over the whole book
without looking the scope up. The
ranking runs on narrow rows; only the page's customers are then joined to their full user row,
company and claimer. A `total` column (count(*) OVER ()) gives the number of ready customers, so
one statement serves a page and its count.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from sqlalchemy import Select, and_, any_, case, exists, func, or_, select, true
from sqlalchemy.orm import aliased

from app.auth.models import CUSTOMER, Company, User
from app.extensions import db
from app.journey.models import APPROVED, Challenge, Level, LevelUnlock, Submission
from app.nps.models import DETRACTOR, PROMOTER, FollowUp, NpsResponse
from app.pagination import Page
from app.referrals.models import AskStatus
from app.sales.scope import Scope, in_scope

# A claim keeps others off a customer for this long; after it anyone may take it over.
CLAIM_DAYS = 14
# The level whose people sales asks for a referral.
ASK_LEVEL = 3


@dataclass
class QueueRow:
    """One customer on the queue, with the facts their readiness is ordered by."""

    customer: User
    company_name: str | None
    level: int
    contributions: int
    nps_score: int | None
    nps_category: str | None
    last_asked_at: datetime | None
    claimed_by_id: int | None
    claimed_by_name: str | None
    claimed_at: datetime | None

    @property
    def claimed(self) -> bool:
        return self.claimed_by_name is not None

    def days_since_ask(self, now: datetime) -> int | None:
        return None if self.last_asked_at is None else max(0, (now - self.last_asked_at).days)


def _scoped_customers(viewer: User | Scope, customer_id: int | None = None) -> Select:
    """The ids and names of the active customers of the viewer's accounts (optionally one of them)."""
    statement = select(User.id.label("id"), User.name.label("name")).where(
        User.role == CUSTOMER, User.is_active.is_(True), in_scope(User.company_id, viewer))
    return statement if customer_id is None else statement.where(User.id == customer_id)


def _account_people(viewer: User | Scope, customer_id: int | None) -> Select:
    """The ids of everyone at the viewer's accounts, from the (company_id, id) index alone: the
    figures are looked up for these (the outer query keeps the active customers among them)."""
    statement = select(User.id).where(in_scope(User.company_id, viewer))
    return statement if customer_id is None else statement.where(User.id == customer_id)


def _figures(scoped_ids: Select | None):
    """Per scoped customer: highest level position, approved level-2 contributions, latest answer.
    `scoped_ids` None: per customer of every account, without a lookup of the scope."""

    def scoped(column):
        return true() if scoped_ids is None else column.in_(scoped_ids)

    reached = (
        select(LevelUnlock.user_id.label("user_id"), func.max(Level.position).label("level"))
        .where(scoped(LevelUnlock.user_id))
        .join(Level, Level.id == LevelUnlock.level_id)
        .group_by(LevelUnlock.user_id).subquery("reached")
    )
    level_two = select(Challenge.id).join(Level, Level.id == Challenge.level_id).where(Level.position == 2)
    if db.session.get_bind().dialect.name == "postgresql":
        # The level-2 challenges as one array, computed once: each customer's approved answers to them
        # are then a few seeks in (user_id, status, challenge_id), not a walk over all their answers
        # (the question of the day gives an engaged customer hundreds).
        of_level_two = Submission.challenge_id == any_(func.array(level_two.scalar_subquery()))
    else:
        of_level_two = Submission.challenge_id.in_(level_two)
    contributions = (
        select(Submission.user_id.label("user_id"), func.count().label("n"))
        .where(scoped(Submission.user_id), Submission.status == APPROVED, of_level_two)
        .group_by(Submission.user_id).subquery("contributions")
    )
    # The latest answer: first_value over the customer's answers, newest first, then one row per
    # customer. A GROUP BY, which the planner sizes by the number of customers (a `row_number() = 1`
    # filter it would guess at a handful of rows and plan the joins after it badly).
    newest_first = {"partition_by": NpsResponse.user_id,
                    "order_by": (NpsResponse.created_at.desc(), NpsResponse.id.desc())}
    answers = (
        select(
            NpsResponse.user_id.label("user_id"),
            func.first_value(NpsResponse.score).over(**newest_first).label("score"),
            func.first_value(NpsResponse.category).over(**newest_first).label("category"),
        )
        .where(scoped(NpsResponse.user_id)).subquery("answers")
    )
    latest = (
        select(answers.c.user_id, func.max(answers.c.score).label("score"),
               func.max(answers.c.category).label("category"))
        .group_by(answers.c.user_id).subquery("latest")
    )
    return reached, contributions, latest


def _open_detractor_follow_up(user_id):
    """EXISTS: this customer has a detractor-style answer (a detractor score or "dissatisfied") whose
    follow-up is not closed yet."""
    return exists(
        select(FollowUp.id).join(NpsResponse, NpsResponse.id == FollowUp.response_id)
        .where(NpsResponse.user_id == user_id, FollowUp.unhappy_open())
    )


def ranking_statement(viewer: User | Scope, now: datetime, cap_days: int, customer_id: int | None = None) -> Select:
    """Narrow rows (id, the figures, last ask, total), ready customers only, most ready first.

    Ready: reached level 3, or a promoter by their latest NPS answer with at least one approved
    level-2 contribution. Left out: a detractor by their
    latest answer, anyone with an open detractor follow-up (which covers `paused_customer_ids`),
    anyone asked within the cap. With `customer_id` the statement gives that one customer's row
    whether ready or not (a row to redraw after a claim).
    """
    scoped = _scoped_customers(viewer, customer_id).subquery("scoped")
    whole_book = customer_id is None and isinstance(viewer, Scope) and viewer.every_account
    reached, contributions, latest = _figures(None if whole_book else _account_people(viewer, customer_id))
    level, done = func.coalesce(reached.c.level, 0), func.coalesce(contributions.c.n, 0)
    statement = (
        select(
            scoped.c.id, level.label("level"), done.label("contributions"), latest.c.score.label("nps_score"),
            latest.c.category.label("nps_category"), AskStatus.last_asked_at.label("last_asked_at"),
            func.count().over().label("total"),
        )
        .outerjoin(reached, reached.c.user_id == scoped.c.id)
        .outerjoin(contributions, contributions.c.user_id == scoped.c.id)
        .outerjoin(latest, latest.c.user_id == scoped.c.id)
        .outerjoin(AskStatus, AskStatus.customer_id == scoped.c.id)
    )
    if customer_id is not None:
        return statement
    cutoff = now - timedelta(days=cap_days)
    return (
        statement
        .where(or_(level >= ASK_LEVEL, and_(latest.c.category == PROMOTER, done >= 1)))
        .where(or_(latest.c.category.is_(None), latest.c.category != DETRACTOR))
        .where(~_open_detractor_follow_up(scoped.c.id))
        .where(or_(AskStatus.last_asked_at.is_(None), AskStatus.last_asked_at < cutoff))
        .order_by(*_order(level, done, latest.c.score, AskStatus.last_asked_at, scoped.c.name, scoped.c.id))
    )


def _order(level, done, score, last_asked_at, name, user_id) -> tuple:
    return (
        level.desc(), done.desc(), func.coalesce(score, -1).desc(),
        case((last_asked_at.is_(None), 0), else_=1),  # never asked first
        last_asked_at.asc(),                          # then the longest ago
        name, user_id,
    )


def queue_statement(viewer: User | Scope, now: datetime, cap_days: int, customer_id: int | None = None,
                    limit: int | None = None, offset: int = 0) -> Select:
    """The queue's rows (user, company name, figures, claim, total) in order; `limit`/`offset` pick
    a page inside the ranking, before the page's rows are joined to users, companies and claimers."""
    ranking = ranking_statement(viewer, now, cap_days, customer_id)
    if limit is not None:
        ranking = ranking.limit(limit).offset(offset)
    ranked = ranking.subquery("ranked")
    claimer = aliased(User, name="claimer")
    claim_since = now - timedelta(days=CLAIM_DAYS)
    return (
        select(
            User, Company.name.label("company_name"), ranked.c.level, ranked.c.contributions, ranked.c.nps_score,
            ranked.c.nps_category, ranked.c.last_asked_at, claimer.id.label("claimed_by_id"),
            claimer.name.label("claimed_by_name"),
            case((claimer.id.is_not(None), AskStatus.claimed_at)).label("claimed_at"), ranked.c.total,
        )
        .join(ranked, ranked.c.id == User.id)
        .outerjoin(Company, Company.id == User.company_id)
        .outerjoin(AskStatus, AskStatus.customer_id == User.id)
        .outerjoin(claimer, and_(claimer.id == AskStatus.claimed_by_id, AskStatus.claimed_at >= claim_since))
        .order_by(*_order(ranked.c.level, ranked.c.contributions, ranked.c.nps_score, ranked.c.last_asked_at,
                          User.name, User.id))
    )


def queue_row(row) -> QueueRow:
    """A result row of `queue_statement` as a QueueRow."""
    return QueueRow(
        customer=row[0], company_name=row.company_name, level=int(row.level), contributions=int(row.contributions),
        nps_score=row.nps_score, nps_category=row.nps_category, last_asked_at=row.last_asked_at,
        claimed_by_id=row.claimed_by_id, claimed_by_name=row.claimed_by_name, claimed_at=row.claimed_at,
    )


def queue_page(viewer: User | Scope, now: datetime, cap_days: int, page: int, per_page: int) -> Page:
    """One page of the queue with the number of ready customers, from one statement (a second and
    third only when the page asked for lies past the end: a count, then the last page)."""
    rows = db.session.execute(queue_statement(viewer, now, cap_days, limit=per_page,
                                              offset=(page - 1) * per_page)).all()
    if not rows and page > 1:
        ranking = ranking_statement(viewer, now, cap_days).order_by(None).subquery()
        total = db.session.scalar(select(func.count()).select_from(ranking)) or 0
        page = max(1, ceil(total / per_page))
        rows = db.session.execute(queue_statement(viewer, now, cap_days, limit=per_page,
                                                  offset=(page - 1) * per_page)).all()
    total = int(rows[0].total) if rows else 0
    return Page(items=[queue_row(row) for row in rows], page=page, per_page=per_page, total=total)


def one_row(viewer: User | Scope, customer_id: int, now: datetime, cap_days: int) -> QueueRow | None:
    row = db.session.execute(queue_statement(viewer, now, cap_days, customer_id=customer_id)).first()
    return queue_row(row) if row is not None else None
