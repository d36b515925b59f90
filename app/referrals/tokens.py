"""The referee's own token (objection, confirmation, feedback links): random, and while an
introduction is only previewed, carried through the form sealed (signed) so a referrer can never
choose it."""
from __future__ import annotations

import re
import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app import seclog

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,32}$")


def new_token() -> str:
    return secrets.token_urlsafe(18)[:24]


# The referral's confirm step shows the objection link before anything is stored. Its token is
# made here and travels through the form sealed (signed), so a referrer can never choose it.
_SEAL_SALT = "referee-token-preview"
_SEAL_MAX_AGE = 60 * 60 * 24


def _sealer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SEAL_SALT)


def seal_token(token: str) -> str:
    return _sealer().dumps(token)


def unseal_token(sealed: str | None) -> str | None:
    """The server-made token in `sealed`, or None for anything the server did not make (recently)."""
    if not sealed:
        return None
    try:
        token = _sealer().loads(sealed, max_age=_SEAL_MAX_AGE)
    except BadSignature:
        seclog.event("input_validation_fail", "(token)", seclog.current_user_id(), reason="unsigned referee token")
        return None
    return token if isinstance(token, str) and TOKEN_PATTERN.match(token) else None


def seal_tokens(tokens: list[str]) -> str:
    """Several objection-link tokens (one per LinkedIn contact), sealed like `seal_token`."""
    return _sealer().dumps(list(tokens))


def unseal_tokens(sealed: str | None) -> list[str]:
    """The server-made tokens in `sealed`; [] for anything the server did not make (recently)."""
    if not sealed:
        return []
    try:
        tokens = _sealer().loads(sealed, max_age=_SEAL_MAX_AGE)
    except BadSignature:
        seclog.event("input_validation_fail", "(token)", seclog.current_user_id(), reason="unsigned referee token")
        return []
    if not isinstance(tokens, list) or not all(isinstance(t, str) and TOKEN_PATTERN.match(t) for t in tokens):
        return []
    return tokens
