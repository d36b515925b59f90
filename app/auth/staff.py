"""Staff accounts: the list, inviting a colleague, their role, their manager, deactivating and
reactivating, a new invitation or password-reset link. Every change is audited; flush only.

The last active admin is never demoted or deactivated: before such a change the rows of every
active admin are locked (SELECT ... FOR UPDATE), so two admins demoting each other at the same
moment are served one after the other and the second finds one admin left.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased, contains_eager

from app.audit.services import record
from app.auth.models import ADMIN, SALES, STAFF_ROLES, Company, User
from app.auth.services import AccountError, create_user, invite, request_password_reset
from app.extensions import db

ROLE_LABELS = {"marketer": _l("Marketing"), SALES: _l("Sales"), ADMIN: _l("Admin")}
ACTIVE, INVITED, INACTIVE = "active", "invited", "inactive"
STATUS_LABELS = {ACTIVE: _l("Active"), INVITED: _l("Invitation pending"), INACTIVE: _l("Deactivated")}


class StaffError(AccountError):
    """A staff change that may not be made, with the reason for the person who tried."""


# --- Reading --------------------------------------------------------------------------------------

@dataclass
class StaffRow:
    user: User
    companies: int  # companies this person looks after
    team: int  # colleagues with this person as their manager

    @property
    def status(self) -> str:
        if not self.user.is_active:
            return INACTIVE
        return ACTIVE if self.user.has_password else INVITED

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS.get(self.user.role, self.user.role))


def _companies_of():
    return select(func.count(Company.id)).where(Company.account_manager_id == User.id).correlate(User).scalar_subquery()


def _team_of():
    member = aliased(User)
    return select(func.count(member.id)).where(member.manager_id == User.id).correlate(User).scalar_subquery()


def staff_query(q: str | None = None, role: str | None = None) -> Select:
    """Staff with their manager and how many companies and colleagues they look after: one query."""
    manager = aliased(User)
    statement = (
        select(User, _companies_of().label("companies"), _team_of().label("team"))
        .outerjoin(manager, User.manager)
        .options(contains_eager(User.manager.of_type(manager)))
        .where(User.role.in_(STAFF_ROLES))
    )
    if q:
        term = q.lower()
        statement = statement.where(or_(func.lower(User.name).contains(term, autoescape=True),
                                        func.lower(User.email).contains(term, autoescape=True)))
    if role in STAFF_ROLES:
        statement = statement.where(User.role == role)
    return statement.order_by(func.lower(User.name), User.id)


def staff_row(row) -> StaffRow:
    user, companies, team = row
    return StaffRow(user, int(companies or 0), int(team or 0))


def staff_member(user_id: int) -> StaffRow | None:
    row = db.session.execute(staff_query().where(User.id == user_id)).first()
    return staff_row(row) if row else None


def sales_people(exclude: int | None = None) -> list[tuple[int, str, str]]:
    """(id, name, e-mail) of the active sales users, by name: who may be a manager or account manager."""
    statement = select(User.id, User.name, User.email).where(User.role == SALES, User.is_active.is_(True))
    if exclude is not None:
        statement = statement.where(User.id != exclude)
    return db.session.execute(statement.order_by(func.lower(User.name), User.id)).all()


def active_sales_user(user_id) -> User | None:
    """The active sales user with this id as typed in a form (any text), or None."""
    text = str(user_id or "")
    if not (text.isascii() and text.isdigit() and 0 < int(text) <= 2**31 - 1):
        return None
    user = db.session.get(User, int(text))
    return user if user is not None and user.role == SALES and user.is_active else None


# --- The last admin ------------------------------------------------------------------------------

def _other_active_admins(user: User) -> int:
    """Lock every active admin's row, then count the ones other than `user`."""
    locked = db.session.execute(
        select(User.id).where(User.role == ADMIN, User.is_active.is_(True)).order_by(User.id).with_for_update()
    ).scalars().all()
    return len([uid for uid in locked if uid != user.id])


def _guard_last_admin(user: User) -> None:
    if user.role == ADMIN and user.is_active and _other_active_admins(user) == 0:
        raise StaffError(_l("%(name)s is the last active admin. Make someone else admin first.", name=user.name))


# --- Changes --------------------------------------------------------------------------------------

