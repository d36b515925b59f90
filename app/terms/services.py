"""Publishing terms versions and recording acceptances. Operations flush; the route commits once."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from app.audit.services import record
from app.auth.models import CUSTOMER, LOCALES, User
from app.extensions import db
from app.terms.models import MATERIAL, MINOR, TermsAcceptance, TermsVersion


class TermsError(ValueError):
    """A publish that cannot happen now (someone else published at this very moment)."""


def current_version() -> TermsVersion | None:
    """The latest published version: what /terms shows and what a new customer accepts."""
    return db.session.scalar(select(TermsVersion).order_by(TermsVersion.number.desc()).limit(1))


def required_number():
    """A scalar subquery: the number of the latest material version (NULL when there is none)."""
    return select(func.max(TermsVersion.number)).where(TermsVersion.kind == MATERIAL).scalar_subquery()


def needs_acceptance(user: User) -> bool:
    """A customer must (again) accept: a material version exists that is newer than every version
    they accepted. One statement."""
    if user.role != CUSTOMER:
        return False
    accepted_since = (
        select(TermsAcceptance.id).join(TermsVersion, TermsVersion.id == TermsAcceptance.version_id)
        .where(TermsAcceptance.user_id == user.id, TermsVersion.number >= required_number())
    )
    due = select(required_number().is_not(None) & ~exists(accepted_since))
    return bool(db.session.scalar(due))


def accept(user: User, version: TermsVersion, locale: str) -> TermsAcceptance | None:
    """Record that `user` accepted `version` (read in `locale`). Accepting the same version twice
    (a double click) records it once; returns None then."""
    acceptance = TermsAcceptance(user_id=user.id, version_id=version.id, locale=locale if locale in LOCALES else "nl")
    try:
        with db.session.begin_nested():
            db.session.add(acceptance)
    except IntegrityError:
        return None
    return acceptance


def publish(author: User, body_nl: str, body_en: str, kind: str) -> TermsVersion:
    """A new version with the next number. The very first version is always material: nobody has
    accepted anything yet. Audited."""
    latest = current_version()
    number = (latest.number if latest else 0) + 1
    kind = MATERIAL if latest is None or kind == MATERIAL else MINOR
    version = TermsVersion(number=number, kind=kind, body_nl=body_nl, body_en=body_en, published_by_id=author.id)
    try:
        with db.session.begin_nested():
            db.session.add(version)
    except IntegrityError:  # the same number published by a colleague at this very moment
        raise TermsError("taken") from None
    changed = {"body_nl": body_nl != (latest.body_nl if latest else ""),
               "body_en": body_en != (latest.body_en if latest else "")}
    summary = (_l("Published version %(n)d of the programme terms (material change: customers accept again)", n=number)
               if kind == MATERIAL else
               _l("Published version %(n)d of the programme terms (minor change)", n=number))
    record(author, "terms.publish", version, summary, number=number, kind=kind,
           before={"version": latest.number if latest else None}, after={"version": number},
           changed=[name for name, yes in changed.items() if yes])
    return version


def versions(limit: int = 50) -> list[TermsVersion]:
    return list(db.session.scalars(select(TermsVersion).options(selectinload(TermsVersion.published_by))
                                   .order_by(TermsVersion.number.desc()).limit(limit)))


def acceptances_of(user_id: int, limit: int = 25) -> list[TermsAcceptance]:
    return list(db.session.scalars(
        select(TermsAcceptance).where(TermsAcceptance.user_id == user_id)
        .join(TermsAcceptance.version).options(contains_eager(TermsAcceptance.version))
        .order_by(TermsAcceptance.accepted_at.desc(), TermsAcceptance.id.desc()).limit(limit)
    ))


def has_accepted(user: User, version: TermsVersion) -> bool:
    return db.session.scalar(select(TermsAcceptance.id).where(
        TermsAcceptance.user_id == user.id, TermsAcceptance.version_id == version.id)) is not None
