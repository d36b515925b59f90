"""Companies: the list, creating and renaming one, merging a duplicate into another, and handing
a company to another account manager (with its open work). Each change audited; flush only.

What belongs to a company: its contacts (users.company_id) and the NPS answers given for it
(nps_responses.company_id) are the only rows with a company key. Referrals, asks, claims and
follow-ups hang on a contact, so they move with the contacts.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, func, insert, or_, select, update
from sqlalchemy.orm import aliased, contains_eager

from app.audit.services import record
from app.auth.models import CUSTOMER, SALES, Company, User
from app.auth.services import AccountError
from app.extensions import db
from app.notifications.services import notify
from app.nps.models import CLOSED, Alert, FollowUp, NpsResponse
from app.referrals.models import Ask, AskStatus, Referee
from app.urls import external_url


class CompanyError(AccountError):
    """A company change that may not be made, with the reason."""


# --- Reading --------------------------------------------------------------------------------------

def _contacts():
    return (select(func.count(User.id)).where(User.company_id == Company.id, User.role == CUSTOMER)
            .correlate(Company).scalar_subquery())


def companies_query(q: str | None = None) -> Select:
    """Companies by name (the unique index on the name orders and pages them) with their account
    manager and number of contacts: one query per page."""
    manager = aliased(User)
    statement = (
        select(Company, _contacts().label("contacts"))
        .join(manager, Company.account_manager)
        .options(contains_eager(Company.account_manager.of_type(manager)))
    )
    if q:
        statement = statement.where(func.lower(Company.name).contains(q.lower(), autoescape=True))
    return statement.order_by(Company.name, Company.id)


def company_named(name: str, other_than: int | None = None) -> Company | None:
    """A company with this name, ignoring case and surrounding spaces."""
    statement = select(Company).where(func.lower(Company.name) == name.strip().lower())
    if other_than is not None:
        statement = statement.where(Company.id != other_than)
    return db.session.scalar(statement.order_by(Company.id).limit(1))


def company_choices(other_than: int) -> list[tuple[int, str]]:
    return db.session.execute(
        select(Company.id, Company.name).where(Company.id != other_than).order_by(Company.name)
    ).all()


@dataclass
class Belongings:
    """What hangs on a company: the counts a merge moves and a test checks before and after."""

    contacts: int = 0
    referrals: int = 0
    nps_answers: int = 0
    open_follow_ups: int = 0
    asks: int = 0


def _customer_ids(company_id: int):
    return select(User.id).where(User.company_id == company_id)


def belongings(company_id: int) -> Belongings:
    """The counts for one company, in one statement."""
    customers = _customer_ids(company_id)
    answers = or_(NpsResponse.company_id == company_id, NpsResponse.user_id.in_(customers))
    row = db.session.execute(select(
        select(func.count(User.id)).where(User.company_id == company_id).scalar_subquery(),
        select(func.count(Referee.id)).where(Referee.referrer_id.in_(customers)).scalar_subquery(),
        select(func.count(NpsResponse.id)).where(answers).scalar_subquery(),
        select(func.count(FollowUp.id)).join(NpsResponse, NpsResponse.id == FollowUp.response_id)
        .where(answers, FollowUp.status != CLOSED).scalar_subquery(),
        select(func.count(Ask.id)).where(Ask.customer_id.in_(customers)).scalar_subquery(),
    )).one()
    return Belongings(*(int(value or 0) for value in row))


# --- Create and rename ----------------------------------------------------------------------------

def _check_name(name: str, other_than: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise CompanyError(_l("Enter the company's name."))
    taken = company_named(name, other_than)
    if taken is not None:
        raise CompanyError(_l("There is already a company called “%(name)s”.", name=taken.name))
    return name


def create_company(actor: User, name: str, account_manager: User) -> Company:
    name = _check_name(name)
    if account_manager.role != SALES or not account_manager.is_active:
        raise CompanyError(_l("Choose an active sales colleague as account manager."))
    company = Company(name=name, account_manager=account_manager)
    db.session.add(company)
    db.session.flush()
    record(actor, "company.create", company, _l("Added the company %(name)s", name=name),
           after={"name": name, "account_manager": account_manager.name})
    return company


def rename_company(actor: User, company: Company, name: str) -> None:
    old = company.name
    name = _check_name(name, other_than=company.id)
    if name == old:
        return
    company.name = name
    db.session.flush()
    record(actor, "company.rename", company, _l("Renamed %(old)s to %(new)s", old=old, new=name),
           before={"name": old}, after={"name": name})


# --- Moving open work to another account manager ------------------------------------------------

@dataclass
class Moved:
    follow_ups: int = 0
    alerts: int = 0
    asks: int = 0
    claims: int = 0
    referrals: int = 0


def _recipients(manager: User) -> list[int]:
    people = [manager] + ([manager.manager] if manager.manager is not None and manager.manager.is_active else [])
    return list(dict.fromkeys(p.id for p in people))


def move_open_work(company: Company, old: User, new: User) -> Moved:
    """Open NPS follow-ups of the company's contacts (and their alerts), open asks and claims of
    `old` go to `new`. Referrals follow the company: the new account manager's pipeline shows them."""
    moved = Moved()
    customers = _customer_ids(company.id)
    answers = or_(NpsResponse.company_id == company.id, NpsResponse.user_id.in_(customers))
    open_ids = list(db.session.scalars(
        select(FollowUp.response_id).join(NpsResponse, NpsResponse.id == FollowUp.response_id)
        .where(answers, FollowUp.status != CLOSED, or_(FollowUp.assignee_id == old.id, FollowUp.assignee_id.is_(None)))
    ))
    if open_ids:
        moved.follow_ups = db.session.execute(
            update(FollowUp).where(FollowUp.response_id.in_(open_ids)).values(assignee_id=new.id)
            .execution_options(synchronize_session=False)
        ).rowcount
        new_recipients = _recipients(new)
        moved.alerts = db.session.execute(
            delete(Alert).where(Alert.response_id.in_(open_ids), Alert.recipient_id.in_(_recipients(old)),
                                Alert.recipient_id.not_in(new_recipients))
            .execution_options(synchronize_session=False)
        ).rowcount
        have = set(db.session.execute(select(Alert.response_id, Alert.recipient_id).where(
            Alert.response_id.in_(open_ids), Alert.recipient_id.in_(new_recipients))).all())
        missing = [{"response_id": rid, "recipient_id": uid} for rid in open_ids for uid in new_recipients
                   if (rid, uid) not in have]
        if missing:
            db.session.execute(insert(Alert), missing)
    moved.asks = db.session.execute(
        update(Ask).where(Ask.customer_id.in_(customers), Ask.asked_by_id == old.id, Ask.follow_up_on.is_not(None),
                          Ask.follow_up_done_at.is_(None)).values(asked_by_id=new.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    moved.claims = db.session.execute(
        update(AskStatus).where(AskStatus.customer_id.in_(customers), AskStatus.claimed_by_id == old.id)
        .values(claimed_by_id=new.id).execution_options(synchronize_session=False)
    ).rowcount
    moved.referrals = db.session.scalar(select(func.count(Referee.id)).where(Referee.referrer_id.in_(customers))) or 0
    db.session.expire_all()
    return moved


def _tell(person: User, text_nl: str, text_en: str, link: str) -> None:
    notify(person, "account_manager", text_nl, text_en, link=link)


def set_account_manager(actor: User, company: Company, manager: User) -> Moved | None:
    """Hand the company to `manager`, with its open work; both are told (in the app and by e-mail)."""
    if manager.role != SALES or not manager.is_active:
        raise CompanyError(_l("Choose an active sales colleague as account manager."))
    old = company.account_manager
    if old.id == manager.id:
        return None
    company_id, name = company.id, company.name
    company.account_manager = manager
    db.session.flush()
    moved = move_open_work(company, old, manager)
    company = db.session.get(Company, company_id)
    figures = (f"{moved.follow_ups} open NPS follow-up(s) and {moved.asks} ask(s) to follow up; "
               f"{moved.referrals} referral(s) of the company")
    cijfers = (f"{moved.follow_ups} open NPS-opvolging(en) en {moved.asks} op te volgen verzoek(en); "
               f"{moved.referrals} doorverwijzing(en) van het bedrijf")
    link = external_url("workspaces.sales")
    _tell(manager, f"Je bent nu accountmanager van {name} (in plaats van {old.name}). Naar jou verplaatst: {cijfers}.",
          f"You are now the account manager of {name} (instead of {old.name}). Moved to you: {figures}.", link)
    if old.is_active:
        _tell(old, f"{manager.name} is nu accountmanager van {name}. Naar {manager.name} verplaatst: {cijfers}.",
              f"{manager.name} is now the account manager of {name}. Moved to {manager.name}: {figures}.", link)
    record(actor, "company.account_manager", company,
           _l("%(manager)s is now the account manager of %(company)s", manager=manager.name, company=name),
           before={"account_manager": old.name}, after={"account_manager": manager.name}, moved=asdict(moved))
    return moved


# --- Merging a duplicate --------------------------------------------------------------------------

def merge(actor: User, source: Company, target: Company) -> Belongings:
    """Move everything of `source` to `target` and remove `source`, in the caller's transaction."""
    if source.id == target.id:
        raise CompanyError(_l("A company cannot be merged into itself. Choose the other company."))
    # Both rows locked, in id order, so two merges of the same pair wait for each other.
    db.session.execute(select(Company.id).where(Company.id.in_((source.id, target.id))).order_by(Company.id)
                       .with_for_update())
    moves = belongings(source.id)
    old_manager, new_manager = source.account_manager, target.account_manager
    source_id, source_name, target_name = source.id, source.name, target.name
    db.session.execute(update(NpsResponse).where(NpsResponse.company_id == source_id).values(company_id=target.id)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(User).where(User.company_id == source_id).values(company_id=target.id)
                       .execution_options(synchronize_session=False))
    db.session.expire_all()
    target = db.session.get(Company, target.id)
    if old_manager.id != new_manager.id:
        move_open_work(target, old_manager, new_manager)
        target = db.session.get(Company, target.id)
    db.session.execute(delete(Company).where(Company.id == source_id).execution_options(synchronize_session=False))
    db.session.expire_all()
    record(actor, "company.merge", target,
           _l("Merged %(source)s into %(target)s", source=source_name, target=target_name),
           merged_id=source_id, merged_name=source_name, moved=asdict(moves))
    return moves
