"""Moderation queue, content library and reward fulfilment: marketing's daily follow-up work.

Every decision is a conditional UPDATE (only while the item is still pending or requested), so two
marketers acting at the same moment never both succeed: the second one is told it was already done.
A decision, its points, the customer's notification and the audit entry are one commit.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import force_locale, format_date, gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import contains_eager
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from app.audit.services import record
from app.auth.models import MARKETER, Company, User
from app import dates
from app.dates import utcnow
from app.challenges import REGISTRY, get_type
from app.challenges.types import EVENT_ROLES, INTERVIEW_FORMATS, QUOTE_CHANNELS, REFERENCE_CONTACT, STORY_PERIODS
from app.extensions import db
from app.forms import Form, choices
from app.htmx import render, wants_fragment
from app.i18n_content import localized, localized_value
from app.journey.models import APPROVED, PENDING, REJECTED, Challenge, Submission
from app.journey.services import review_submission
from app.notifications.services import notify
from app.pagination import paginate, requested_page
from app.points.services import award_points
from app.rewards.models import CANCELLED, FULFILLED, REQUESTED, Redemption, Reward
from app.security import roles
from app.spreadsheet import csv_download

bp = Blueprint("admin_moderation", __name__)

PER_PAGE = 25
NOTE_MAX = 1000
BULK_MAX = 100  # ids per bulk approval: a few pages' worth, never an unbounded loop
MAX_ID = 2**31 - 1  # an INTEGER primary key; anything larger cannot exist (and PostgreSQL refuses it)
APPROVE, REJECT = "approve", "reject"

# What the content library holds: contributions we may use, each under its consent.
LIBRARY_TYPES = ("quote", "case_story", "review")
SCOPE = {"show_name": _l("Name"), "show_company": _l("Company name"), "show_logo": _l("Logo"), "show_photo": _l("Photo")}


_choices = choices


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _get_or_404(model, object_id: int):
    if not 0 < object_id <= MAX_ID:
        abort(404)
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def _in_both_languages(make: Callable[[str], str]) -> tuple[str, str]:
    """(Dutch, English) of a message for a customer: notifications are stored in both languages."""
    texts = []
    for locale in ("nl", "en"):
        with force_locale(locale):
            texts.append(make(locale))
    return texts[0], texts[1]


# --- What a customer sent, made safe to show ----------------------------------------------------

@dataclass
class Answer:
    text: str = ""  # the customer's own words, shown as a quote or paragraph
    url: str | None = None  # a link the customer gave (a review), only when it is plain http(s)
    facts: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    scope: list[tuple[str, bool]] = field(default_factory=list)  # publication consent: (what, allowed)


def _str(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _labels(keys, labels: dict) -> str:
    return ", ".join(str(labels[key]) for key in _list(keys) if isinstance(key, str) and key in labels)


def _iso_date(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


_URL = re.compile(r"https?://[^\s\\\x00-\x1f]+", re.IGNORECASE)


def _plain_url(value) -> str | None:
    """A link we can safely put in an href: http(s) only, no spaces, control characters or backslashes."""
    value = _str(value)
    return value if _URL.fullmatch(value) and len(value) <= 500 else None


def _until_text(until: date | None) -> str:
    return format_date(until) if until else _("No end date (until withdrawn)")


def answer_of(submission: Submission) -> Answer:
    """The full answer of any type, read defensively: old or odd data must never break the page."""
    data = submission.data if isinstance(submission.data, dict) else {}
    key = submission.challenge.type_key
    if key == "quote":
        return Answer(
            text=_str(data.get("quote")),
            facts=[(_("Channels"), _labels(data.get("channels"), QUOTE_CHANNELS) or _("None chosen")),
                   (_("Valid until"), _until_text(_iso_date(data.get("until"))))],
            scope=[(str(label), data.get(name) is True) for name, label in SCOPE.items()],
        )
    if key == "case_story":
        return Answer(facts=[
            (_("Consent to a story"), _("Yes") if data.get("agree_story") is True else _("No")),
            (_("Interview"), _labels([data.get("interview_format")], INTERVIEW_FORMATS) or "–"),
            (_("When"), _labels([data.get("period")], STORY_PERIODS) or "–"),
            (_("About"), _str(data.get("topics")) or "–"),
        ])
    if key == "review":
        raw = _str(data.get("review_url"))
        url = _plain_url(raw)
        facts = [(_("Site"), _str(data.get("site_name")) or "–")]
        if raw and not url:
            facts.append((_("Link as sent"), raw[:500]))
        return Answer(url=url, facts=facts)
    if key == "event":
        return Answer(facts=[
            (_("Event"), localized_value(data.get("event")).strip() or "–"),
            (_("Moment"), localized_value(data.get("slot_label")).strip() or "–"),
            (_("Role"), _labels([data.get("role")], EVENT_ROLES) or "–"),
            (_("Note"), _str(data.get("note")) or "–"),
        ])
    if key == "reference_call":
        return Answer(facts=[
            (_("Calls per quarter at most"), _str(data.get("calls_per_quarter")) or "–"),
            (_("Contact by"), _labels([data.get("contact")], REFERENCE_CONTACT) or "–"),
            (_("About"), _str(data.get("topics")) or "–"),
        ])
    if key == "question":
        return Answer(text=_str(data.get("answer")))
    try:
        return Answer(text=get_type(key).summary(submission))
    except (LookupError, AttributeError, TypeError, ValueError):
        return Answer()


def _type_label(key: str) -> str:
    try:
        return str(get_type(key).label)
    except LookupError:
        return key


# --- Moderation queue ---------------------------------------------------------------------------

def _reviewable_keys() -> list[str]:
    # Level-3 types wait for sales, not for marketing: their points come at pipeline milestones.
    return sorted(key for key, ctype in REGISTRY.items() if ctype.awards_on_submit)


def _queue_query():
    return (
        select(Submission)
        .join(Submission.challenge)
        .join(Submission.user)
        .outerjoin(User.company)
        .options(contains_eager(Submission.challenge), contains_eager(Submission.user).contains_eager(User.company))
        .where(Submission.status == PENDING, Challenge.needs_review.is_(True),
               Challenge.type_key.in_(_reviewable_keys()))
    )


class ReviewForm(Form):
    decision = StringField(validators=[InputRequired(_l("Choose approve or reject.")),
                                       AnyOf([APPROVE, REJECT], message=_l("Choose approve or reject."))])
    note = TextAreaField(
        _l("Note to the customer"), filters=[_strip],
        description=_l("Required when you reject: say why, and what would work. The customer reads it."),
        # No Optional() here: it would stop the chain before validate_note runs on an empty note.
        validators=[Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters.", max=NOTE_MAX))],
    )

    def validate_note(form, field):
        if form.decision.data == REJECT and not field.data:
            raise ValidationError(_l("Write a note for the customer: why it is rejected and what would work."))


@dataclass
class QueueItem:
    submission: Submission
    type_label: str
    answer: Answer


def _queue_item(submission: Submission) -> QueueItem:
    return QueueItem(submission, _type_label(submission.challenge.type_key), answer_of(submission))


def _render_queue(status: int = 200, forms: dict | None = None):
    page = paginate(_queue_query().order_by(Submission.created_at, Submission.id), per_page=PER_PAGE, scalars=True)
    items = [_queue_item(s) for s in page.items]
    return render("admin/moderation/queue.html", status=status, page=page, items=items, forms=forms or {},
                  note_max=NOTE_MAX)


@bp.route("/admin/moderation")
@roles(MARKETER)
def queue():
    return _render_queue()


def _queue_submission_or_404(submission_id: int) -> Submission:
    """A submission that belongs in this queue (whatever its status now), or 404."""
    if not 0 < submission_id <= MAX_ID:
        abort(404)
    submission = db.session.scalar(
        select(Submission).join(Submission.challenge).options(contains_eager(Submission.challenge))
        .where(Submission.id == submission_id, Challenge.needs_review.is_(True),
               Challenge.type_key.in_(_reviewable_keys()))
    )
    if submission is None:
        abort(404)
    return submission


def _tell_customer(submission: Submission, approved: bool, note: str | None) -> None:
    challenge = submission.challenge
    ctype = get_type(challenge.type_key)
    if ctype.contribution:
        link = url_for("customer.contributions", _external=True)
    else:
        link = url_for("journey.challenge", challenge_id=challenge.id, _external=True)
    points = challenge.points

    def message(_locale: str) -> str:
        title = localized(challenge, "title")
        if approved:
            text = (ngettext("Your contribution to “%(title)s” is approved. You earned %(num)d point.",
                             "Your contribution to “%(title)s” is approved. You earned %(num)d points.",
                             points, title=title)
                    if points else _("Your contribution to “%(title)s” is approved. Thank you!", title=title))
        else:
            text = _("Your contribution to “%(title)s” was not accepted.", title=title)
        if note:
            text += " " + _("Note from our team: %(note)s", note=note)
        return text

    text_nl, text_en = _in_both_languages(message)
    notify(submission.user, "review", text_nl, text_en, link)


def _decide(submission: Submission, approve: bool, note: str | None) -> bool:
    """Approve or reject one pending submission: points, notification and audit. False if already decided."""
    if not review_submission(submission, current_user, approve, note):
        return False
    _tell_customer(submission, approve, note)
    title = submission.challenge.title_en
    record(current_user, "submission.approve" if approve else "submission.reject", submission,
           _("Approved “%(title)s” by %(name)s", title=title, name=submission.user.name) if approve
           else _("Rejected “%(title)s” by %(name)s", title=title, name=submission.user.name),
           challenge_id=submission.challenge_id, customer_id=submission.user_id, note=note,
           points=submission.challenge.points if approve else 0)
    return True


def _outcome_message(submission: Submission, approved: bool) -> str:
    title, name = localized(submission.challenge, "title"), submission.user.name
    if not approved:
        return _("Rejected: “%(title)s” by %(name)s. We told the customer why.", title=title, name=name)
    if not submission.challenge.points:
        return _("Approved: “%(title)s” by %(name)s.", title=title, name=name)
    return ngettext("Approved: “%(title)s” by %(name)s. %(num)d point awarded.",
                    "Approved: “%(title)s” by %(name)s. %(num)d points awarded.",
                    submission.challenge.points, title=title, name=name)


def _already_reviewed(submission: Submission):
    submission_id = submission.id
    db.session.rollback()  # the decision that lost the race changed nothing; read the winner's
    submission = _get_or_404(Submission, submission_id)
    outcome = {APPROVED: _("approved"), REJECTED: _("rejected")}.get(submission.status, submission.status)
    who = submission.reviewer.name if submission.reviewer else _("someone else")
    message = _("“%(title)s” by %(name)s was already reviewed by %(who)s: %(outcome)s. Nothing was changed.",
                title=localized(submission.challenge, "title"), name=submission.user.name, who=who, outcome=outcome)
    if wants_fragment():
        return render("admin/moderation/_result.html", status=409, item_id=f"submission-{submission.id}",
                      message=message, category="error")
    flash(message, "error")
    return _render_queue(status=409)


@bp.route("/admin/moderation/<int:submission_id>/review", methods=["POST"])
@roles(MARKETER)
def queue_review(submission_id: int):
    submission = _queue_submission_or_404(submission_id)
    if submission.status != PENDING:
        return _already_reviewed(submission)
    form = ReviewForm()
    if not form.validate():
        if wants_fragment():
            return render("admin/moderation/_queue_item.html", status=422, item=_queue_item(submission), form=form,
                          note_max=NOTE_MAX)
        return _render_queue(status=422, forms={submission.id: form})
    approve = form.decision.data == APPROVE
    if not _decide(submission, approve, form.note.data or None):
        return _already_reviewed(submission)
    db.session.commit()
    message = _outcome_message(submission, approve)
    if wants_fragment():
        return render("admin/moderation/_result.html", item_id=f"submission-{submission.id}", message=message,
                      category="success")
    flash(message, "success")
    return redirect(_queue_url(), 303)


def _queue_url() -> str:
    """Back to the page of the queue the marketer was on (the forms carry it in their action)."""
    page = requested_page()
    return url_for("admin_moderation.queue", page=page if page > 1 else None)


def _chosen_ids(values: list[str]) -> list[int]:
    ids = [int(v) for v in values if isinstance(v, str) and re.fullmatch(r"[0-9]{1,10}", v)]
    return list(dict.fromkeys(i for i in ids if 0 < i <= MAX_ID))


@bp.route("/admin/moderation/bulk", methods=["POST"])
@roles(MARKETER)
def queue_bulk():
    # The CSRF token is checked by CSRFProtect before any POST reaches a view.
    ids = _chosen_ids(request.form.getlist("ids"))
    if not ids or len(ids) > BULK_MAX:
        message = (_("Select at most %(max)d submissions at once.", max=BULK_MAX) if len(ids) > BULK_MAX
                   else _("Select at least one submission to approve."))
        flash(message, "error")
        return _render_queue(status=422)
    submissions = list(db.session.scalars(
        _queue_query().where(Submission.id.in_(ids)).order_by(Submission.created_at, Submission.id)
    ))
    approved = sum(1 for submission in submissions if _decide(submission, True, None))
    db.session.commit()
    handled = len(ids) - approved
    message = ngettext("%(num)d submission approved.", "%(num)d submissions approved.", approved)
    if handled:
        message += " " + ngettext("%(num)d was already handled by someone else.",
                                  "%(num)d were already handled by someone else.", handled)
    flash(message, "success" if approved else "info")
    if wants_fragment():
        return _render_queue()
    return redirect(_queue_url(), 303)


# --- Content library ----------------------------------------------------------------------------

class LibraryFilterForm(Form):
    type = SelectField(_l("Type"), default="")
    channel = SelectField(_l("Channel"), default="", description=_l("Only quotes have channels."))
    company = StringField(_l("Company"), filters=[_strip],
                          validators=[Optional(), Length(max=200, message=_l("Use at most %(max)d characters.", max=200))])
    q = StringField(_l("Search"), filters=[_strip],
                    validators=[Optional(), Length(max=200, message=_l("Use at most %(max)d characters.", max=200))])


def _filter_form() -> LibraryFilterForm:
    form = LibraryFilterForm(formdata=request.args, meta={"csrf": False})
    form.type.choices = _choices([("", _l("All types"))] + [(key, get_type(key).label) for key in LIBRARY_TYPES])
    form.channel.choices = _choices([("", _l("All channels"))] + list(QUOTE_CHANNELS.items()))
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
    until = Submission.data["until"].as_string()
    query = (
        select(Submission)
        .join(Submission.challenge)
        .join(Submission.user)
        .outerjoin(User.company)
        .options(contains_eager(Submission.challenge), contains_eager(Submission.user).contains_eager(User.company))
        .where(Submission.status == APPROVED, Submission.consent_withdrawn_at.is_(None),
               Challenge.type_key.in_(LIBRARY_TYPES),
               or_(until.is_(None), until == "", until >= dates.today().isoformat()))
    )
    if filters.get("type"):
        query = query.where(Challenge.type_key == filters["type"])
    if filters.get("channel"):
        # Channel keys come from a fixed list, so the quoted key cannot match anything but itself.
        query = query.where(Challenge.type_key == "quote",
                            Submission.data["channels"].as_string().like(f'%"{filters["channel"]}"%'))
    if filters.get("company"):
        query = query.where(Company.name.ilike(_like(filters["company"]), escape="\\"))
    if filters.get("q"):
        pattern = _like(filters["q"])
        query = query.where(or_(*(
            column.ilike(pattern, escape="\\") for column in (
                Submission.data["quote"].as_string(), Submission.data["topics"].as_string(),
                Submission.data["review_url"].as_string(), User.name,
            )
        )))
    # A quote challenge without review is approved at once and has no review moment.
    return query.order_by(func.coalesce(Submission.reviewed_at, Submission.created_at).desc(), Submission.id.desc())


@dataclass
class LibraryItem:
    submission: Submission
    type_label: str
    answer: Answer
    channels: str
    until: date | None

    @property
    def approved_at(self):
        return self.submission.reviewed_at or self.submission.created_at

    @property
    def may_show(self) -> dict[str, bool | None]:
        data = self.submission.data if isinstance(self.submission.data, dict) else {}
        is_quote = self.submission.challenge.type_key == "quote"
        return {name: (data.get(name) is True) if is_quote else None for name in SCOPE}


def _library_item(submission: Submission) -> LibraryItem:
    data = submission.data if isinstance(submission.data, dict) else {}
    return LibraryItem(submission, _type_label(submission.challenge.type_key), answer_of(submission),
                       _labels(data.get("channels"), QUOTE_CHANNELS), _iso_date(data.get("until")))


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


def _csv_text(submission: Submission) -> str:
    """The quote, the review link, or what a case story is about (format · period · topics)."""
    data = submission.data if isinstance(submission.data, dict) else {}
    key = submission.challenge.type_key
    if key == "quote":
        return _str(data.get("quote"))
    if key == "review":
        return _str(data.get("review_url"))
    parts = [_labels([data.get("interview_format")], INTERVIEW_FORMATS), _labels([data.get("period")], STORY_PERIODS),
             _str(data.get("topics"))]
    return " · ".join(part for part in parts if part)


def _csv_row(item: LibraryItem) -> list[str]:
    s = item.submission
    text = _csv_text(s)
    shows = item.may_show
    return [item.type_label, s.user.name, s.user.company.name if s.user.company else "", text,
            *(_yes_no(shows[name]) for name in SCOPE), item.channels,
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
    response = csv_download(header, rows, f"content-library-{dates.today().isoformat()}.csv")
    return response


# --- Reward fulfilment --------------------------------------------------------------------------

FULFILMENT_VIEWS = {REQUESTED: _l("To do"), FULFILLED: _l("Fulfilled"), CANCELLED: _l("Cancelled")}


class CancelForm(Form):
    note = TextAreaField(
        _l("Note to the customer (optional)"), filters=[_strip],
        validators=[Optional(), Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters.", max=NOTE_MAX))],
    )


def _fulfilment_view() -> str:
    status = request.args.get("status", REQUESTED)
    return status if status in FULFILMENT_VIEWS else REQUESTED


def _render_fulfilment(status: int = 200, forms: dict | None = None, view: str | None = None):
    view = view or _fulfilment_view()
    query = (
        select(Redemption)
        .join(Redemption.user)
        .outerjoin(User.company)
        .join(Redemption.reward)
        .options(contains_eager(Redemption.user).contains_eager(User.company), contains_eager(Redemption.reward))
        .where(Redemption.status == view)
    )
    # The to-do list oldest first (first come, first served); history newest first.
    order = (Redemption.created_at, Redemption.id) if view == REQUESTED else (
        Redemption.updated_at.desc(), Redemption.id.desc())
    page = paginate(query.order_by(*order), per_page=PER_PAGE, scalars=True)
    return render("admin/moderation/fulfilment.html", status=status, page=page, view=view, views=FULFILMENT_VIEWS,
                  forms=forms or {}, note_max=NOTE_MAX)


@bp.route("/admin/fulfilment")
@roles(MARKETER)
def fulfilment():
    return _render_fulfilment()


def _settle_redemption(redemption: Redemption, new_status: str) -> bool:
    """Move a requested redemption on; False when someone else already did."""
    result = db.session.execute(
        update(Redemption).where(Redemption.id == redemption.id, Redemption.status == REQUESTED)
        .values(status=new_status, updated_at=utcnow()).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(redemption)
    return True


def _already_settled(redemption: Redemption):
    redemption_id = redemption.id
    db.session.rollback()
    redemption = _get_or_404(Redemption, redemption_id)
    outcome = {FULFILLED: _("fulfilled"), CANCELLED: _("cancelled")}.get(redemption.status, redemption.status)
    message = _("“%(reward)s” for %(name)s was already handled: %(outcome)s. Nothing was changed.",
                reward=localized(redemption.reward, "name"), name=redemption.user.name, outcome=outcome)
    if wants_fragment():
        return render("admin/moderation/_result.html", status=409, item_id=f"redemption-{redemption.id}",
                      message=message, category="error")
    flash(message, "error")
    return _render_fulfilment(status=409, view=REQUESTED)


def _done(redemption: Redemption, message: str):
    if wants_fragment():
        return render("admin/moderation/_result.html", item_id=f"redemption-{redemption.id}", message=message,
                      category="success")
    flash(message, "success")
    return redirect(url_for("admin_moderation.fulfilment"), 303)


@bp.route("/admin/fulfilment/<int:redemption_id>/fulfil", methods=["POST"])
@roles(MARKETER)
def fulfilment_fulfil(redemption_id: int):
    redemption = _get_or_404(Redemption, redemption_id)
    if redemption.status != REQUESTED or not _settle_redemption(redemption, FULFILLED):
        return _already_settled(redemption)
    reward = redemption.reward
    text_nl, text_en = _in_both_languages(
        lambda _locale: _("Your reward “%(reward)s” is arranged. Enjoy it, and thank you for being an ambassador!",
                          reward=localized(reward, "name")))
    notify(redemption.user, "reward", text_nl, text_en, url_for("customer.rewards", _external=True))
    record(current_user, "redemption.fulfil", redemption,
           _("Fulfilled “%(reward)s” for %(name)s", reward=reward.name_en, name=redemption.user.name),
           reward_id=reward.id, customer_id=redemption.user_id)
    db.session.commit()
    return _done(redemption, _("Fulfilled: “%(reward)s” for %(name)s. We let the customer know.",
                               reward=localized(reward, "name"), name=redemption.user.name))


@bp.route("/admin/fulfilment/<int:redemption_id>/cancel", methods=["POST"])
@roles(MARKETER)
def fulfilment_cancel(redemption_id: int):
    redemption = _get_or_404(Redemption, redemption_id)
    if redemption.status != REQUESTED:
        return _already_settled(redemption)
    form = CancelForm()
    if not form.validate():
        if wants_fragment():
            return render("admin/moderation/_redemption_row.html", status=422, redemption=redemption, form=form,
                          views=FULFILMENT_VIEWS, note_max=NOTE_MAX)
        return _render_fulfilment(status=422, forms={redemption.id: form}, view=REQUESTED)
    if not _settle_redemption(redemption, CANCELLED):
        return _already_settled(redemption)
    reward, points = redemption.reward, redemption.points_spent
    if points > 0:
        reasons = _in_both_languages(lambda _locale: _("Returned: %(reward)s", reward=localized(reward, "name")))
        # A unique ledger source: a retry or a double click returns the points once.
        award_points(redemption.user_id, points, "redemption_refund", redemption.id, *reasons)
    # Conditional: only a reward with a stock count gets its unit back; unlimited stays unlimited.
    db.session.execute(
        update(Reward).where(Reward.id == reward.id, Reward.stock.is_not(None)).values(stock=Reward.stock + 1)
        .execution_options(synchronize_session=False)
    )
    note = form.note.data or None

    def message(_locale: str) -> str:
        name = localized(reward, "name")
        text = (ngettext("We cancelled your claim for “%(reward)s”. Your %(num)d point is back in your balance.",
                         "We cancelled your claim for “%(reward)s”. Your %(num)d points are back in your balance.",
                         points, reward=name)
                if points else _("We cancelled your claim for “%(reward)s”.", reward=name))
        if note:
            text += " " + _("Note from our team: %(note)s", note=note)
        return text

    text_nl, text_en = _in_both_languages(message)
    notify(redemption.user, "reward", text_nl, text_en, url_for("customer.rewards", _external=True))
    record(current_user, "redemption.cancel", redemption,
           _("Cancelled “%(reward)s” for %(name)s", reward=reward.name_en, name=redemption.user.name),
           reward_id=reward.id, customer_id=redemption.user_id, points_returned=points, note=note)
    db.session.commit()
    done = (ngettext("Cancelled: “%(reward)s” for %(name)s. %(num)d point returned.",
                     "Cancelled: “%(reward)s” for %(name)s. %(num)d points returned.",
                     points, reward=localized(reward, "name"), name=redemption.user.name)
            if points else _("Cancelled: “%(reward)s” for %(name)s.", reward=localized(reward, "name"),
                             name=redemption.user.name))
    return _done(redemption, done)

