"""A sales person's own chat alert channels (and their team's, when they lead one), and the page
shared with the admin's version of it (app/chat/admin_routes.py)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.models import ADMIN, SALES, User
from app.chat import services
from app.chat.forms import REMOVE, ChannelForm, kind_labels
from app.chat.models import PERSONAL, SLACK, TEAM
from app.extensions import db
from app.htmx import redirect_to, render, wants_fragment
from app.security import roles

bp = Blueprint("chat", __name__, url_prefix="/sales")


def _form(scope: str, channel, formdata=None) -> ChannelForm:
    if formdata is not None:
        return ChannelForm(formdata=formdata, prefix=scope, has_url=channel is not None)
    return ChannelForm(formdata=None, prefix=scope, has_url=channel is not None,
                       kind=channel.kind if channel else SLACK, enabled=channel.enabled if channel else True)


def _posted_scope(scopes: tuple[str, ...]) -> str:
    scope = request.form.get("scope")
    if scope not in scopes:
        abort(404)  # a team channel for someone who leads no team, or nothing sensible
    return scope


def settings_page(person: User, page_url: str, test_url: str, nav: str):
    """GET shows both channels; POST saves or removes the one named by `scope`."""
    scopes = services.scopes_for(person)
    channels = services.channels_of(person.id)
    forms = {scope: _form(scope, channels.get(scope)) for scope in scopes}
    status = 200
    if request.method == "POST":
        scope = _posted_scope(scopes)
        channel = channels.get(scope)
        if request.form.get("action") == REMOVE:
            if channel is not None:
                services.remove_channel(channel, current_user)
                db.session.commit()
                flash(_("The channel is removed: no more chat alerts go there."), "success")
            return redirect_to(page_url)
        form = forms[scope] = _form(scope, channel, request.form)
        if form.validate_on_submit():
            services.save_channel(person, scope, form.kind.data, form.url.data or None, form.enabled.data, current_user)
            db.session.commit()
            flash(_("The channel is saved. Send a test message to see it arrive."), "success")
            return redirect_to(page_url)
        status = 422
    failures = services.recent_failures([c.id for c in channels.values()])
    return render("chat/settings.html", person=person, forms=forms, channels=channels, failures=failures,
                  page_url=page_url, test_url=test_url, nav=nav, kinds=kind_labels(), mask=services.mask,
                  PERSONAL=PERSONAL, TEAM=TEAM, status=status)


def test_send(person: User, page_url: str):
    """Post a test message to the saved channel now and say what the receiver answered."""
    channel = services.channels_of(person.id).get(_posted_scope(services.scopes_for(person)))
    if channel is None:
        abort(404)
    answer = services.send_test(channel, person.locale)
    if answer.ok:
        text, category = _("The test message was delivered (the receiver answered %(status)s).", status=answer.status), "success"
    elif answer.status is not None:
        text, category = _("The test message was not accepted: the receiver answered %(status)s.", status=answer.status), "error"
    else:
        text, category = _("The test message could not be delivered: %(error)s", error=answer.error or ""), "error"
    if wants_fragment():
        return render("chat/_test_result.html", item_id=f"test-{channel.scope}", message=text, category=category)
    flash(text, category)
    return redirect_to(page_url)


@bp.route("/chat-alerts", methods=["GET", "POST"])
@roles(SALES, ADMIN)
def mine():
    return settings_page(current_user, url_for(".mine"), url_for(".mine_test"), nav="sales/_nav.html")


@bp.route("/chat-alerts/test", methods=["POST"])
@roles(SALES, ADMIN)
def mine_test():
    return test_send(current_user, url_for(".mine"))
