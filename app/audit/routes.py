"""The audit log for admins: filter, read in your own language, follow an entry to its object, export."""
from __future__ import annotations

from flask import Blueprint, request
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _

from app import dates
from app.audit import reading
from app.audit.forms import AuditFilterForm
from app.auth.models import ADMIN
from app.htmx import render
from app.security import roles
from app.spreadsheet import csv_download

bp = Blueprint("admin_audit", __name__)


def _cursor(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def _filter_args(form: AuditFilterForm) -> dict:
    """The filters as query arguments, for the pager and the export link."""
    return {name: request.args[name] for name in ("actor", "action", "object_type", "since", "until")
            if request.args.get(name) and not form[name].errors}


@bp.route("/admin/audit")
@roles(ADMIN)
def index():
    form = AuditFilterForm(request.args)
    valid = form.validate()
    filters = form.filters() if valid else reading.Filters()
    page = reading.page(filters, before=_cursor("before"), after=_cursor("after"))
    lines = reading.lines(page.items, str(get_locale()))
    return render("audit/index.html", form=form, page=page, lines=lines, args=_filter_args(form) if valid else {},
                  status=200 if valid else 422)


@bp.route("/admin/audit.csv")
@roles(ADMIN)
def export():
    form = AuditFilterForm(request.args)
    if not form.validate():
        return index()
    locale = str(get_locale())

    def row(line: reading.Line) -> list:
        obj = line.obj
        return [
            format_datetime(line.entry.created_at, "yyyy-MM-dd HH:mm"), line.actor or _("(removed account)"),
            line.entry.action, line.what,
            obj.type_label if obj else "", line.entry.target_id or "", (obj.name or "") if obj else "",
            "; ".join(filter(None, [line.detail, line.summary, *(f"{label}: {value}" for label, value in line.facts)])),
            "; ".join(f"{label}: {before} → {after}" for label, before, after in line.changes),
        ]

    header = [_("When"), _("Who"), _("Action code"), _("What"), _("Object"), _("Object number"), _("Name"),
              _("Details"), _("Changes")]
    rows = (row(line) for line in reading.export_lines(form.filters(), locale))
    return csv_download(header, rows, f"audit-log-{dates.today().isoformat()}.csv")
