"""Error pages in the user's language; htmx requests get just the fragment.

Every 5xx is the app's own page with the security headers: a database that is down or hangs gives a
503 "temporarily unavailable" page rendered without touching the database again, and when even the
error handler fails a plain page of our own (LastResort) answers instead of the server's bare one."""
from __future__ import annotations

import logging
from html import escape

from flask import Flask, current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, PendingRollbackError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

from app import seclog
from app.api.problems import http_problem, is_api_request, problem
from app.extensions import db
from app.htmx import render
from app.identity.services import identity, use_fallback
from app.security import CSP, set_security_headers

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Something went wrong with that request"), _l("The page could not understand what was sent. Go back and try again.")),
    403: (_l("No access"), _l("Your account does not have access to this page. If you think it should, ask your contact person.")),
    404: (_l("Page not found"), _l("This page does not exist (any more). Check the address or go back to the start page.")),
    405: (_l("Not possible here"), _l("This page cannot be used this way. Go back and try again.")),
    410: (_l("This link is no longer valid"), _l("The link has expired or has already been used.")),
    413: (_l("That is too large"), _l("What you sent is larger than we accept. Try a smaller file or a shorter text.")),
    422: (_l("Please check what you entered"), _l("Something in the form is not right yet. Go back and try again.")),
    429: (_l("Too many attempts"), _l("You tried this too often in a short time. Wait a minute and try again.")),
    500: (_l("Something went wrong on our side"), _l("We have been notified. Try again in a moment.")),
    503: (_l("Temporarily unavailable"), _l("The portal cannot reach its data right now. Try again in a minute; if you were sending a form, send it again then.")),
}
CSRF_MESSAGE = (
    _l("This form has expired"),
    _l("For your security, forms expire when your session ends. Go back, reload the page and submit it again."),
)
RETRY_AFTER = "30"  # seconds; a database restart or failover usually takes about that long


def database_unavailable(error: BaseException | None) -> bool:
    """The database is down, hangs (a timeout) or dropped the connection: not a bug, a 503."""
    if isinstance(error, (OperationalError, InterfaceError, PoolTimeoutError, PendingRollbackError)):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _identity_for_error_page() -> None:
    """The header's name and logo: an error page must show even when the database cannot give them."""
    try:
        identity()
    except SQLAlchemyError:
        log.warning("The identity could not be read for an error page; the configured name is shown", exc_info=True)
        _release_session()
        use_fallback()


def render_error(code: int, title=None, message=None):
    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    _identity_for_error_page()
    response = render(
        "errors/error.html",
        status=code,
        code=code,
        title=title or default_title,
        message=message or default_message,
    )
    # Here as well as after the request: should a later after-request step fail, Flask sends this
    # response as it is, and it must still carry the headers.
    return set_security_headers(response)


def handle_http_exception(error: HTTPException):
    if is_api_request():
        return http_problem(error)
    if isinstance(error, CSRFError):
        seclog.event("input_validation_fail", "(csrf_token)", seclog.current_user_id(), reason=error.description)
        return render_error(400, *CSRF_MESSAGE)
    code = error.code or 500
    if code == 403:
        seclog.event("authz_fail", seclog.current_user_id(), request.endpoint or "-")
    if code not in MESSAGES:
        return error
    if code == 429 and getattr(error, "response", None) is not None:
        return error.response  # a limit that answers with its own page (a form again, its text intact)
    response = render_error(code)
    if code == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if code == 429:
        retry = getattr(error, "retry_after", None)
        if retry:
            response.headers["Retry-After"] = str(retry)
    return response


def _drop_connections() -> None:
    """Discard the session's connections without a round trip: a ROLLBACK on a connection to a database
    that is gone or hangs could raise again or wait for minutes."""
    try:
        db.session().invalidate()
    except Exception:  # nothing more to release; the page must still be shown
        log.warning("Could not discard the database connection", exc_info=True)


def _release_session() -> None:
    """After a bug (not an outage): roll back, and drop the connection if even that fails."""
    try:
        db.session.rollback()
    except Exception:
        log.warning("Rollback after an error failed; the connection is discarded", exc_info=True)
        _drop_connections()


