"""Security events on their own logger, "app.security", in OWASP's logging vocabulary
(https://cheatsheetseries.owasp.org/cheatsheets/Logging_Vocabulary_Cheat_Sheet.html):

    authn_login_fail:<user>          a sign-in that did not match (user id, or the e-mail typed)
    authn_login_lock:<e-mail>        the per-account sign-in limit locked an e-mail out for a while
    excess_rate_limit_exceeded:<key>,<limit>   any rate limit was hit (address or hashed account key)
    authz_fail:<user>,<endpoint>     access denied (403)
    input_validation_fail:(<fields>),<user>    a CSRF failure, a Host header we do not serve
    authn_token_invalid:<kind>,<reason>        a bad, used or expired invitation, reset or referee link

One line per event: `event=… user=… ip=… endpoint=… key=value…`. Every value is escaped (newlines,
carriage returns, other control characters and backslashes), so input cannot forge a second line.
Passwords and tokens are never passed in; the request path is not logged either, since links carry
tokens in their path.
"""
from __future__ import annotations

import logging
import re

from flask import has_request_context, request

log = logging.getLogger("app.security")

_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}
MAX_VALUE = 200


def escape(value: object) -> str:
    """One printable line: control characters as escapes, long values cut."""
    text = str(value)[:MAX_VALUE]
    return _UNSAFE.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}"), text)


def _request_fields() -> dict[str, object]:
    if not has_request_context():
        return {}
    return {"ip": request.remote_addr or "-", "method": request.method, "endpoint": request.endpoint or "-"}


def current_user_id() -> str:
    if not has_request_context():
        return "-"
    # Imported here so this module stays importable by app.extensions (no import cycle through login).
    from flask_login import current_user

    return str(current_user.get_id()).split(":")[0] if current_user and current_user.is_authenticated else "anonymous"


def event(name: str, *args: object, level: int = logging.WARNING, **fields: object) -> None:
    """Log `name:arg1,arg2` with the request's address, method and endpoint and the extra fields."""
    label = escape(name) + (":" + ",".join(escape(a) for a in args) if args else "")
    details = {"user": current_user_id(), **_request_fields(), **fields}
    log.log(level, "event=%s %s", label, " ".join(f"{escape(k)}={escape(v)}" for k, v in details.items()))


def rate_limit_hit(limit) -> None:
    """Flask-Limiter's on_breach: which limit, on whose key (an address or a hashed account)."""
    event("excess_rate_limit_exceeded", limit.key, limit.limit)
