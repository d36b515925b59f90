"""The designer's blueprint and what its views share: level labels, the way back, audit diffs."""
from __future__ import annotations

import copy

from flask import Blueprint, flash, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.audit.services import record
from app.extensions import db
from app.htmx import redirect_to
from app.i18n_content import localized
from app.journey.design import DOWN, UP
from app.journey.models import Level
from app.security import is_safe_redirect

bp = Blueprint("admin_designer", __name__)

PER_PAGE = 25


def levels_in_order() -> list[Level]:
    return list(db.session.scalars(select(Level).order_by(Level.position)))


def level_label(level: Level) -> str:
    return _("Level %(n)d: %(name)s", n=level.position, name=localized(level, "name"))


def back(default: str) -> str:
    """Where an action returns to: the page it came from (a local path) or `default`."""
    target = request.form.get("next", "")
    return target if is_safe_redirect(target) else default


def page_from(values) -> int:
    try:
        return min(max(1, int(values.get("page", 1))), 100_000)
    except (TypeError, ValueError):
        return 1


def direction() -> str | None:
    value = request.form.get("direction")
    return value if value in (UP, DOWN) else None


def snapshot(obj, fields: list[str]) -> dict:
    return {name: copy.deepcopy(getattr(obj, name)) for name in fields}


def changes(obj, fields: list[str], before: dict) -> dict:
    """What an update changed, for the audit log: {field: [before, after]} (long texts shortened)."""
    def short(value):
        if isinstance(value, str) and len(value) > 200:
            return value[:200] + "…"
        return value

    return {name: [short(before[name]), short(getattr(obj, name))]
            for name in fields if before[name] != getattr(obj, name)}


def set_active(model, ident: int, active: bool, thing: str, default_back: str):
    """Switch a badge or reward on or off for customers (audited), then back to where the marketer was."""
    obj = db.get_or_404(model, ident)
    target = back(default_back)
    if obj.active != active:
        obj.active = active
        verb = "activate" if active else "deactivate"
        record(current_user, f"{thing}.{verb}", obj, summary=obj.name_en or obj.name_nl)
        db.session.commit()
    if active:
        flash(_("“%(name)s” is active: customers see it.", name=localized(obj, "name")), "success")
    else:
        flash(_("“%(name)s” is inactive: customers no longer see it.", name=localized(obj, "name")), "success")
    return redirect_to(target)
