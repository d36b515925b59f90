"""The API's frame: the OpenAPI document (flask-smorest, OpenAPI 3.1), token authentication and
scopes, the rate limit per token, problem details, cursor pagination and the audit actor.

Each resource is a flask-smorest Blueprint made by `resource_blueprint`: before every call it
checks the bearer token and the scope (GET needs `<resource>:read`, anything else
`<resource>:write`); cookies never authenticate the API and CSRF does not apply to it.
"""
from __future__ import annotations

import base64
import hashlib
from http import HTTPStatus
from urllib.parse import urlencode

from flask import Flask, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter.util import get_remote_address
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from sqlalchemy import Select

from app import seclog
from app.api.problems import PROBLEM, ApiProblem
from app.api.tokens import PREFIX, note_use, recognise
from app.extensions import csrf, db, limiter
from app.security import ACCESS_ATTR, PUBLIC, TOKEN

API_ROOT = "/api/v1"
DOCS_PATH = f"{API_ROOT}/docs"  # the reference page: a page of the portal, with its session
MAX_LIMIT = 100
DEFAULT_LIMIT = 25
BEARER = "bearerAuth"
# Blueprint name -> the resource whose scopes guard it.
RESOURCE_OF: dict[str, str] = {}


class ApiV1(Api):
    """flask-smorest's Api, answering errors as problem details (app.errors does it for every path
    under /api/, also for URLs no blueprint matched) instead of its own error handler."""

    def _register_error_handlers(self):
        pass  # app.errors answers every error under /api/ with problem details

    def _register_responses(self):
        from app.api.schemas import ProblemSchema

        for status in HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = ProblemSchema
            prepare_response(response, self.spec, PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem details (RFC 9457)", "schema": ProblemSchema}
        prepare_response(response, self.spec, PROBLEM)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


api = ApiV1()


def api_config(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Customer programme API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_ROOT)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    # No Swagger UI, ReDoc or RapiDoc: they load from a CDN. /api/v1/docs is our own page.
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "Participants, companies, referrals, NPS answers, the content library and the points "
                                "ledger. Authenticate with a personal access token in the header “Authorization: Bearer <token>”."},
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {BEARER: {"type": "http", "scheme": "bearer",
                                                    "description": "A personal access token made by an admin."}}},
        "security": [{BEARER: []}],
    })


def scope_needed(resource: str, method: str) -> str:
    return f"{resource}:{'read' if method in ('GET', 'HEAD', 'OPTIONS') else 'write'}"


def _bearer() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def authenticate() -> None:
    """before_request of every resource: the token, then the scope. Only the header counts."""
    token = recognise(_bearer())
    if token is None:
        seclog.event("authn_token_invalid", "api", "unknown, revoked or expired" if _bearer() else "missing")
        raise ApiProblem(401, slug="unauthenticated")
    needed = scope_needed(RESOURCE_OF[request.blueprint], request.method)
    if needed not in token.scope_list:
        seclog.event("authz_fail", token.owner_id, request.endpoint or "-", token=token.id)
        raise ApiProblem(403, slug="scope", errors={"scope": [needed]})
    g.api_token = token
    g.api_actor = token.owner
    g.audit_via = {"via_api_token": token.name}
    if note_use(token):
        db.session.commit()


def actor():
    """The token's owner: the actor of every change a call makes."""
    return g.api_actor


def rate_key() -> str:
    """Per token (its secret hashed, so the counter store holds no secret); without one, per address."""
    secret = _bearer()
    if secret and secret.startswith(PREFIX):
        return "api:" + hashlib.sha256(secret.encode()).hexdigest()[:32]
    return "api-anonymous:" + get_remote_address()


def rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def resource_blueprint(name: str, resource: str, description: str) -> Blueprint:
    blp = Blueprint(f"api_{name}", __name__, url_prefix=f"{API_ROOT}/{name}", description=description)
    RESOURCE_OF[blp.name] = resource
    blp.before_request(authenticate)
    csrf.exempt(blp)
    limiter.limit(rate_limit, key_func=rate_key)(blp)
    return blp


def secured(resource: str, write: bool = False):
    """The operation's security in the document: the bearer token with this scope."""
    return {"security": [{BEARER: [f"{resource}:{'write' if write else 'read'}"]}]}


def problems(blp: Blueprint, *codes: int):
    """Document the problem answers an operation gives: always 401, 403 and 429, and these."""
    def decorate(view):
        for code in (401, 403, 429, *codes):
            view = blp.alt_response(code, response=HTTPStatus(code).name)(view)
        return view

    return decorate


# --- cursor pagination ----------------------------------------------------------------------------

def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode().rstrip("=")


def page_of(statement: Select, id_column, args: dict, *, scalars: bool = True) -> dict:
    """One page in id order after the cursor: `items` and `next_cursor` (None on the last page).
    Sets the `Link: <…>; rel="next"` header through `g`. With `scalars=False` the items are rows
    whose first element is the object."""
    limit = args.get("limit") or DEFAULT_LIMIT
    after = args.get("cursor")
    if after is not None:
        statement = statement.where(id_column > after)
    statement = statement.order_by(id_column).limit(limit + 1)
    rows = list(db.session.scalars(statement) if scalars else db.session.execute(statement))
    more = len(rows) > limit
    rows = rows[:limit]
    last = (rows[-1] if scalars else rows[-1][0]) if rows else None
    next_cursor = encode_cursor(last.id) if more and last is not None else None
    if next_cursor:
        query = {k: v for k, v in request.args.items() if k != "cursor"}
        query["cursor"] = next_cursor
        g.api_link = f'<{request.base_url}?{urlencode(query)}>; rel="next"'
    return {"items": rows, "next_cursor": next_cursor}


def _forget_token(_exc=None) -> None:
    """The token's audit note belongs to its own request only."""
    for name in ("api_token", "api_actor", "audit_via", "api_link"):
        g.pop(name, None)


def _link_header(response):
    link = g.get("api_link")
    if link:
        response.headers["Link"] = link
    return response


class ApiSessions(SecureCookieSessionInterface):
    """Cookie sessions as usual, except that an API response never sets or refreshes a cookie."""

    def save_session(self, app, session, response):
        if request.path.startswith("/api/") and not request.path.startswith(DOCS_PATH):
            return None
        return super().save_session(app, session, response)


def init_app(app: Flask, blueprints) -> None:
    api_config(app)
    api.init_app(app)
    for blp in blueprints:
        api.register_blueprint(blp)
        blp_name = blp.name
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith(f"{blp_name}."):
                setattr(app.view_functions[rule.endpoint], ACCESS_ATTR, TOKEN)
    spec_view = app.view_functions["api-docs.openapi_json"]

    def openapi_json():
        return spec_view()

    setattr(openapi_json, ACCESS_ATTR, PUBLIC)
    app.view_functions["api-docs.openapi_json"] = openapi_json
    app.after_request(_link_header)
    app.teardown_request(_forget_token)
    app.register_error_handler(ApiProblem, lambda exc: exc.response())
    app.session_interface = ApiSessions()
