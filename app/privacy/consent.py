"""Writing consent records where consents are given and withdrawn (flush only)."""
from __future__ import annotations

import hashlib

from flask_babel import get_locale
from sqlalchemy import select

from app.extensions import db
from app.privacy.models import KIND_OF_TYPE, ConsentRecord


def text_hash(text: str) -> str:
    return hashlib.sha256(str(text).encode("utf-8")).hexdigest()


def record_grant(submission, text: str, source: str, scope: dict | None = None) -> ConsentRecord:
    """The customer agreed to `text` (the exact wording shown, in the current language) with this answer."""
    return _append(submission, granted=True, hashed=text_hash(text), locale=str(get_locale() or "nl"),
                   source=source, scope=scope or {})


def record_withdrawal(submission, source: str) -> ConsentRecord:
    """A new record that takes back the consent given with this answer (the grant itself stays)."""
    grant = db.session.scalars(
        select(ConsentRecord).where(ConsentRecord.submission_id == submission.id, ConsentRecord.granted.is_(True))
        .order_by(ConsentRecord.id.desc()).limit(1)
    ).first()
    # An answer from before consent records has no grant to point at: the wording is then unknown.
    hashed, locale = (grant.text_hash, grant.locale) if grant else (text_hash(""), str(get_locale() or "nl"))
    return _append(submission, granted=False, hashed=hashed, locale=locale, source=source, scope={})


def kind_of(type_key: str) -> str:
    return KIND_OF_TYPE.get(type_key, type_key)


def _append(submission, *, granted: bool, hashed: str, locale: str, source: str, scope: dict) -> ConsentRecord:
    record = ConsentRecord(
        user_id=submission.user_id, kind=kind_of(submission.challenge.type_key), submission_id=submission.id,
        granted=granted, text_hash=hashed, locale=locale, scope=scope, source=source,
    )
    db.session.add(record)
    db.session.flush()
    return record
