"""A person's data as a ZIP of JSON files, one per kind, with a README in their language."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime

from flask import render_template
from flask_babel import force_locale

from app import dates
from app.auth.models import User
from app.extensions import db
from app.privacy.registry import REGISTRY, Coverage


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def rows_of(coverage: Coverage, user: User) -> list[dict]:
    """The rows about `user` in one table, as plain dicts of the exported columns."""
    rows = []
    for row in db.session.scalars(coverage.rows(user)):
        columns = coverage.fields or [column.key for column in row.__table__.columns]
        rows.append({name: getattr(row, name) for name in columns})
    return rows


def archive_name(user: User) -> str:
    return f"ambassador-data-{user.id}-{dates.today().isoformat()}.zip"


def build_archive(user: User) -> bytes:
    """Every file of the registry (also the empty ones, so the person sees what we could hold)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for coverage in REGISTRY:
            text = json.dumps(rows_of(coverage, user), default=_jsonable, ensure_ascii=False, indent=2)
            archive.writestr(coverage.file, text + "\n")
        with force_locale(user.locale):
            readme = render_template("privacy/export_readme.txt", user=user, files=REGISTRY,
                                     made_on=dates.today())
        archive.writestr("README.txt", readme)
    return buffer.getvalue()
