"""A referee's objection erases them completely: ledger reasons, notifications, mail and audit too."""
from __future__ import annotations

from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.notifications.models import Notification
from app.points.models import PointsEntry
from app.privacy.scrub import redact_mentions
from app.referrals.intake import Introduction, add_referee, tell_account_manager
from app.referrals.models import RefereeObjection
from tests.conftest import csrf_token
from tests.factories import make_audit_entry, make_company, make_notification, make_programme_settings, make_user
from tests.privacy.conftest import MARKER, marker_hits


def test_an_objecting_referee_leaves_no_trace_but_the_hash(app, client, db, login_as, post_form):
    manager = make_user("sales", name="Mina Manager", email="mina@seller.example", locale="en")
    referrer = make_user("customer", name="Anouk Jansen", email="anouk@zorg.example", locale="nl",
                         company=make_company("Zorggroep Oost", account_manager=manager))
    make_programme_settings(points_contacted=10, points_meeting=50)
    referee = add_referee(referrer, Introduction(
        name=MARKER, company="Zyxwv Prospects BV", job_role="Buyer", email="zyxwv@prospects.example",
        linkedin_url="https://www.linkedin.com/in/zyxwv", benefit="They plan in spreadsheets.", may_mention=True,
        route="contact", message_locale="en"), source="referral", count_quota=False)
    tell_account_manager(referee)
    db.session.commit()
    login_as(manager)
    for from_stage, to_stage in (("new", "contacted"), ("contacted", "meeting")):
        response = post_form(f"/sales/referrals/{referee.id}/stage",
                             {"from_stage": from_stage, "to_stage": to_stage, "note": f"Spoke with {MARKER}"})
        assert response.status_code == 303
    db.session.commit()
    places = {(table, column) for table, column, _value in marker_hits()}
    for place in [("referees", "name"), ("points_entries", "reason_en"), ("points_entries", "reason_nl"),
                  ("notifications", "text_en"), ("outbox_messages", "body_text"), ("outbox_messages", "to_address"),
                  ("audit_entries", "summary"), ("referral_events", "note")]:
        assert place in places, place
    points = db.session.scalar(select(func.sum(PointsEntry.points)).where(PointsEntry.user_id == referrer.id))

    client.get("/logout")
    response = client.post(f"/r/object/{referee.token}", data={"csrf_token": csrf_token(app, client)})
    assert response.status_code == 200
    db.session.expire_all()
    assert marker_hits() == []
    assert marker_hits("prospects") == []  # the company went with the rows that named them
    # The referrer keeps the points, and the hashes keep the person from being added again.
    assert db.session.scalar(select(func.sum(PointsEntry.points)).where(PointsEntry.user_id == referrer.id)) == points
    assert db.session.scalar(select(func.count(RefereeObjection.id))) == 2
    reasons = db.session.scalars(select(PointsEntry.reason_en).where(PointsEntry.user_id == referrer.id)).all()
    assert reasons and all(reason.startswith("Introduction of […]") for reason in reasons)


def test_another_persons_rows_keep_the_same_company_name(db):
    """A company named beside the person goes; the same word elsewhere (about someone else) stays."""
    mine = make_notification(text="Introduction of Anna de Vries (Acme)")
    other = make_notification(text="Introduction of Bram Bos (Acme)")
    redact_mentions(Notification, ("text_nl", "text_en"), ["Anna de Vries"], companions=["Acme"])
    assert mine.text_en == "Introduction of […] ([…])" and other.text_en == "Introduction of Bram Bos (Acme)"


def test_a_name_with_accents_is_found_in_text_and_json(db):
    entry = make_audit_entry(summary="Moved Émile Öztürk", details={"name": "Émile Öztürk"})
    note = make_notification(text="Introduction of Émile Öztürk: Meeting")
    redact_mentions(Notification, ("text_nl", "text_en"), ["Émile Öztürk"])
    redact_mentions(AuditEntry, ("summary", "details"), ["Émile Öztürk"])
    assert note.text_en == "Introduction of […]: Meeting"
    assert entry.summary == "Moved […]" and entry.details == {"name": "[…]"}
