"""Who "we" are: `identity()` for pages and mail (one query per request at most). Marketing's
changes to it are in app/identity/changes.py."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, has_app_context, url_for
from flask_babel import gettext

from app.extensions import db
from app.i18n_content import localized
from app.identity.models import ProgrammeIdentity

IDENTITY_ID = 1
TEXT_FIELDS = ("organisation_name", "pitch_nl", "pitch_en", "about_nl", "about_en", "ideal_customer_nl",
               "ideal_customer_en", "sender_name", "reply_to")


@dataclass(frozen=True)
class Identity:
    """The identity as pages and mail use it: plain values, safe to keep for the whole request."""

    organisation_name: str = ""
    pitch_nl: str = ""
    pitch_en: str = ""
    about_nl: str = ""
    about_en: str = ""
    ideal_customer_nl: str = ""
    ideal_customer_en: str = ""
    sender_name: str = ""
    reply_to: str = ""
    logo_version: int = 0
    logo_extension: str | None = None

    @property
    def name(self) -> str:
        """The organisation's name; a neutral phrase until marketing (or ORGANISATION_NAME) sets one."""
        return self.organisation_name or gettext("Our customer programme")

    @property
    def sender(self) -> str:
        """The display name mail is sent under."""
        return self.sender_name or self.organisation_name or gettext("Our customer programme")

    @property
    def pitch(self) -> str:
        return localized(self, "pitch")

    @property
    def about(self) -> str:
        return localized(self, "about")

    @property
    def ideal_customer(self) -> str:
        return localized(self, "ideal_customer")

    @property
    def has_logo(self) -> bool:
        return bool(self.logo_extension)

    def logo_url(self, external: bool = False) -> str | None:
        if not self.logo_extension:
            return None
        return url_for("identity.logo", version=self.logo_version, extension=self.logo_extension, _external=external)


def _configured_name() -> str:
    return (current_app.config.get("ORGANISATION_NAME") or "").strip() if has_app_context() else ""


def fallback_identity() -> Identity:
    """The identity without the database: the ORGANISATION_NAME setting alone (error pages, a database outage)."""
    return Identity(organisation_name=_configured_name())


def _from_row(row: ProgrammeIdentity | None) -> Identity:
    if row is None:
        return fallback_identity()
    values = {name: getattr(row, name) or "" for name in TEXT_FIELDS}
    values["organisation_name"] = values["organisation_name"] or _configured_name()
    return Identity(**values, logo_version=row.logo_version or 0, logo_extension=row.logo_extension)


def identity(fresh: bool = False) -> Identity:
    """The programme's identity, read once per request or app context; `fresh` reads it again (the
    mail worker's long-lived app context, once per batch)."""
    if not fresh and has_app_context() and "identity" in g:
        return g.identity
    found = _from_row(db.session.get(ProgrammeIdentity, IDENTITY_ID))
    if has_app_context():
        g.identity = found
    return found


def use_fallback() -> None:
    """For pages shown while the database is unreachable: never ask it for the identity."""
    g.identity = fallback_identity()


def identity_row() -> ProgrammeIdentity:
    """The row to edit: the saved one, or a new one with the ORGANISATION_NAME setting filled in (not added)."""
    row = db.session.get(ProgrammeIdentity, IDENTITY_ID)
    if row is None:
        row = ProgrammeIdentity(id=IDENTITY_ID, organisation_name=_configured_name(), logo_version=0,
                                **{name: "" for name in TEXT_FIELDS if name != "organisation_name"})
    return row


def logo_of(version: int) -> ProgrammeIdentity | None:
    """The row with its logo bytes, when `version` is the current logo's (older URLs are gone)."""
    row = db.session.get(ProgrammeIdentity, IDENTITY_ID)
    if row is None or not row.logo_type or row.logo_version != version:
        return None
    return row
