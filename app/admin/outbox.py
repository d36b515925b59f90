"""Undelivered e-mail for admins: messages that stayed undeliverable for the whole retry window, each
with its last error and a button that queues it again; above them, whether the worker is running."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.audit.services import record
from app.auth.models import ADMIN
from app.dates import utcnow
from app.extensions import db
from app.htmx import render, wants_fragment
from app.jobs.heartbeat import latest
from app.mail import OutboxMessage, dead_mail, requeue
from app.pagination import paginate
from app.security import roles

bp = Blueprint("admin_outbox", __name__, url_prefix="/admin")

PER_PAGE = 25


@bp.route("/outbox")
@roles(ADMIN)
def index():
    page = paginate(dead_mail(), per_page=PER_PAGE, scalars=True)
    worker = latest()
    age = (utcnow() - worker.beat_at).total_seconds() if worker else None
    stale = age is not None and age > current_app.config["WORKER_STALE_AFTER"]
    return render("admin/outbox.html", page=page, worker=worker, worker_age=age, worker_stale=stale)


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@roles(ADMIN)
def retry(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    if requeue(message.id):
        # Who and which message, not the address or the text: the audit log outlives the mail.
        record(current_user, "mail.retry", message, summary=_l("E-mail queued again for delivery"), kind=message.kind)
        db.session.commit()
        text, category, status = _("Queued again: the mail worker will try to deliver it within a minute."), "success", 200
    else:
        text, category, status = _("This e-mail was already queued again or delivered. Nothing was changed."), "error", 409
    if wants_fragment():
        return render("admin/_outbox_result.html", status=status, item_id=f"mail-{message_id}", message=text,
                      category=category)
    flash(text, category)
    return redirect(url_for(".index"), 303)
