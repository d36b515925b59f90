"""Every NPS answer with a reason, for staff: filter, search, page through, export as CSV.

Sales see their own accounts and their team's (app/nps/access.py). A fixed number of statements,
whatever the number of answers."""
from __future__ import annotations

from datetime import timedelta

from flask import request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from app import dates
from app.auth.models import MARKETER, SALES, Company, User
from app.dates import utcnow
from app.extensions import db
from app.htmx import render
from app.main.forms import LANGUAGE_NAMES
from app.nps.access import visible_companies
from app.nps.forms import CommentFilterForm
from app.nps.labels import CATEGORY_LABELS, PERIODS, SATISFACTION_LABELS, SOURCE_LABELS, period_labels
from app.nps.models import NpsResponse
from app.pagination import paginate
from app.security import roles
from app.spreadsheet import csv_download


def _filtered() -> tuple[CommentFilterForm, bool, object]:
    """The filter form read from the URL, whether it is valid, and the statement of the answers it keeps."""
    form = CommentFilterForm(formdata=request.args)
    form.fill_choices(current_user, period_labels())
    valid = form.validate()
    days = PERIODS.get(form.period.data) if not form.period.errors else None
    statement = (
        select(NpsResponse).join(User, User.id == NpsResponse.user_id)
        .where(NpsResponse.reason != "", *form.conditions(utcnow() - timedelta(days=days) if days else None))
    )
    companies = visible_companies(current_user)
    if companies is not None:
        statement = statement.where(NpsResponse.company_id.in_(companies))
    statement = statement.options(
        contains_eager(NpsResponse.user),
        joinedload(NpsResponse.company).joinedload(Company.account_manager),
    ).order_by(NpsResponse.created_at.desc(), NpsResponse.id.desc())
    return form, valid, statement


@roles(MARKETER, SALES)
def comments():
    form, valid, statement = _filtered()
    answers = paginate(statement, scalars=True)
    return render("nps/comments.html", form=form, answers=answers, args=form.args(), languages=LANGUAGE_NAMES,
                  status=200 if valid else 422)


@roles(MARKETER, SALES)
def comments_csv():
    form, valid, statement = _filtered()
    if not valid:
        return comments()
    header = [_("Date"), _("Customer"), _("Company"), _("Account manager"), _("Score"), _("Category"), _("Source"),
              _("Satisfaction"), _("Interested in more services"), _("Language"), _("Reason")]

    def row(answer: NpsResponse) -> list:
        company = answer.company
        return [
            format_date(answer.created_at, "yyyy-MM-dd"), answer.user.name, company.name if company else "",
            company.account_manager.name if company else "", answer.score, str(CATEGORY_LABELS[answer.category]),
            str(SOURCE_LABELS.get(answer.source, answer.source)),
            str(SATISFACTION_LABELS[answer.satisfaction]) if answer.satisfaction in SATISFACTION_LABELS else "",
            "" if answer.wants_more is None else (_("Yes") if answer.wants_more else _("No")),
            LANGUAGE_NAMES.get(answer.locale or "", ""), answer.reason,
        ]

    rows = (row(answer) for answer in db.session.scalars(statement.execution_options(yield_per=500)))
    return csv_download(header, rows, f"nps-comments-{dates.today().isoformat()}.csv")