def invite_staff(actor: User, email: str, name: str, role: str, locale: str, manager: User | None = None) -> User:
    """A new colleague with the invitation mail (the same link as a customer's). AccountError for a taken address."""
    if role not in STAFF_ROLES:
        raise StaffError(_l("Choose marketing, sales or admin."))
    if manager is not None and (role != SALES or manager.role != SALES or not manager.is_active):
        raise StaffError(_l("Only a sales colleague has a manager, and the manager is an active sales colleague."))
    user = create_user(email, name, role, locale=locale, manager=manager)
    invite(user, invited_by=actor)
    record(actor, "staff.invite", user, _l("Invited %(name)s as %(role)s", name=user.name, role=ROLE_LABELS[role]),
           email=user.email, role=role, manager=manager.name if manager else None, locale=locale)
    return user


def change_role(actor: User, user: User, role: str) -> None:
    if role not in STAFF_ROLES or user.role not in STAFF_ROLES:
        raise StaffError(_l("Choose marketing, sales or admin."))
    if role == user.role:
        return
    if user.role == SALES:
        looked_after = db.session.scalar(select(func.count(Company.id)).where(Company.account_manager_id == user.id))
        if looked_after:
            raise StaffError(_l("%(name)s looks after %(count)d companies. Give them another account manager first.",
                                name=user.name, count=looked_after))
        team = db.session.scalar(select(func.count(User.id)).where(User.manager_id == user.id))
        if team:
            raise StaffError(_l("%(name)s is the manager of %(count)d sales colleagues. Give them another manager first.",
                                name=user.name, count=team))
    if user.role == ADMIN:
        _guard_last_admin(user)
    before = {"role": user.role, "manager": user.manager.name if user.manager else None}
    user.role = role
    if role != SALES:
        user.manager_id = None
    db.session.flush()
    record(actor, "staff.role", user, _l("Changed the role of %(name)s to %(role)s", name=user.name,
                                          role=ROLE_LABELS[role]),
           before=before, after={"role": role, "manager": user.manager.name if user.manager else None})


def would_cycle(user: User, manager: User) -> bool:
    """True when `manager` is `user` or reports (through any chain) to `user`."""
    seen: set[int] = set()
    current: User | None = manager
    while current is not None and current.id not in seen:
        if current.id == user.id:
            return True
        seen.add(current.id)
        current = current.manager
    return False


def set_manager(actor: User, user: User, manager: User | None) -> None:
    if user.role != SALES:
        raise StaffError(_l("Only sales colleagues have a manager."))
    if manager is not None:
        if manager.role != SALES or not manager.is_active:
            raise StaffError(_l("Choose an active sales colleague as manager."))
        if would_cycle(user, manager):
            raise StaffError(_l("%(manager)s reports to %(name)s: a manager cannot report to their own team member.",
                                manager=manager.name, name=user.name))
    if user.manager_id == (manager.id if manager else None):
        return
    before = {"manager": user.manager.name if user.manager else None}
    user.manager = manager
    db.session.flush()
    summary = (_l("%(manager)s is now the manager of %(name)s", manager=manager.name, name=user.name) if manager
               else _l("%(name)s no longer has a manager", name=user.name))
    record(actor, "staff.manager", user, summary, before=before, after={"manager": manager.name if manager else None})


def deactivate(actor: User, user: User) -> None:
    """Deactivated and signed out everywhere at once (every session and remembered device)."""
    if user.id == actor.id:
        raise StaffError(_l("You cannot deactivate your own account. Ask another admin."))
    if not user.is_active:
        return
    _guard_last_admin(user)
    user.is_active = False
    user.end_sessions()
    db.session.flush()
    record(actor, "staff.deactivate", user, _l("Deactivated %(name)s", name=user.name),
           before={"is_active": True}, after={"is_active": False})


def reactivate(actor: User, user: User) -> None:
    if user.is_active:
        return
    user.is_active = True
    db.session.flush()
    record(actor, "staff.reactivate", user, _l("Reactivated %(name)s", name=user.name),
           before={"is_active": False}, after={"is_active": True})


def resend_invitation(actor: User, user: User) -> None:
    if user.has_password:
        raise StaffError(_l("%(name)s has already chosen a password: no invitation needed.", name=user.name))
    if not user.is_active:
        raise StaffError(_l("%(name)s is deactivated. Reactivate the account first.", name=user.name))
    invite(user, invited_by=actor)
    record(actor, "staff.resend_invitation", user, _l("Sent %(name)s a new invitation", name=user.name))


def send_password_reset(actor: User, user: User) -> None:
    if not user.is_active:
        raise StaffError(_l("%(name)s is deactivated. Reactivate the account first.", name=user.name))
    if not user.has_password:
        raise StaffError(_l("%(name)s has not chosen a password yet: send a new invitation instead.", name=user.name))
    request_password_reset(user.email)
    record(actor, "staff.password_reset", user, _l("Sent %(name)s a link to choose a new password", name=user.name))
