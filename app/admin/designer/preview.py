"""Designer view: a challenge as a customer will see it, in either language, before it is published."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.admin.designer.common import bp
from app.auth.models import CUSTOMER, LOCALES, MARKETER, User
from app.challenges import REGISTRY
from app.extensions import db
from app.htmx import render
from app.journey.models import Challenge
from app.security import roles


def _preview_customer(lang: str) -> User:
    """A customer who exists only for the preview: never added to the session, so nothing is stored
    (the share type, for one, makes a referral link for a customer who has none)."""
    return User(name=_("Preview"), role=CUSTOMER, locale=lang, referral_code="preview")


@bp.route("/admin/challenges/<int:challenge_id>/preview")
@roles(MARKETER)
def challenges_preview(challenge_id: int):
    challenge = db.get_or_404(Challenge, challenge_id)
    lang = request.args.get("lang", "")
    if lang not in LOCALES:
        lang = current_user.locale if current_user.locale in LOCALES else "nl"
    ctype = REGISTRY.get(challenge.type_key)
    panel = None
    if ctype is not None:
        customer = _preview_customer(lang)
        with force_locale(lang):
            form = ctype.answer_form(challenge, formdata=None, user=customer)
            extra = ctype.context(challenge, customer)
            # Rendered (and autoescaped) here in the preview's language; Markup only keeps the
            # outer page from escaping the finished HTML a second time.
            panel = Markup(render_template("admin/designer/_preview_panel.html", challenge=challenge, ctype=ctype,
                                           form=form, extra=extra, lang=lang))
    return render("admin/designer/preview.html", challenge=challenge, ctype=ctype, panel=panel, lang=lang)
