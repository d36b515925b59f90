"""RFC 9457 problem details: every error under /api/ is an `application/problem+json` body with
type, title, status and detail (and `errors` for input that did not validate)."""
from __future__ import annotations

import json
import time

from flask import Response, request
from flask_babel import lazy_gettext as _l

from app.urls import external_url

PROBLEM = "application/problem+json"
API_PREFIX = "/api/"

TITLES = {
    400: _l("Bad request"),
    401: _l("Not authenticated"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Request too large"),
    415: _l("Unsupported media type"),
    422: _l("Invalid input"),
    429: _l("Too many requests"),
    500: _l("Internal server error"),
    503: _l("Temporarily unavailable"),
}
DETAILS = {
    401: _l("Send a valid API token as “Authorization: Bearer <token>”."),
    403: _l("This token does not have the scope this call needs."),
    404: _l("There is nothing at this address, or the object does not exist."),
    405: _l("This address does not accept this method."),
    422: _l("Some of the input is not valid: see “errors”."),
    429: _l("This token made too many calls. Wait for the time in Retry-After and try again."),
    500: _l("Something went wrong on our side. Try again in a moment."),
    503: _l("The service cannot reach its data right now. Try again in a minute."),
}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem_type(slug: str | None) -> str:
    """The problem's type: a link to its explanation on the reference page, or about:blank."""
    if not slug:
        return "about:blank"
    return external_url("api_docs.reference", _anchor=f"problem-{slug}")


def problem(status: int, detail=None, *, slug: str | None = None, title=None, errors=None,
            headers: dict | None = None) -> Response:
    body = {
        "type": problem_type(slug),
        "title": str(title or TITLES.get(status, TITLES[500])),
        "status": status,
        "detail": str(detail or DETAILS.get(status, title or TITLES.get(status, TITLES[500]))),
    }
    if errors is not None:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM)
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


class ApiProblem(Exception):
    """Raised by an API view: answered as a problem with this status, detail and type."""

    def __init__(self, status: int, detail=None, *, slug: str | None = None, errors=None, headers=None):
        super().__init__(str(detail or status))
        self.status, self.detail, self.slug, self.errors, self.headers = status, detail, slug, errors, headers

    def response(self) -> Response:
        return problem(self.status, self.detail, slug=self.slug, errors=self.errors, headers=self.headers)


def retry_after() -> str:
    """Seconds until the limit that was hit lets calls through again."""
    from app.extensions import limiter

    limit = limiter.current_limit
    if limit is None:
        return "60"
    return str(max(1, int(limit.reset_at - time.time())))


def http_problem(error) -> Response:
    """An HTTPException (abort, routing, webargs validation, the rate limit) as problem details."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    headers = dict(data.get("headers") or {})
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 429:
        headers["Retry-After"] = retry_after()
    detail = DETAILS.get(status) if status in DETAILS or not getattr(error, "description", None) else error.description
    if status == 400 and errors:
        detail = DETAILS[422]
    return problem(status, detail, slug="invalid" if status == 422 else None, errors=errors, headers=headers)
