"""The content library: approved contributions marketing may use now, each under its consent, and their export.

Which types belong here, what their channels, end dates and consent scope are, and how an item reads
in the export: each challenge type says so itself (`in_library` and the `library_*` methods).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_

from app import dates
from app.admin.moderation.common import PER_PAGE, answer_of, bp, submissions_with_their_people, type_label
from app.admin.moderation.forms import LibraryFilterForm
from app.audit.services import record
from app.auth.models import MARKETER, Company, User
from app.challenges import REGISTRY, ChallengeType, get_type
from app.challenges.registry import PUBLICATION_SCOPE, StaffAnswer, data_of
from app.extensions import db
from app.forms import choices
from app.htmx import render
from app.journey.models import APPROVED, Challenge, Submission
from app.pagination import paginate
from app.security import roles
from app.spreadsheet import csv_download


def _library_types() -> list[ChallengeType]:
    return [ctype for ctype in REGISTRY.values() if ctype.in_library]


def _filter_form() -> LibraryFilterForm:
    form = LibraryFilterForm(formdata=request.args, meta={"csrf": False})
    types = _library_types()
    channels: dict = {}
    for ctype in types:
        channels.update(ctype.usage_channels)
    form.type.choices = choices([("", _l("All types"))] + [(ctype.key, ctype.label) for ctype in types])
    form.channel.choices = choices([("", _l("All channels"))] + list(channels.items()))
    return form


def _filters(form: LibraryFilterForm) -> dict[str, str]:
    """The filters that were given and are valid; a wrong one is shown with its error and left out."""
    form.validate()
    return {name: f.data for name, f in form._fields.items()
            if name in ("type", "channel", "company", "q") and isinstance(f.data, str) and f.data and not f.errors}


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _library_query(filters: dict[str, str]):
    """Usable content only: approved, consent in force, not past its end date. Filtered in SQL with
    JSON operators that SQLAlchemy renders for SQLite (JSON_EXTRACT) and PostgreSQL (->>) alike."""
    types = _library_types()
    until = Submission.data["until"].as_string()
    query = (
        submissions_with_their_people()
        .where(Submission.status == APPROVED, Submission.consent_withdrawn_at.is_(None),
               Challenge.type_key.in_([ctype.key for ctype in types]),
               or_(until.is_(None), until == "", until >= dates.today().isoformat()))
    )
    if filters.get("type"):
        query = query.where(Challenge.type_key == filters["type"])
    if filters.get("channel"):
        # Channel keys come from a fixed list, so the quoted key cannot match anything but itself.
        query = query.where(Challenge.type_key.in_([ctype.key for ctype in types
                                                    if filters["channel"] in ctype.usage_channels]),
                            Submission.data["channels"].as_string().like(f'%"{filters["channel"]}"%'))
    if filters.get("company"):
        query = query.where(Company.name.ilike(_like(filters["company"]), escape="\\"))
    if filters.get("q"):
        pattern = _like(filters["q"])
        keys = dict.fromkeys(key for ctype in types for key in ctype.library_search_keys)
        columns = [*(Submission.data[key].as_string() for key in keys), User.name]
        query = query.where(or_(*(column.ilike(pattern, escape="\\") for column in columns)))
    # A quote challenge without review is approved at once and has no review moment.
    return query.order_by(func.coalesce(Submission.reviewed_at, Submission.created_at).desc(), Submission.id.desc())


@dataclass
class LibraryItem:
    submission: Submission
    type_label: str
    answer: StaffAnswer
    text: str  # the answer in one line, for the export
    channels: str
    until: date | None
    scope: dict[str, bool] | None  # what the customer allowed to be shown, when the type asks it

    @property
    def approved_at(self):
        return self.submission.reviewed_at or self.submission.created_at

    @property
    def may_show(self) -> dict[str, bool | None]:
        return {name: None if self.scope is None else self.scope.get(name) for name in PUBLICATION_SCOPE}


def _library_item(submission: Submission) -> LibraryItem:
    ctype = get_type(submission.challenge.type_key)  # the query only finds types in the library
    data = data_of(submission)
    return LibraryItem(submission, type_label(ctype.key), answer_of(submission), ctype.library_text(data),
                       ctype.library_channels(data), ctype.library_until(data), ctype.publication_scope(data))


@bp.route("/admin/library")
@roles(MARKETER)
def library():
    form = _filter_form()
    filters = _filters(form)
    page = paginate(_library_query(filters), per_page=PER_PAGE, scalars=True)
    return render("admin/moderation/library.html", status=422 if form.errors else 200, form=form,
                  filters=filters, page=page, items=[_library_item(s) for s in page.items])


def _yes_no(value: bool | None) -> str:
    return "" if value is None else (_("yes") if value else _("no"))


def _csv_row(item: LibraryItem) -> list[str]:
    s = item.submission
    shows = item.may_show
    return [item.type_label, s.user.name, s.user.company.name if s.user.company else "", item.text,
            *(_yes_no(shows[name]) for name in PUBLICATION_SCOPE), item.channels,
            item.until.isoformat() if item.until else "",
            item.approved_at.isoformat(timespec="minutes")]


@bp.route("/admin/library/export")
@roles(MARKETER)
def library_export():
    form = _filter_form()
    filters = _filters(form)
    if form.errors:
        page = paginate(_library_query(filters), per_page=PER_PAGE, scalars=True)
        return render("admin/moderation/library.html", status=422, form=form, filters=filters, page=page,
                      items=[_library_item(s) for s in page.items])
    header = [_("Type"), _("Customer"), _("Company"), _("Text or link"), _("May show name"),
              _("May show company"), _("May show logo"), _("May show photo"), _("Channels"),
              _("Valid until"), _("Approved at")]
    rows = [_csv_row(_library_item(submission))
            for submission in db.session.scalars(_library_query(filters).execution_options(yield_per=500))]
    # Who took a copy of consent-bound content, so a later withdrawal can be passed on to them.
    record(current_user, "library.export", None, _("Exported %(num)d library items", num=len(rows)),
           filters=filters, rows=len(rows))
    db.session.commit()
    return csv_download(header, rows, f"content-library-{dates.today().isoformat()}.csv")
