"""Personal access tokens: issuing one (the secret is shown once), revoking it, and recognising the
secret a request brings. Flush only; the caller commits."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.orm import contains_eager, joinedload

from app.api.models import ApiToken
from app.audit.services import record
from app.auth.models import ADMIN, User
from app.dates import utcnow
from app.extensions import db

PREFIX = "ajt_"  # recognisable in logs and by secret scanners
SHOWN = 12  # characters of the secret kept (and shown) to recognise a token
MAX_DAYS = 365
# Last use is written at most this often per token, so a busy integration does not write on every call.
LAST_USED_EVERY = timedelta(minutes=1)

# Each resource has a read and a write scope; read never implies write, nor write read.
RESOURCES = {
    "participants": _l("Participants"),
    "companies": _l("Companies"),
    "referrals": _l("Referrals"),
    "nps": _l("NPS answers"),
    "content": _l("Content library"),
    "points": _l("Points ledger"),
}
# The resources that have nothing to write through the API.
READ_ONLY = frozenset({"nps", "content"})
SCOPES = tuple(f"{resource}:{access}" for resource in RESOURCES for access in ("read", "write")
               if not (access == "write" and resource in READ_ONLY))


class TokenError(ValueError):
    """A token that cannot be issued as asked, with the reason."""


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(actor: User, name: str, scopes: list[str], days: int) -> tuple[ApiToken, str]:
    """A new token for `actor` (an admin); returns it with its secret, which is not stored."""
    name = (name or "").strip()
    if not name:
        raise TokenError(_l("Give the token a name."))
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise TokenError(_l("Choose at least one scope."))
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(_l("A token is valid for 1 to %(days)d days.", days=MAX_DAYS))
    if actor.role != ADMIN or not actor.is_active:
        raise TokenError(_l("Only an active admin can hold a token."))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name[:80], owner_id=actor.id, scopes=" ".join(s for s in SCOPES if s in scopes),
                     prefix=secret[:SHOWN], secret_hash=hash_secret(secret), expires_at=utcnow() + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    record(actor, "api_token.create", token, summary=token.name, name=token.name, scopes=token.scope_list,
           expires_at=token.expires_at.isoformat(timespec="minutes"))
    return token, secret


def revoke(actor: User, token: ApiToken) -> bool:
    """Revoke `token` (once); False when it was revoked already."""
    result = db.session.execute(
        update(ApiToken).where(ApiToken.id == token.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False)
    )
    db.session.refresh(token)
    if result.rowcount == 1:
        record(actor, "api_token.revoke", token, summary=token.name, name=token.name)
    return result.rowcount == 1


def recognise(secret: str | None, now: datetime | None = None) -> ApiToken | None:
    """The token this secret belongs to, when it still works: not revoked, not expired, and its owner
    still an active admin. One query (the owner comes along)."""
    if not secret or not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    now = now or utcnow()
    return db.session.scalar(
        select(ApiToken).join(User, User.id == ApiToken.owner_id).options(contains_eager(ApiToken.owner))
        .where(ApiToken.secret_hash == hash_secret(secret), ApiToken.revoked_at.is_(None), ApiToken.expires_at > now,
               User.is_active.is_(True), User.role == ADMIN)
    )


def note_use(token: ApiToken, now: datetime | None = None) -> bool:
    """Record that the token was used, at most once per LAST_USED_EVERY (a conditional UPDATE)."""
    now = now or utcnow()
    result = db.session.execute(
        update(ApiToken).where(ApiToken.id == token.id,
                               or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - LAST_USED_EVERY))
        .values(last_used_at=now).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def tokens_of_all() -> list[ApiToken]:
    """Every token, newest first, with its owner (the admin list; tokens are few)."""
    return list(db.session.scalars(select(ApiToken).options(joinedload(ApiToken.owner))
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))
