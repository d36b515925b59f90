"""The change marketing makes to the programme's identity: saved and audited (flush only)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l

from app.audit.services import record
from app.auth.models import User
from app.extensions import db
from app.identity.services import TEXT_FIELDS, identity_row


@dataclass
class LogoChange:
    data: bytes | None = None  # the cleaned image (app.identity.logo.clean_logo)
    media_type: str | None = None
    remove: bool = False


def update_identity(actor: User, values: dict[str, str], logo: LogoChange | None = None) -> dict[str, tuple]:
    """Save marketing's changes and audit them with before/after (flush only). Returns what changed."""
    row = identity_row()
    if row not in db.session:
        db.session.add(row)
    changes = {name: (getattr(row, name) or "", value) for name, value in values.items()
               if name in TEXT_FIELDS and (getattr(row, name) or "") != value}
    for name, (_before, after) in changes.items():
        setattr(row, name, after)
    if logo is not None and (logo.data or (logo.remove and row.logo_type)):
        before = row.logo_version if row.logo_type else None
        row.logo = logo.data if logo.data else None
        row.logo_type = logo.media_type if logo.data else None
        row.logo_version = (row.logo_version or 0) + 1
        changes["logo"] = (before and f"v{before}", row.logo_type and f"v{row.logo_version}")
    db.session.flush()
    if changes:
        record(actor, "identity.update", row, summary=_l("The programme's identity"),
               before={name: old for name, (old, _new) in changes.items()},
               after={name: new for name, (_old, new) in changes.items()})
    if has_app_context():
        g.pop("identity", None)
    return changes

