"""Account operations. They flush; the caller commits once."""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import generate_password_hash

from app import seclog
from app.auth.models import CUSTOMER, ROLES, Company, User, normalise_email
from app.dates import utcnow
from app.events import publish
from app.extensions import db
from app.mail import queue_mail
from app.urls import external_url

INVITE_SALT = "account-invitation"
RESET_SALT = "password-reset"


class AccountError(ValueError):
    """A request that cannot be carried out, with a message for the user."""


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_token(user: User, salt: str) -> str:
    # The session version makes the link single-use: setting the password bumps it.
    return _serializer(salt).dumps({"uid": user.id, "sv": user.session_version})


def authenticate(email: str, password: str) -> User | None:
    """The active account with this e-mail and password, or None. Exactly one password check in
    every case (unknown, invited without a password, deactivated, wrong password), so the answer
    takes as long whatever the reason; a failure goes to the security log."""
    user = User.by_email(email)
    if user is None:
        User.check_unknown_password(password)
        reason = "unknown"
    else:
        matches = user.check_password(password)  # also for a deactivated account: the same time
        if matches and user.is_active:
            return user
        reason = "inactive" if not user.is_active else "no_password" if not user.has_password else "wrong_password"
    seclog.event("authn_login_fail", normalise_email(email), reason=reason, account=user.id if user else "-")
    return None


@contextmanager
def at_least(seconds: float) -> Iterator[None]:
    """Take at least `seconds` (a floor on the response time), so fast and slow paths look alike."""
    started = time.perf_counter()
    yield
    left = seconds - (time.perf_counter() - started)
    if left > 0:
        time.sleep(left)


def user_from_token(token: str, salt: str, max_age: int) -> tuple[User | None, str | None]:
    """The user a token is for, or (None, reason) with reason 'expired' or 'invalid'."""
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        return None, "expired"
    except BadSignature:
        return None, "invalid"
    if not isinstance(data, dict):
        return None, "invalid"
    user = db.session.get(User, data.get("uid")) if isinstance(data.get("uid"), int) else None
    if user is None or not user.is_active or user.session_version != data.get("sv"):
        return None, "invalid"
    return user, None


def create_user(
    email: str,
    name: str,
    role: str,
    locale: str = "nl",
    company: Company | None = None,
    password: str | None = None,
    manager: User | None = None,
) -> User:
    address = normalise_email(email)
    if not address or "@" not in address:
        raise AccountError("A valid e-mail address is required.")
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    if User.by_email(address):
        raise AccountError(f"There is already an account for {address}.")
    user = User(email=address, name=name.strip() or address, role=role, locale=locale, company=company, manager=manager)
    if password:
        user.password_hash = generate_password_hash(password)
    db.session.add(user)
    db.session.flush()
    if role == CUSTOMER:  # a participant of the programme; staff accounts are no event
        publish("participant.created", user_id=user.id)
    return user


def invite(user: User, invited_by: User | None = None) -> None:
    """Queue the invitation mail with a link to choose a password."""
    user.invited_at = utcnow()
    db.session.flush()
    link = external_url("auth.accept_invitation", token=make_token(user, INVITE_SALT))
    days = current_app.config["INVITATION_MAX_AGE"] // 86400
    queue_mail(
        user.email, "invitation", user.locale, user=user, link=link, days=days, invited_by=invited_by,
        terms_link=external_url("terms.page"),
    )


def request_password_reset(email: str) -> None:
    """Queue a reset link if the account exists; the caller answers the same either way."""
    user = User.by_email(email)
    if user is None or not user.is_active:
        return
    link = external_url("auth.reset_password", token=make_token(user, RESET_SALT))
    hours = current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600
    queue_mail(user.email, "password_reset", user.locale, user=user, link=link, hours=max(hours, 1))
