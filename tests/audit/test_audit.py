"""The audit log: a change recorded once, read back in the language of whoever reads it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.audit.services import SUMMARY_BY_LOCALE, record
from tests.factories import make_user

PROGRAMME = {"points_contacted": "10", "points_meeting": "60", "points_opportunity": "100", "points_won": "300",
             "ask_cap_days": "60", "daily_referral_cap": "3", "referee_retention_days": "90"}


def test_a_settings_change_reads_in_the_viewers_language(app, client, db, login_as, post_form):
    login_as("marketer", locale="nl")
    assert post_form("/admin/programme", PROGRAMME).status_code == 303
    entry = db.session.scalars(select(AuditEntry)).one()
    assert entry.summary == "Instellingen doorverwijsprogramma"  # as the marketer said it
    assert entry.details["points_won"] == 300
    login_as("admin", locale="en")
    assert "Referral programme settings" in client.get("/admin/audit").text
    login_as("admin", locale="nl")
    assert "Instellingen doorverwijsprogramma" in client.get("/admin/audit").text


def test_a_summary_named_in_each_language(app, client, db, login_as):
    marketer = make_user("marketer", name="Mila")
    with app.test_request_context():
        record(marketer, "level.update", marketer, summary={"nl": "Loyaliteit triggeren", "en": "Triggering loyalty"})
        record(marketer, "library.export", None, summary=_l("Referral programme settings"))
        record(marketer, "challenge.publish", None, summary="Plain text stays as it is")
    db.session.commit()
    details = [entry.details for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert details[0] == {SUMMARY_BY_LOCALE: {"nl": "Loyaliteit triggeren", "en": "Triggering loyalty"}}
    assert details[1][SUMMARY_BY_LOCALE]["nl"] == "Instellingen doorverwijsprogramma"
    assert details[2] == {}
    login_as("admin", locale="en")
    page = client.get("/admin/audit").text
    assert "Triggering loyalty" in page and "Loyaliteit" not in page and "Plain text stays as it is" in page
    login_as("admin", locale="nl")
    page = client.get("/admin/audit").text
    assert "Loyaliteit triggeren" in page and "Instellingen doorverwijsprogramma" in page
