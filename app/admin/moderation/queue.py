"""The moderation queue: submissions waiting for marketing, approved or rejected one by one or in bulk."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.admin.moderation.common import PER_PAGE, answer_of, bp, submissions_with_their_people, type_label
from app.admin.moderation.forms import APPROVE, NOTE_MAX, ReviewForm
from app.auth.models import MARKETER
from app.challenges import REGISTRY
from app.challenges.registry import StaffAnswer
from app.extensions import db
from app.htmx import render, wants_fragment
from app.i18n_content import localized
from app.journey.models import APPROVED, PENDING, REJECTED, Challenge, Submission
from app.journey.progress import review_submission
from app.pagination import paginate, requested_page
from app.security import roles

BULK_MAX = 100  # ids per bulk approval: a few pages' worth, never an unbounded loop
MAX_ID = 2**31 - 1  # an INTEGER primary key; anything larger cannot exist (and PostgreSQL refuses it)


def _reviewable_keys() -> list[str]:
    # Level-3 types wait for sales, not for marketing: their points come at pipeline milestones.
    return sorted(key for key, ctype in REGISTRY.items() if ctype.awards_on_submit)


def _queue_query():
    return (
        submissions_with_their_people()
        .where(Submission.status == PENDING, Challenge.needs_review.is_(True),
               Challenge.type_key.in_(_reviewable_keys()))
    )


@dataclass
class QueueItem:
    submission: Submission
    type_label: str
    answer: StaffAnswer


def _queue_item(submission: Submission) -> QueueItem:
    return QueueItem(submission, type_label(submission.challenge.type_key), answer_of(submission))


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
    submission = db.session.scalar(
        select(Submission).join(Submission.challenge).options(contains_eager(Submission.challenge))
        .where(Submission.id == submission_id, Challenge.needs_review.is_(True),
               Challenge.type_key.in_(_reviewable_keys()))
    )
    if submission is None:
        abort(404)
    return submission


# --- Views ---------------------------------------------------------------------------------------

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
    submission = db.get_or_404(Submission, submission_id)
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
    if not review_submission(submission, current_user, approve, form.note.data or None):
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
    approved = sum(1 for submission in submissions if review_submission(submission, current_user, True, None))
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
