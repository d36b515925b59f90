"""A customer (and a referee) whose name is in every place the app can put a person's data."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import JSON, String, Text, cast, func, select

from app import events
from app.dates import today, utcnow
from app.events import NAMES
from app.extensions import db as _db
from app.feedback.models import Feedback
from app.journey.models import Submission
from app.journey.progress import review_submission
from app.nps.services import record_answer
from app.points.corrections import correct_points
from app.referrals.intake import Introduction, add_referee, tell_account_manager
from app.referrals.links import record_click
from app.webhooks.services import create_endpoint
from tests.factories import (
    make_api_token,
    make_ask,
    make_ask_status,
    make_audit_entry,
    make_challenge,
    make_challenge_customer,
    make_chat_channel,
    make_company,
    make_goal,
    make_last_active,
    make_level,
    make_notification,
    make_other_wins,
    make_outbox_message,
    make_points_entry,
    make_programme_cost,
    make_redemption,
    make_reference_call,
    make_reward,
    make_survey,
    make_terms_acceptance,
    make_terms_version,
    make_user,
    make_user_badge,
)

MARKER = "Zyxwv Marker"
NEEDLE = "zyxwv"  # any trace of it, in any case: the name, the address, the LinkedIn link


def marker_hits(needle: str = NEEDLE) -> list[tuple[str, str, str]]:
    """Every (table, column, value) in the whole database that holds the needle: all text and JSON columns."""
    hits = []
    for table in _db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, (String, Text, JSON)):
                continue
            values = _db.session.scalars(
                select(cast(column, Text)).where(func.lower(cast(column, Text)).contains(needle))
            ).all()
            hits += [(table.name, column.name, value) for value in values]
    return hits


def answer(post_form, challenge, data):
    response = post_form(f"/challenges/{challenge.id}", data)
    assert response.status_code == 303, response.text[:2000]


@pytest.fixture
def world(app, client, db, login_as, post_form):
    """The customer "Zyxwv Marker" with a history in every table, through the app's flows where it has
    them (answers, consents, reviews, NPS, introductions, the pipeline) and factories for the rest."""
    manager = make_user("sales", name="Mina Manager", email="mina@seller.example", locale="en")
    admin = make_user("admin", name="Ada Admin", email="ada@seller.example", locale="en")
    marketer = make_user("marketer", name="Mark Eter", email="mark@seller.example", locale="en")
    company = make_company("Bouwbedrijf Noord", account_manager=manager)
    customer = make_user("customer", name=MARKER, email="zyxwv.marker@noord.example", locale="en", company=company,
                         job_title="Zyxwv planner", linkedin_url="https://www.linkedin.com/in/zyxwv-marker",
                         display_name="Zyxwv M", leaderboard_opt_in=True)
    bystander = make_user("customer", name="Bea Bystander", email="bea@elders.example", company=company)
    level = make_level(threshold=0)
    quote = make_challenge(level, "quote", 20, {"channels": ["website", "social"]}, needs_review=True)
    story = make_challenge(level, "case_story", 30, {}, needs_review=True)
    question = make_challenge(level, "question", 10, {"min_length": 10})
    reward = make_reward("Donation", point_cost=5, stock=3)
    # A CRM hears about everything: the customer's events queue webhook messages about her.
    create_endpoint("http://127.0.0.1:9/hook", "CRM", list(NAMES), True, False)
    db.session.commit()

    login_as(customer)
    client.get(f"/challenges/{question.id}")  # a challenge view
    answer(post_form, question, {"answer": f"I am {MARKER} and I plan everything."})
    answer(post_form, quote, {"quote": f"{MARKER}: since we work with this team we have an overview.",
                              "show_name": "y", "channels": ["website"], "agree": "y"})
    answer(post_form, story, {"agree_story": "y", "interview_format": "video_call", "period": "later",
                              "topics": f"How {MARKER} moved off spreadsheets"})
    response = post_form("/feedback/new", {"kind": "problem", "message": f"{MARKER} cannot find the points page",
                                           "page": "/points"})
    assert response.status_code == 303, response.text[:2000]
    submission = next(s for s in _submissions(customer) if s.challenge_id == quote.id)
    review_submission(submission, marketer, True, note=f"Lovely, {MARKER}!")
    make_chat_channel(manager)  # the account manager's Slack channel hears about the alert and the introduction
    response = record_answer(customer, 3, reason=f"{MARKER} is unhappy with support", source="challenge")
    with app.test_request_context():
        events.publish("nps.alert_raised", follow_up_id=response.follow_up.id, response_id=response.id)
    make_survey(customer, sent_by=manager, occasion=f"Project for {MARKER} closed")
    make_points_entry(customer, 50, reason_nl=f"Bonus voor {MARKER}", reason_en=f"Bonus for {MARKER}")
    make_redemption(customer, reward, points_spent=5)
    make_user_badge(customer)
    make_notification(customer, f"Hello {MARKER}")
    make_outbox_message("zyxwv.marker@noord.example", body_text=f"Dear {MARKER}, welcome.")
    make_outbox_message(manager.email, subject=f"{MARKER} answered", body_text=f"{MARKER} gave a 3.",
                        kind="notification")
    make_audit_entry(admin, "participant.deactivate", customer, summary=f"Deactivated {MARKER}",
                     details={"email": "zyxwv.marker@noord.example"})
    make_audit_entry(marketer, "participants.import", summary="Imported 2 people",
                     details={"rows": [{"name": MARKER, "email": "Zyxwv.Marker@noord.example", "status": "ok"},
                                       {"name": "Bea Bystander", "email": "bea@elders.example", "status": "ok"}]})
    make_ask(customer, asked_by=manager, note=f"{MARKER} will think about it")
    make_reference_call(customer, prospect="Piet Prospect, Bouw BV", note=f"{MARKER} told them about the rollout",
                        logged_by=manager)
    with app.test_request_context():  # a correction through its operation: ledger row, record and audit entry
        correct_points(customer, marketer, 7, f"Webinar {MARKER} attended", "privacy-world-correction-key")
    make_terms_acceptance(customer, make_terms_version(published_by=marketer), locale="en")
    make_ask_status(customer, claimed_by=manager, last_asked_at=utcnow() - timedelta(days=1))
    # Numbers staff enter for the economics and goals carry who entered them; the world's person
    # entered one of each, so their export shows those rows too.
    make_programme_cost(by=customer)
    make_other_wins(by=customer)
    make_goal(by=customer)
    make_chat_channel(customer)  # likewise a chat alert channel (a staff setting; the address is never exported)
    make_api_token(customer)  # an admin's table: the world's person holds one so its export is walked too
    make_last_active(customer)  # the analytics summaries a rollup run keeps
    make_challenge_customer(customer, question, last_view=today())
    for channel in ("email", "linkedin"):
        record_click(customer, channel)
    # Someone the customer introduced: their details are the customer's answer, and go with it.
    referee = add_referee(customer, Introduction(
        name="Zyxwv Named Person", company="Zyxwv Prospects", job_role="Zyxwv buyer", email="named@zyxwv.example",
        linkedin_url="https://www.linkedin.com/in/zyxwv-named", benefit=f"{MARKER} thinks they need this",
        may_mention=True, route="contact", message_locale="en", message=f"{MARKER} wrote this for you"),
        source="referral", count_quota=True)
    tell_account_manager(referee)
    with app.test_request_context():
        events.publish("referee.confirmed", referee_id=referee.id)
    db.session.commit()
    login_as(manager)
    response = post_form(f"/sales/referrals/{referee.id}/stage",
                         {"from_stage": "new", "to_stage": "meeting", "note": f"Met them, thanks to {MARKER}"})
    assert response.status_code == 303, response.text[:2000]
    db.session.commit()
    login_as(marketer)  # marketing answers the customer's feedback (an audit entry and a notification)
    feedback = db.session.scalar(select(Feedback).where(Feedback.user_id == customer.id))
    response = post_form(f"/admin/feedback/{feedback.id}", {"action": "answer", "reply": f"Dear {MARKER}: under Menu."})
    assert response.status_code == 303, response.text[:2000]
    db.session.commit()
    return dict(customer=customer, manager=manager, admin=admin, bystander=bystander, referee_id=referee.id,
                reward=reward, quote=quote)


def _submissions(user):
    return list(_db.session.scalars(select(Submission).where(Submission.user_id == user.id)))
