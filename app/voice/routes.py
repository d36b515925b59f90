"""The answers pages for marketing and sales (blueprint `voice_answers`): which challenges collect answers,
one challenge's answers with filters, search and CSV, and a poll's results with a chart beside its table.
Sales read their own accounts' customers only."""
from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app import dates
from app.analytics import charts
from app.auth.models import MARKETER, SALES
from app.challenges import get_type
from app.extensions import db
from app.htmx import render, wants_fragment
from app.journey.models import Challenge
from app.pagination import paginate
from app.security import roles
from app.spreadsheet import csv_download
from app.voice import answers, polls
from app.voice.forms import FILTERS, AnswerFilterForm

bp = Blueprint("voice_answers", __name__)

PER_PAGE = 25
INDEX_PER_PAGE = 50
RESULTS_ID = "answers-results"


def type_label(key: str) -> str:
    try:
        return str(get_type(key).label)
    except LookupError:
        return key


@bp.route("/answers")
@roles(MARKETER, SALES)
def index():
    page = paginate(answers.challenges_with_answers(current_user), per_page=INDEX_PER_PAGE)
    return render("voice/index.html", page=page, rows=[answers.challenge_answers(row) for row in page.items],
                  type_label=type_label)


def _challenge_or_404(challenge_id: int) -> Challenge:
    challenge = answers.challenge(challenge_id)
    if challenge is None:
        abort(404)
    return challenge


def _filter_form(scope) -> AnswerFilterForm:
    # Only the filters this form knows, each once: a hostile query string cannot add anything.
    formdata = MultiDict({key: request.args[key] for key in FILTERS if key in request.args})
    form = AnswerFilterForm(formdata=formdata, companies=answers.companies(scope),
                            managers=answers.account_managers(scope), levels=answers.levels())
    form.validate()
    return form


def _percent(value) -> str:
    return format_percent((value or 0) / 100, "#,##0%")


def _label(text: str, limit: int = 16) -> str:
    """A chart label that fits beside its bar; the table beside the chart has it in full."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _chart(tally):
    rows = [(_label(label), [tally.percent(count)]) for label, count in tally.options]
    return charts.bar_chart(rows, ["an-cur"], _percent, maximum=100)


@bp.route("/answers/<int:challenge_id>")
@roles(MARKETER, SALES)
def index_challenge(challenge_id: int):
    challenge = _challenge_or_404(challenge_id)
    scope = answers.reader_scope(current_user)
    form = _filter_form(scope)
    valid = form.valid()
    filters = form.filters(valid)
    args = form.args(valid)
    page = paginate(answers.answers_query(challenge, scope, filters), per_page=PER_PAGE)
    results = polls.poll_results(challenge, scope, filters, args.get("segment"))
    context = dict(
        challenge=challenge, form=form, page=page, args=args, filtered=bool(filters),
        rows=[answers.answer(row, challenge) for row in page.items], results=results,
        chart=_chart(results.overall) if results else None,
        segment_charts=[_chart(segment.tally) for segment in results.segments] if results else [],
        searchable=answers.searchable(challenge), percent=_percent, type_label=type_label,
        segment_title=str(polls.SEGMENTS[results.segment]) if results and results.segment else "",
        languages={"nl": _("Dutch"), "en": _("English")}, statuses=answers.STATUS_LABELS,
    )
    if wants_fragment() and request.htmx.target == RESULTS_ID:
        response = render("voice/_results.html", **context)
        # The address bar gets the tidy URL, without the empty fields.
        response.headers["HX-Push-Url"] = url_for(".index_challenge", challenge_id=challenge.id, **args,
                                                  page=page.page if page.page > 1 else None)
        return response
    return render("voice/answers.html", **context)


@bp.route("/answers/<int:challenge_id>/export")
@roles(MARKETER, SALES)
def index_challenge_export(challenge_id: int):
    """Exactly the rows the list shows with the same filters, every page of them."""
    challenge = _challenge_or_404(challenge_id)
    scope = answers.reader_scope(current_user)
    form = _filter_form(scope)
    filters = form.filters(form.valid())
    header = [_("Customer"), _("E-mail"), _("Company"), _("Account manager"), _("Customer's level"),
              _("Answered at"), _("Language"), _("Status"), _("Answer")]
    statement = answers.answers_query(challenge, scope, filters).execution_options(yield_per=500)
    rows = []
    for row in db.session.execute(statement):
        item = answers.answer(row, challenge)
        s, user = item.submission, item.customer
        rows.append([user.name, user.email, user.company.name if user.company else "",
                     item.manager.name if item.manager else "", item.level,
                     s.created_at.isoformat(timespec="minutes"), s.locale or "", _status(s.status), item.text])
    return csv_download(header, rows, f"answers-{challenge.id}-{dates.today().isoformat()}.csv")


def _status(status: str) -> str:
    return str(answers.STATUS_LABELS.get(status, status))
