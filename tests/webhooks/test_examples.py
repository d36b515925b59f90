"""docs/examples/webhooks/<event>.json: one recorded payload per event, made by the real payload
builder from fixed objects. The test fails when the builder and the files drift apart; run it with
WRITE_WEBHOOK_EXAMPLES=1 to write them anew (and review the diff)."""
from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from app.auth.models import CUSTOMER, SALES, Company, User
from app.events import NAMES, Event
from app.journey.models import APPROVED, Challenge, Level, Submission
from app.nps.models import FollowUp, NpsResponse
from app.points.models import PointsEntry
from app.referrals.models import Referee
from app.webhooks import payloads

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "webhooks"
AT = datetime(2026, 3, 2, 9, 30)


def _world(db):
    sales = User(id=9001, email="am@example.com", name="A M", role=SALES, locale="nl")
    company = Company(id=9101, name="Bouwbedrijf Noord", account_manager=sales)
    customer = User(id=9002, email="c@example.com", name="C", role=CUSTOMER, locale="nl", company=company,
                    created_at=AT)
    level = Level(id=9201, position=90, name_nl="Niveau", name_en="Level")
    challenge = Challenge(id=9301, level=level, type_key="quote", title_nl="Citaat", title_en="Quote", points=20)
    submission = Submission(id=9401, user=customer, challenge=challenge, status=APPROVED, data={}, created_at=AT)
    entry = PointsEntry(id=9501, user_id=9002, points=20, source_type="submission", source_id=9401, reason_nl="x",
                        reason_en="x", created_at=AT)
    referee = Referee(id=9601, referrer=customer, owner=sales, name="Not Sent", company="Prospect BV",
                      email="not.sent@prospect.example", token="t" * 32, stage="meeting", origin="asked",
                      source="referral", created_at=AT, stage_changed_at=AT)
    response = NpsResponse(id=9701, user=customer, company_id=9101, score=3, category="detractor", reason="Not sent",
                           source="survey", created_at=AT)
    task = FollowUp(id=9801, response=response, kind="alert", trigger="detractor", status="open", due_at=AT,
                    created_at=AT)
    db.session.add_all([sales, company, customer, level, challenge, submission, referee, response, task])
    db.session.flush()
    db.session.add(entry)  # no relationship to order it after its user
    db.session.flush()


DATA = {
    "participant.created": {"user_id": 9002},
    "points.awarded": {"entry_id": 9501, "user_id": 9002, "points": 20},
    "submission.approved": {"submission_id": 9401, "user_id": 9002},
    "consent.withdrawn": {"user_id": 9002, "submission_id": 9401, "what": "quote_publication"},
    "referral.created": {"referee_id": 9601, "origin": "asked"},
    "referral.stage_changed": {"referee_id": 9601, "from_stage": "contacted", "to_stage": "meeting"},
    "referral.won": {"referee_id": 9601},
    "referee.confirmed": {"referee_id": 9601},
    "referee.erased": {"referee_id": 9601},
    "nps.answered": {"response_id": 9701, "user_id": 9002},
    "nps.alert_raised": {"follow_up_id": 9801, "response_id": 9701},
    "followup.created": {"follow_up_id": 9801, "kind": "alert"},
    "followup.closed": {"follow_up_id": 9801, "kind": "alert"},
}


def test_every_event_has_a_recorded_example_that_matches_the_builder(app, db):
    _world(db)
    assert set(DATA) == set(NAMES)
    write = bool(os.environ.get("WRITE_WEBHOOK_EXAMPLES"))
    drifted = []
    for name in NAMES:
        built = payloads.build(Event(name, DATA[name], AT))
        text = json.dumps(json.loads(payloads.body(name, AT, built.data)), indent=2, sort_keys=True) + "\n"
        assert "not.sent" not in text and "Not Sent" not in text  # never a referee's name or e-mail
        path = EXAMPLES / f"{name}.json"
        if write:
            EXAMPLES.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        elif not path.exists() or path.read_text() != text:
            drifted.append(name)
    assert not drifted, f"docs/examples/webhooks drifted from the payload builder: {drifted}"
