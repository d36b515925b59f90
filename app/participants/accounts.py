"""Adding one participant, inviting them again, deactivating and reactivating: each change audited (flush only)."""
from __future__ import annotations

from app.audit.services import record
from app.auth.models import CUSTOMER, Company, User
from app.auth.services import create_user, invite
from app.extensions import db


def invite_participant(actor: User, email: str, name: str, locale: str, company: Company | None,
                       new_company: str = "", account_manager: User | None = None) -> User:
    """Create the customer (in `company`, or a new company of that name looked after by
    `account_manager`) and queue the invitation. Raises AccountError for a taken address."""
    is_new = company is None
    if is_new:
        company = Company(name=new_company, account_manager=account_manager)
        db.session.add(company)
    user = create_user(email, name, CUSTOMER, locale=locale, company=company)
    invite(user, invited_by=actor)
    record(actor, "participant.invite", user, user.email, company=company.name, new_company=is_new, locale=user.locale)
    return user


def resend_invitation(actor: User, user: User) -> None:
    invite(user, invited_by=actor)
    record(actor, "participant.resend_invitation", user, user.email)


def deactivate(actor: User, user: User) -> None:
    user.is_active = False
    user.end_sessions()  # signed out everywhere, also from remembered devices
    record(actor, "participant.deactivate", user, user.email)


def reactivate(actor: User, user: User) -> None:
    user.is_active = True
    record(actor, "participant.reactivate", user, user.email)
