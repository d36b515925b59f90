"""Admins: every sales person's chat alert channels, and each one's settings page."""
from __future__ import annotations

from flask import Blueprint, abort, url_for

from app.auth.models import ADMIN, SALES, User
from app.chat import services
from app.chat.forms import kind_labels
from app.chat.models import PERSONAL, TEAM
from app.chat.routes import settings_page, test_send
from app.extensions import db
from app.htmx import render
from app.pagination import paginate
from app.security import roles

bp = Blueprint("admin_chat", __name__, url_prefix="/admin/chat-alerts")

PER_PAGE = 50


def _sales_person(user_id: int) -> User:
    person = db.session.get(User, user_id)
    if person is None or person.role != SALES:
        abort(404)
    return person


@bp.route("")
@roles(ADMIN)
def index():
    page = paginate(services.sales_people(), per_page=PER_PAGE, scalars=True)
    ids = [person.id for person in page.items]
    return render("chat/admin_index.html", page=page, channels=services.channels_by_owner(ids),
                  leads=services.team_leads(ids), kinds=kind_labels(), PERSONAL=PERSONAL, TEAM=TEAM)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@roles(ADMIN)
def person(user_id: int):
    person = _sales_person(user_id)
    return settings_page(person, url_for(".person", user_id=user_id), url_for(".person_test", user_id=user_id),
                         nav="admin/_nav.html")


@bp.route("/<int:user_id>/test", methods=["POST"])
@roles(ADMIN)
def person_test(user_id: int):
    return test_send(_sales_person(user_id), url_for(".person", user_id=user_id))