def handle_database_unavailable(error: Exception):
    _drop_connections()
    # The page is shown as to a visitor: the header's user menu and points would ask the database
    # again (and the language comes from the cookie or the browser instead of the account).
    g._login_user = current_app.login_manager.anonymous_user()
    use_fallback()  # the header's name and logo come from the ORGANISATION_NAME setting, not the database
    log.error("Database unavailable on %s %s: %s", request.method, request.path,
              str(error).splitlines()[0] if str(error) else type(error).__name__)
    if is_api_request():
        return problem(503, headers={"Retry-After": RETRY_AFTER})
    response = render_error(503)
    response.headers["Retry-After"] = RETRY_AFTER
    return response


def handle_unexpected(error: InternalServerError):
    original = getattr(error, "original_exception", None) or error
    if database_unavailable(original):
        return handle_database_unavailable(original)
    _release_session()
    if not isinstance(original, HTTPException):
        current_app.logger.error("Unhandled error on %s %s", request.method, request.path, exc_info=original)
    if is_api_request():
        return problem(500)
    return render_error(500)


PLAIN_PAGE = """<!doctype html>
<html lang="nl">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{nl_title}{organisation}</title>
<link rel="stylesheet" href="/static/vendor/pico/pico.jade.min.css"></head>
<body><main class="container">
<h1>{nl_title}</h1><p>{nl_message}</p>
<div lang="en"><h2>{en_title}</h2><p>{en_message}</p></div>
<p><a href="/">Naar de startpagina</a> · <a href="/" lang="en">To the start page</a></p>
</main></body>
</html>
"""
PLAIN_TEXT = {
    500: ("Er ging iets mis aan onze kant", "Probeer het over een moment opnieuw.",
          "Something went wrong on our side", "Try again in a moment."),
    503: ("Tijdelijk niet beschikbaar", "Het portaal kan zijn gegevens nu niet bereiken. Probeer het over een minuut opnieuw.",
          "Temporarily unavailable", "The portal cannot reach its data right now. Try again in a minute."),
}


def plain_headers(app: Flask) -> list[tuple[str, str]]:
    """The headers set_security_headers gives every page, for a response made outside Flask."""
    headers = [
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
        ("Cache-Control", "no-store"),
    ]
    if app.config.get("HTTPS"):
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return headers


def _organisation(app: Flask) -> str:
    """The title's suffix: the ORGANISATION_NAME setting (escaped), or nothing (a neutral page)."""
    name = (app.config.get("ORGANISATION_NAME") or "").strip()
    return f" · {escape(name)}" if name else ""


class LastResort:
    """WSGI middleware: when the error handler itself fails, answer a plain page of our own with the
    security headers (gunicorn's bare page has none). Tests and debug mode see the exception."""

    def __init__(self, app: Flask):
        self.app = app
        self.wsgi_app = app.wsgi_app

    def __call__(self, environ, start_response):
        try:
            return self.wsgi_app(environ, start_response)
        except Exception as exc:
            propagate = self.app.config.get("PROPAGATE_EXCEPTIONS")
            if propagate or (propagate is None and (self.app.testing or self.app.debug)):
                raise
            log.error("The error handler failed on %s %s", environ.get("REQUEST_METHOD"),
                      environ.get("PATH_INFO"), exc_info=True)
            code = 503 if database_unavailable(exc) else 500
            nl_title, nl_message, en_title, en_message = PLAIN_TEXT[code]
            body = PLAIN_PAGE.format(nl_title=nl_title, nl_message=nl_message, en_title=en_title,
                                     en_message=en_message, organisation=_organisation(self.app)).encode()
            headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
                       *plain_headers(self.app)]
            if code == 503:
                headers.append(("Retry-After", RETRY_AFTER))
            status = "503 Service Unavailable" if code == 503 else "500 Internal Server Error"
            # Flask builds the whole response before start_response, so nothing has been sent yet.
            start_response(status, headers)
            return [body]


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_unexpected)
    for error in (OperationalError, InterfaceError, PoolTimeoutError, PendingRollbackError):
        app.register_error_handler(error, handle_database_unavailable)
    app.wsgi_app = LastResort(app)  # type: ignore[method-assign]
