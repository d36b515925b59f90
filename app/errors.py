"""Error pages in the user's language; htmx requests get just the fragment."""
from __future__ import annotations

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.htmx import render

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
}
CSRF_MESSAGE = (
    _l("This form has expired"),
    _l("For your security, forms expire when your session ends. Go back, reload the page and submit it again."),
)


def render_error(code: int, title=None, message=None):
    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    response = render(
        "errors/error.html",
        status=code,
        code=code,
        title=title or default_title,
        message=message or default_message,
    )
    return response


def handle_http_exception(error: HTTPException):
    if isinstance(error, CSRFError):
        return render_error(400, *CSRF_MESSAGE)
    code = error.code or 500
    if code not in MESSAGES:
        return error
    response = render_error(code)
    if code == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if code == 429:
        retry = getattr(error, "retry_after", None)
        if retry:
            response.headers["Retry-After"] = str(retry)
    return response


def handle_unexpected(error: Exception):
    db.session.rollback()
    original = getattr(error, "original_exception", None) or error
    if not isinstance(original, HTTPException):
        from flask import current_app

        current_app.logger.error("Unhandled error on %s %s", request.method, request.path, exc_info=original)
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_unexpected)
