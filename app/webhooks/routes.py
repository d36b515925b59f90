"""Webhook endpoints for admins: add (the secret is shown once), edit, rotate the secret, send a test
event, delete; and per endpoint the delivery log with a replay button."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.audit.services import record
from app.auth.models import ADMIN
from app.extensions import db
from app.htmx import render, wants_fragment
from app.integrations.targets import UnsafeTarget, check_target
from app.pagination import paginate
from app.security import roles
from app.webhooks import services
from app.webhooks.delivery import deliver_due
from app.webhooks.forms import EndpointForm
from app.webhooks.models import WebhookEndpoint, WebhookMessage

bp = Blueprint("admin_webhooks", __name__, url_prefix="/admin/webhooks")

PER_PAGE = 25


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    return db.get_or_404(WebhookEndpoint, endpoint_id)


def _checked(form: EndpointForm) -> bool:
    """The form is valid and its address may be called (the outgoing-request guard)."""
    if not form.validate_on_submit():
        return False
    try:
        form.url.data = check_target(form.url.data, allow_private=form.allow_private.data)
    except UnsafeTarget as exc:
        form.url.errors = [*form.url.errors, str(exc)]
        return False
    return True


def _values(form: EndpointForm) -> dict:
    return {"url": form.url.data, "description": form.description.data or "", "events": form.events.data,
            "enabled": form.enabled.data, "allow_private": form.allow_private.data}


@bp.route("")
@roles(ADMIN)
def index():
    return render("admin/webhooks/index.html", endpoints=services.endpoints())


@bp.route("/new", methods=["GET", "POST"])
@roles(ADMIN)
def new():
    form = EndpointForm()
    if request.method == "POST":
        if not _checked(form):
            return render("admin/webhooks/form.html", form=form, endpoint=None, status=422)
        endpoint = services.create_endpoint(**_values(form))
        record(current_user, "webhook.create", endpoint, summary=_l("Webhook endpoint added"),
               after={key: value for key, value in _values(form).items()})
        db.session.commit()
        # The secret is shown this once, on this answer; it is never shown again.
        return render("admin/webhooks/secret.html", endpoint=endpoint, secret=endpoint.secret, rotated=False)
    return render("admin/webhooks/form.html", form=form, endpoint=None)


@bp.route("/<int:endpoint_id>", methods=["GET", "POST"])
@roles(ADMIN)
def edit(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    form = EndpointForm(obj=endpoint) if request.method == "GET" else EndpointForm()
    if request.method == "POST":
        if not _checked(form):
            return render("admin/webhooks/form.html", form=form, endpoint=endpoint, status=422)
        changes = services.update_endpoint(endpoint, **_values(form))
        if changes:
            record(current_user, "webhook.update", endpoint, summary=_l("Webhook endpoint changed"), changes=changes)
        db.session.commit()
        flash(_("Saved.") if changes else _("Nothing was changed."), "success")
        return redirect(url_for(".edit", endpoint_id=endpoint.id), 303)
    return render("admin/webhooks/form.html", form=form, endpoint=endpoint)


@bp.route("/<int:endpoint_id>/rotate", methods=["POST"])
@roles(ADMIN)
def rotate(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    secret = services.rotate_secret(endpoint)
    record(current_user, "webhook.rotate", endpoint, summary=_l("Webhook secret rotated"))
    db.session.commit()
    return render("admin/webhooks/secret.html", endpoint=endpoint, secret=secret, rotated=True)


@bp.route("/<int:endpoint_id>/delete", methods=["POST"])
@roles(ADMIN)
def delete(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    record(current_user, "webhook.delete", endpoint, summary=_l("Webhook endpoint deleted"), url=endpoint.url)
    services.delete_endpoint(endpoint)
    db.session.commit()
    flash(_("The webhook endpoint was deleted."), "success")
    return redirect(url_for(".index"), 303)


def _result(endpoint: WebhookEndpoint, message: WebhookMessage | None, text: str, category: str, status: int,
            item_id: str):
    if wants_fragment():
        return render("admin/webhooks/_result.html", status=status, item_id=item_id, message=text, category=category)
    flash(text, category)
    return redirect(url_for(".log", endpoint_id=endpoint.id), 303)


@bp.route("/<int:endpoint_id>/test", methods=["POST"])
@roles(ADMIN)
def test(endpoint_id: int):
    """Queue a `webhook.test` message and try it at once (the log keeps the attempt)."""
    endpoint = _endpoint(endpoint_id)
    message = services.queue_test(endpoint)
    record(current_user, "webhook.test", endpoint, summary=_l("Test event sent to a webhook endpoint"))
    db.session.commit()
    if not endpoint.enabled:
        return _result(endpoint, message, _("The test event is queued; it is sent once the endpoint is enabled."),
                       "error", 409, f"test-{endpoint.id}")
    counts = deliver_due(only_ids=[message.id])
    db.session.refresh(message)
    if counts["sent"]:
        return _result(endpoint, message, _("The test event was delivered."), "success", 200, f"test-{endpoint.id}")
    return _result(endpoint, message, _("The test event was not accepted; see the delivery log. It is retried."),
                   "error", 200, f"test-{endpoint.id}")


@bp.route("/<int:endpoint_id>/log")
@roles(ADMIN)
def log(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    page = paginate(services.message_log(endpoint.id), per_page=PER_PAGE, scalars=True)
    attempts = services.attempts_of([message.id for message in page.items])
    return render("admin/webhooks/log.html", endpoint=endpoint, page=page, attempts=attempts)


@bp.route("/deliveries/<int:message_id>/replay", methods=["POST"])
@roles(ADMIN)
def replay(message_id: int):
    message = db.get_or_404(WebhookMessage, message_id)
    if services.replay(message):
        record(current_user, "webhook.replay", message.endpoint, summary=_l("Webhook message queued again"),
               message=message.msg_id, event=message.event_type)
        db.session.commit()
        text, category, status = _("Queued again with the same webhook-id: it is sent within a minute."), "success", 200
    else:
        text, category, status = _("This message is waiting to be sent already, or was erased. Nothing was changed."), \
            "error", 409
    return _result(message.endpoint, message, text, category, status, f"replay-{message.id}")


