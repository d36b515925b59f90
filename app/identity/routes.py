"""The logo, served from our own origin. The URL carries the logo's version, so browsers may keep it
for a year: a new upload gets a new URL, and an old URL is a 404."""
from __future__ import annotations

from flask import Blueprint, Response, abort

from app.identity.models import LOGO_TYPES
from app.identity.services import identity, logo_of
from app.security import public

bp = Blueprint("identity", __name__)
YEAR = 365 * 24 * 60 * 60


@bp.route("/brand/logo-<int:version>.<extension>")
@public
def logo(version: int, extension: str):
    row = logo_of(version)
    if row is None or row.logo is None or LOGO_TYPES.get(row.logo_type or "") != extension:
        abort(404)
    response = Response(row.logo, mimetype=row.logo_type)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response.headers["Content-Disposition"] = f'inline; filename="logo.{extension}"'
    return response


@bp.app_template_global("identity")
def identity_for_templates():
    """`identity()` in every template, pages and mail alike."""
    return identity()
