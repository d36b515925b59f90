"""The audit log page for admins."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import get_locale

from app.audit.services import log
from app.auth.models import ADMIN
from app.htmx import render
from app.pagination import paginate
from app.security import roles

bp = Blueprint("admin_audit", __name__)


@bp.route("/admin/audit")
@roles(ADMIN)
def index():
    entries = paginate(log(str(get_locale())), per_page=50)
    return render("audit/index.html", entries=entries)
