"""The referral programme's settings: one row, made with the defaults the first time it is read."""
from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.referrals.models import ProgrammeSettings

SETTINGS_ID = 1


def programme_settings() -> ProgrammeSettings:
    """The settings row (remembered for the request). A parallel first read cannot make two rows:
    the row has a fixed primary key."""
    if has_app_context() and "programme_settings" in g:
        return g.programme_settings
    settings = db.session.get(ProgrammeSettings, SETTINGS_ID)
    if settings is None:
        try:
            with db.session.begin_nested():
                settings = ProgrammeSettings(id=SETTINGS_ID)
                db.session.add(settings)
        except IntegrityError:
            settings = db.session.get(ProgrammeSettings, SETTINGS_ID)
    if has_app_context():
        g.programme_settings = settings
    return settings
