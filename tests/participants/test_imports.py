"""The participants CSV import as a domain operation: no request, flush only, the report kept."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.auth.models import User
from app.mail import OutboxMessage
from app.participants.csvfile import ImportFileError
from app.participants.imports import BAD, EXISTING, IMPORT_ACTION, IMPORTED, import_file, report_rows
from tests.factories import make_company, make_user

FILE = (
    "email;naam;bedrijf;taal\n"
    "nieuw@example.com;Nina Nieuw;Acme;nl\n"
    "bestaand@example.com;Bert Bestaand;Acme;en\n"
    "\n"
    "geen-adres;Gijs;Acme;nl\n"
).encode()


def test_import_without_a_request_flushes_and_leaves_the_commit_to_the_caller(app, db):
    marketer = make_user("marketer")
    make_user("customer", email="bestaand@example.com", company=make_company("Acme"))
    db.session.commit()
    entry = import_file(FILE, "leden\x07.csv", True, marketer, max_bytes=10_000)
    assert entry.action == IMPORT_ACTION and entry.summary == "leden.csv"
    assert entry.details["delimiter"] == ";" and entry.details["counts"] == {
        "rows": 3, IMPORTED: 1, EXISTING: 1, BAD: 1, "empty_lines": 1}
    with force_locale("en"):  # the reasons are words; outside a request the caller picks their language
        rows = report_rows(entry)
    assert [(row.line, row.outcome) for row in rows] == [(2, IMPORTED), (3, EXISTING), (5, BAD)]
    assert rows[2].reasons == ["The e-mail address is not valid."]
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1  # Nina's invitation
    db.session.rollback()  # nothing was committed: the caller decides
    assert User.by_email("nieuw@example.com") is None


def test_a_file_over_the_limit_adds_nobody(app, db):
    marketer = make_user("marketer")
    db.session.commit()
    with force_locale("en"), pytest.raises(ImportFileError, match="larger than 2 MB"):
        import_file(FILE, "big.csv", True, marketer, max_bytes=10)
    assert User.by_email("nieuw@example.com") is None
