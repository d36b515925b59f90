"""Erasing a customer: every personal field removed or anonymised, the figures left intact."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import record
from app.auth.models import CUSTOMER, User
from app.challenges import get_type
from app.extensions import db
from app.journey.models import Submission
from app.journey.progress import withdraw_consent
from app.privacy.models import FROM_ERASURE
from app.privacy.registry import REGISTRY, SHELL, Erasure
from app.privacy.scrub import needles, redact_everywhere
from app.referrals.consent import erase as erase_referee
from app.referrals.intake import email_key
from app.referrals.models import Referee
from app.rewards.models import REQUESTED, Redemption
from app.rewards.redemptions import cancel


class NotErasable(Exception):
    """Only customers are erased here: staff accounts hold the record of what staff did."""


def erase_customer(user: User, by: User) -> None:
    """Erase `user` (flush only; the request commits). `by` is the customer or the admin doing it.

    Order matters: the open claims are cancelled and the consents withdrawn first (their
    notifications, mail and audit lines are then erased with the rest); the account becomes an
    anonymous shell last, so the steps before it can still find the person's rows by address.
    """
    if user.role != CUSTOMER:
        raise NotErasable(user.role)
    erasure = Erasure(user=user, words=needles(user.name, user.email, user.display_name, user.linkedin_url))
    for redemption in db.session.scalars(
        select(Redemption).where(Redemption.user_id == user.id, Redemption.status == REQUESTED)
        .order_by(Redemption.id)
    ):
        cancel(redemption, by)  # points and stock come back; their ledger rows stay
    for submission in db.session.scalars(
        select(Submission).where(Submission.user_id == user.id, Submission.consent_withdrawn_at.is_(None))
        .order_by(Submission.id)
    ):
        if get_type(submission.challenge.type_key).consent:
            withdraw_consent(submission, user, source=FROM_ERASURE)  # unpublished, recorded as withdrawn
    # Someone once introduced this customer to us: that record is about them too, and goes the way
    # an objection takes it (with the hash that keeps them from being introduced again).
    for referee in db.session.scalars(select(Referee).where(Referee.email_key == email_key(user.email))):
        erase_referee(referee)
    for coverage in REGISTRY:
        if coverage.erase is not None and coverage.erasure != SHELL:
            coverage.erase(erasure)
    redact_everywhere(erasure.words)  # what others' rows say about them: ledger, mail, notes, audit
    for coverage in REGISTRY:
        if coverage.erasure == SHELL:
            coverage.erase(erasure)
    db.session.flush()
    # Audited and logged by id only: the record of an erasure must not undo it.
    record(by if by.id != user.id else None, "privacy.erase", user, _l("Personal data erased"),
           by_customer=by.id == user.id)
    current_app.logger.info("privacy.erase user_id=%s by_user_id=%s", user.id, by.id)
