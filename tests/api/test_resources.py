"""The API's resources: lists with filters and cursor pages, and every write through the service
the pages use (the invitation mail, the referral guards, milestone points, corrections), audited
with the token's owner as actor and the token's name."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.dates import utcnow
from app.mail import OutboxMessage
from app.notifications.models import Notification
from app.points.models import PointsEntry
from app.referrals.intake import email_key, key_hash
from app.referrals.models import Referee
from tests import factories
from tests.api.conftest import bearer

QUOTE = {"quote": "Since we work with this team we finally have an overview of all our projects.",
         "show_name": True, "show_company": False, "show_logo": False, "show_photo": False,
         "channels": ["website", "social"], "until": None, "agree": True}


def _via(db, action: str) -> AuditEntry:
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc()))
    assert entry is not None, action
    return entry


# --- participants --------------------------------------------------------------------------------

def test_participants_pages_follow_the_cursor_and_the_link_header(client, db, make_token):
    company = factories.make_company()
    people = [factories.make_user(company=company) for _ in range(5)]
    factories.make_user("sales")  # staff are not participants
    token = make_token("participants:read")
    seen, url = [], "/api/v1/participants?limit=2"
    while url:
        response = client.get(url, headers=bearer(token))
        assert response.status_code == 200
        body = response.get_json()
        seen += [p["id"] for p in body["items"]]
        assert ("Link" in response.headers) == (body["next_cursor"] is not None)
        url = response.headers["Link"].split(">")[0].lstrip("<").replace("http://portal.test", "") \
            if body["next_cursor"] else None
        if url:
            assert "limit=2" in url and f"cursor={body['next_cursor']}" in url
    assert seen == sorted(p.id for p in people)
    assert len(seen) == len(set(seen))


def test_participant_payload_and_filters(client, db, make_token):
    company, other = factories.make_company(), factories.make_company()
    anna = factories.make_user(company=company, locale="en", name="Anna")
    factories.make_user(company=other, locale="nl")
    level2 = factories.make_level(position=2)
    factories.make_level_unlock(anna, level2)
    token = make_token("participants:read")
    body = client.get(f"/api/v1/participants?company_id={company.id}", headers=bearer(token)).get_json()
    assert [p["id"] for p in body["items"]] == [anna.id]
    item = body["items"][0]
    assert item == {**item, "name": "Anna", "email": anna.email, "language": "en", "company_id": company.id,
                    "level": 2, "active": True}
    assert "password_hash" not in item and "referral_code" not in item
    assert [p["id"] for p in client.get("/api/v1/participants?language=en&level=2",
                                        headers=bearer(token)).get_json()["items"]] == [anna.id]
    later = (utcnow() + timedelta(hours=1)).isoformat() + "Z"
    assert client.get(f"/api/v1/participants?updated_since={later}", headers=bearer(token)).get_json()["items"] == []
    assert client.get(f"/api/v1/participants/{anna.id}", headers=bearer(token)).get_json()["id"] == anna.id
    staff = factories.make_user("marketer")
    db.session.commit()
    assert client.get(f"/api/v1/participants/{staff.id}", headers=bearer(token)).status_code == 404


def test_create_participant_invites_through_the_invitation_service(client, db, make_token):
    company = factories.make_company()
    token = make_token("participants:read participants:write")
    response = client.post("/api/v1/participants", headers=bearer(token),
                           json={"email": "New.Person@Example.com", "name": "New Person", "language": "en",
                                 "company_id": company.id})
    assert response.status_code == 201, response.data
    body = response.get_json()
    assert body["email"] == "new.person@example.com" and body["invited_at"] is not None
    assert response.headers["Location"].endswith(f"/api/v1/participants/{body['id']}")
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "new.person@example.com"))
    assert mail is not None and mail.kind == "invitation"
    entry = _via(db, "participant.invite")
    assert entry.actor_id == token.owner_id and entry.details["via_api_token"] == token.name
    again = client.post("/api/v1/participants", headers=bearer(token),
                        json={"email": "new.person@example.com", "name": "Again", "company_id": company.id})
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    missing = client.post("/api/v1/participants", headers=bearer(token),
                          json={"email": "x@example.com", "name": "X", "company_id": 999999})
    assert missing.status_code == 422 and "company_id" in missing.get_json()["errors"]["json"]


def test_patch_participant_language_and_company(client, db, make_token):
    person = factories.make_user(locale="nl")
    other = factories.make_company()
    token = make_token("participants:write participants:read")
    response = client.patch(f"/api/v1/participants/{person.id}", headers=bearer(token),
                            json={"language": "en", "company_id": other.id})
    assert response.status_code == 200, response.data
    assert response.get_json()["language"] == "en" and response.get_json()["company_id"] == other.id
    entry = _via(db, "participant.update")
    assert entry.details["after"] == {"company": other.name, "locale": "en"}
    assert entry.details["via_api_token"] == token.name
    assert client.patch(f"/api/v1/participants/{person.id}", headers=bearer(token),
                        json={"language": "fr"}).status_code == 422


# --- companies -----------------------------------------------------------------------------------

def test_companies_list_get_and_hand_over(client, db, make_token):
    old, new = factories.make_user("sales"), factories.make_user("sales")
    company = factories.make_company(account_manager=old)
    marketer = factories.make_user("marketer")
    token = make_token("companies:read companies:write")
    listed = client.get(f"/api/v1/companies?account_manager_id={old.id}", headers=bearer(token)).get_json()
    assert [c["id"] for c in listed["items"]] == [company.id]
    assert client.get(f"/api/v1/companies/{company.id}", headers=bearer(token)).get_json()["account_manager_id"] == old.id
    refused = client.patch(f"/api/v1/companies/{company.id}", headers=bearer(token),
                           json={"account_manager_id": marketer.id})
    assert refused.status_code == 422 and "account_manager_id" in refused.get_json()["errors"]["json"]
    response = client.patch(f"/api/v1/companies/{company.id}", headers=bearer(token), json={"account_manager_id": new.id})
    assert response.status_code == 200 and response.get_json()["account_manager_id"] == new.id
    assert _via(db, "company.account_manager").details["via_api_token"] == token.name
    assert client.patch("/api/v1/companies/999999", headers=bearer(token),
                        json={"account_manager_id": new.id}).status_code == 404


# --- referrals -----------------------------------------------------------------------------------

def _received(referrer, **fields):
    return {"referrer_id": referrer.id, "name": "Jan Jansen", "company": "Other Works BV",
            "benefit": "They plan a large rollout next year.", **fields}


def test_create_received_referral_with_the_entry_guards(client, db, make_token):
    referrer = factories.make_user(email="anna@firm.example")
    token = make_token("referrals:read referrals:write")
    response = client.post("/api/v1/referrals", headers=bearer(token), json=_received(referrer, email="jan@other.example"))
    assert response.status_code == 201, response.data
    body = response.get_json()
    assert body["origin"] == "received" and body["stage"] == "new" and body["referrer_id"] == referrer.id
    assert "token" not in body and "email_key" not in body
    assert _via(db, "referral.entered").details["via_api_token"] == token.name

    duplicate = client.post("/api/v1/referrals", headers=bearer(token), json=_received(referrer, name="Jan  JANSEN"))
    assert duplicate.status_code == 409 and duplicate.get_json()["type"].endswith("#problem-duplicate")
    own = client.post("/api/v1/referrals", headers=bearer(token),
                      json=_received(referrer, name="Someone Else", company="Elsewhere", email="bob@firm.example"))
    assert own.status_code == 422 and "email" in own.get_json()["errors"]["json"]
    factories.make_referee_objection(key_hash(email_key("gone@away.example")))
    db.session.commit()
    objected = client.post("/api/v1/referrals", headers=bearer(token),
                           json=_received(referrer, name="Gone Person", company="Away", email="gone@away.example"))
    assert objected.status_code == 409 and objected.get_json()["type"].endswith("#problem-objected")
    staff = factories.make_user("sales")
    db.session.commit()
    assert client.post("/api/v1/referrals", headers=bearer(token), json=_received(staff)).status_code == 422
    assert db.session.scalar(select(func.count(Referee.id))) == 1


def test_moving_to_won_awards_milestones_and_thanks_the_referrer(client, db, make_token):
    referee = factories.make_referee(stage="meeting")
    referrer_id = referee.referrer_id
    token = make_token("referrals:read referrals:write")
    missing_value = client.post(f"/api/v1/referrals/{referee.id}/stage", headers=bearer(token), json={"stage": "won"})
    assert missing_value.status_code == 422 and "deal_value_cents" in missing_value.get_json()["errors"]["json"]
    response = client.post(f"/api/v1/referrals/{referee.id}/stage", headers=bearer(token),
                           json={"stage": "won", "deal_value_cents": 1250000, "note": "Signed"})
    assert response.status_code == 200, response.data
    body = response.get_json()
    assert body["referral"]["stage"] == "won" and body["referral"]["deal_value_cents"] == 1250000
    sources = set(db.session.scalars(select(PointsEntry.source_type).where(PointsEntry.user_id == referrer_id)))
    assert {"referral_won", "referral_opportunity"} <= sources
    assert body["points_awarded"] == sum(db.session.scalars(select(PointsEntry.points)
                                                           .where(PointsEntry.user_id == referrer_id)))
    assert db.session.scalar(select(Notification).where(Notification.user_id == referrer_id,
                                                        Notification.kind == "referral_stage")) is not None
    entry = _via(db, "referral.won")
    assert entry.actor_id == token.owner_id and entry.details["via_api_token"] == token.name
    assert entry.details["before"] == {"stage": "meeting"}
    again = client.post(f"/api/v1/referrals/{referee.id}/stage", headers=bearer(token),
                        json={"stage": "won", "deal_value_cents": 1})
    assert again.status_code == 409
    stale = client.post(f"/api/v1/referrals/{referee.id}/stage", headers=bearer(token),
                        json={"stage": "lost", "from_stage": "meeting", "lost_reason": "Budget"})
    assert stale.status_code == 409 and stale.get_json()["type"].endswith("#problem-moved")


def test_lost_needs_a_reason(client, db, make_token):
    referee = factories.make_referee(stage="contacted")
    token = make_token("referrals:write")
    response = client.post(f"/api/v1/referrals/{referee.id}/stage", headers=bearer(token), json={"stage": "lost"})
    assert response.status_code == 422 and "lost_reason" in response.get_json()["errors"]["json"]


def test_flagged_referral_is_not_moved(client, db, make_token):
    referee = factories.make_referee(flag="own_domain")
    token = make_token("referrals:write")
    response = client.post(f"/api/v1/referrals/{referee.id}/stage", headers=bearer(token), json={"stage": "contacted"})
    assert response.status_code == 409 and response.get_json()["type"].endswith("#problem-not-in-pipeline")


@pytest.mark.parametrize("query, expected", [("stage=won", {"won"}), ("origin=received", {"new"}), ("", {"won", "new"})])
def test_referral_filters(client, db, make_token, query, expected):
    factories.make_referee(stage="won", origin="asked")
    factories.make_referee(stage="new", origin="received")
    token = make_token("referrals:read")
    items = client.get(f"/api/v1/referrals?{query}", headers=bearer(token)).get_json()["items"]
    assert {item["stage"] for item in items} == expected


# --- NPS, content, points ------------------------------------------------------------------------

def test_nps_answers_filtered_by_category_and_since(client, db, make_token):
    promoter = factories.make_nps_response(score=10, reason="Great", locale="en")
    factories.make_nps_response(score=3, created_at=utcnow() - timedelta(days=10))
    token = make_token("nps:read")
    body = client.get("/api/v1/nps?category=promoter", headers=bearer(token)).get_json()
    assert [(a["id"], a["score"], a["reason"], a["language"]) for a in body["items"]] == [(promoter.id, 10, "Great", "en")]
    since = (utcnow() - timedelta(days=1)).isoformat()
    assert [a["id"] for a in client.get(f"/api/v1/nps?since={since}", headers=bearer(token)).get_json()["items"]] \
        == [promoter.id]


def test_content_library_lists_usable_items_with_their_consent_scope(client, db, make_token):
    level = factories.make_level()
    challenge = factories.make_challenge(level, "quote", needs_review=True)
    usable = factories.make_submission(challenge=challenge, data=dict(QUOTE), reviewed_at=utcnow(), locale="en")
    factories.make_submission(challenge=challenge, data=dict(QUOTE), consent_withdrawn_at=utcnow(), attempt=2)
    token = make_token("content:read")
    items = client.get("/api/v1/content", headers=bearer(token)).get_json()["items"]
    assert [item["id"] for item in items] == [usable.id]
    assert items[0]["type"] == "quote" and QUOTE["quote"] in items[0]["text"]
    assert items[0]["consent"] == {"channels": ["website", "social"], "valid_until": None, "may_show_name": True,
                                   "may_show_company": False, "may_show_logo": False, "may_show_photo": False}


def test_points_ledger_and_a_correction_through_the_service(client, db, make_token):
    customer = factories.make_user()
    factories.make_points_entry(customer, 20)
    token = make_token("points:read points:write")
    body = client.get(f"/api/v1/points?user_id={customer.id}", headers=bearer(token)).get_json()
    assert [e["points"] for e in body["items"]] == [20]
    payload = {"user_id": customer.id, "points": -5, "reason": "Double entry", "request_key": "crm-4711-abc"}
    response = client.post("/api/v1/points/corrections", headers=bearer(token), json=payload)
    assert response.status_code == 201, response.data
    assert response.get_json()["balance"] == 15 and response.get_json()["entry"]["source_type"] == "correction"
    assert client.post("/api/v1/points/corrections", headers=bearer(token), json=payload).get_json()["balance"] == 15
    entry = _via(db, "points.correct")
    assert entry.actor_id == token.owner_id and entry.details["via_api_token"] == token.name
    below = client.post("/api/v1/points/corrections", headers=bearer(token),
                        json={"user_id": customer.id, "points": -100, "reason": "Too much"})
    assert below.status_code == 422 and "15" in below.get_json()["detail"]
    zero = client.post("/api/v1/points/corrections", headers=bearer(token),
                       json={"user_id": customer.id, "points": 0, "reason": "Nothing"})
    assert zero.status_code == 422
