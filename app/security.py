"""Role guard (deny by default), security headers and session hardening."""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from app import seclog
from app.auth.models import ADMIN, CUSTOMER, MARKETER, ROLES, SALES, normalise_email

F = TypeVar("F", bound=Callable)

PUBLIC = "public"
TOKEN = "token"  # the REST API: no session, a bearer token checked by app.api.core
ACCESS_ATTR = "_access"
# Endpoints Flask adds itself; everything else must declare who may use it.
BUILTIN_PUBLIC = frozenset({"static"})


def public(view: F) -> F:
    """Anyone, signed in or not."""
    setattr(view, ACCESS_ATTR, PUBLIC)
    return view


def roles(*names: str) -> Callable[[F], F]:
    """Only these roles. Admin may use every staff page; customer pages stay the customer's."""
    unknown = set(names) - set(ROLES)
    if unknown or not names:
        raise ValueError(f"unknown roles: {unknown or 'none given'}")
    allowed = set(names)
    if allowed & {MARKETER, SALES}:
        allowed.add(ADMIN)

    def decorate(view: F) -> F:
        setattr(view, ACCESS_ATTR, frozenset(allowed))
        return view

    return decorate


signed_in = roles(*ROLES)
customers_only = roles(CUSTOMER)


def access_of(endpoint: str) -> frozenset[str] | str | None:
    if endpoint in BUILTIN_PUBLIC:
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTR, None)


def guard():
    """before_request: every endpoint declared its audience; anything undeclared is refused."""
    if request.endpoint is None:
        return None  # routing failed: Flask answers 404/405
    access = access_of(request.endpoint)
    if access in (PUBLIC, TOKEN):
        return None
    if access is None:
        current_app.logger.error("Endpoint %s declares no access rule; refused", request.endpoint)
        abort(403)
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role not in access:
        abort(403)
    return None


def login_limit() -> str:
    """Rate limit for sign-in attempts (read per request, so tests and operators can change it)."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def public_form_limit() -> str:
    """Rate limit for forms anyone may post: password reset, invitation, survey answers."""
    return current_app.config["PUBLIC_FORM_RATE_LIMIT"]


def login_account_limit() -> str:
    """Failed sign-ins per account, from any address."""
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def reset_account_limit() -> str:
    """Password-reset requests per account, from any address."""
    return current_app.config["RESET_ACCOUNT_RATE_LIMIT"]


def link_open_limit() -> str:
    """Opening a customer's link (/r/<code>), per address."""
    return current_app.config["LINK_OPEN_RATE_LIMIT"]


def account_key() -> str:
    """The rate-limit key of the account a form names: the normalised e-mail, keyed-hashed so the
    counter store never holds addresses. Known and unknown addresses count alike, so a lockout
    tells nothing about whether an account exists."""
    address = normalise_email(request.form.get("email"))
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), address.encode(), hashlib.sha256).hexdigest()
    return f"account:{digest[:32]}"


def login_locked(limit) -> None:
    """on_breach of the per-account sign-in limit."""
    seclog.event("authn_login_lock", normalise_email(request.form.get("email")), reason=limit.limit)


def login_failed(response) -> bool:
    """deduct_when of the per-account sign-in limit: only failed attempts count."""
    return response.status_code == 422


def is_safe_redirect(target: str | None) -> bool:
    """Only paths on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    if current_app.config.get("HTTPS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if response.mimetype == "text/html":
        response.vary.add("HX-Request")
        response.vary.add("Cookie")
        # is_anonymous, not is_authenticated: it reads no column, so a page that committed does not
        # load the person again just for this header.
        if current_user and not current_user.is_anonymous:
            # Personal pages never sit in a shared cache or the back-button cache after logout.
            headers["Cache-Control"] = "no-store"
    return response


def _bad_host(error: SecurityError):
    """A Host header this site does not serve (TRUSTED_HOSTS). No URL can be built for such a
    request, so the answer is a short plain text rather than the page layout."""
    seclog.event("input_validation_fail", "(host)", "anonymous", reason="host not trusted")
    text = _("This web address does not belong to this site. Check the address you used.")
    return Response(f"400 {text}\n", status=400, mimetype="text/plain")


def init_proxies(app: Flask) -> None:
    """Behind PROXY_COUNT reverse proxies, take the client address, scheme and host from the
    X-Forwarded-* headers they set (the last PROXY_COUNT values). 0 trusts no such header."""
    count = app.config.get("PROXY_COUNT") or 0
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def init_app(app: Flask) -> None:
    init_proxies(app)
    app.before_request(guard)
    app.after_request(set_security_headers)
    # A Host this site does not serve: logged, and answered without the page layout. (403s and CSRF
    # failures are logged by the error pages in app.errors.)
    app.register_error_handler(SecurityError, _bad_host)
