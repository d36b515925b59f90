"""Signing (the spec's vector and the reference code), delivery with retries and a log, replay,
disabling an endpoint that keeps failing, privacy scrubbing and retention."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from app.auth.models import ADMIN, SALES
from app.dates import utcnow
from app.jobs import kick
from app.notifications.models import Notification
from app.referrals.consent import erase
from app.referrals.models import CONTACTED, MEETING
from app.referrals.stages import move
from app.webhooks import delivery, services, signing
from app.webhooks.models import CANCELLED, DELIVERED, FAILED, PENDING, WebhookAttempt, WebhookMessage
from tests import factories


def test_signature_matches_the_specification_vector():
    # The test vector of the Standard Webhooks reference libraries.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    assert signing.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}') == \
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_reference_code_verifies_our_headers_also_during_a_rotation():
    old, new = signing.new_secret(), signing.new_secret()
    assert old.startswith("whsec_") and len(old) > 40 and old != new
    body = b'{"type":"referral.won"}'
    headers = signing.headers([new, old], "msg_1", utcnow(), body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (new, old):
        assert Webhook(secret).verify(body, headers) == {"type": "referral.won"}


@pytest.fixture
def fast(app):
    before = app.config["WEBHOOK_RETRY_DELAYS"]
    app.config["WEBHOOK_RETRY_DELAYS"] = [0, 0, 0]
    yield
    app.config["WEBHOOK_RETRY_DELAYS"] = before


def _pipeline(db):
    sales = factories.make_user(SALES)
    referrer = factories.make_user(company=factories.make_company(account_manager=sales))
    referee = factories.make_referee(referrer, stage=CONTACTED, company="Refco", email="rita@refco.example",
                                     email_key="rita@refco.example")
    db.session.flush()
    return sales, referee


def test_a_receiver_that_fails_three_times_gets_the_event_on_the_fourth_try(app, db, ctx, fast, receiver, endpoint):
    hook = receiver([500, 500, 500])
    target = endpoint(hook.url, names=["referral.stage_changed"])
    sales, referee = _pipeline(db)
    move(referee, MEETING, sales, from_stage=CONTACTED)
    db.session.commit()
    message = db.session.scalar(select(WebhookMessage))
    assert message.event_type == "referral.stage_changed" and message.status == PENDING
    rounds = [delivery.deliver_due() for _ in range(4)]
    assert rounds == [{"sent": 0, "failed": 1}] * 3 + [{"sent": 1, "failed": 0}]
    db.session.refresh(message)
    assert message.status == DELIVERED and message.attempts == 4
    log = list(db.session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.number)))
    assert [(a.number, a.status_code, a.ok) for a in log] == [(1, 500, False), (2, 500, False), (3, 500, False),
                                                              (4, 200, True)]
    assert all(a.duration_ms >= 0 for a in log) and log[0].response_excerpt == "receiver trouble"
    assert len(hook.requests) == 4
    assert {headers["webhook-id"] for headers, _body in hook.requests} == {message.msg_id}  # stable across retries
    headers, body = hook.requests[-1]
    payload = Webhook(target.secret).verify(body, headers)
    assert payload["type"] == "referral.stage_changed"
    assert payload["data"]["referral"]["company"] == "Refco"
    assert "rita" not in body.decode() and "Referee" not in body.decode()  # no referee name or e-mail
    # The log page shows all four attempts.
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = factories.make_user(ADMIN).get_id()
    db.session.commit()
    html = client.get(f"/admin/webhooks/{target.id}/log").get_data(as_text=True)
    assert html.count("<tr>") == 1 + 4 and message.msg_id in html


def test_retries_run_out_then_replay_sends_again_with_the_same_id(app, db, ctx, fast, receiver, endpoint):
    hook = receiver([500, 500, 500, 500])
    endpoint(hook.url, names=["referral.stage_changed"])
    sales, referee = _pipeline(db)
    move(referee, MEETING, sales, from_stage=CONTACTED)
    for _ in range(5):
        delivery.deliver_due()
    message = db.session.scalar(select(WebhookMessage))
    assert message.status == FAILED and message.attempts == 4
    assert services.replay(message)
    assert not services.replay(message)  # already waiting
    assert delivery.deliver_due() == {"sent": 1, "failed": 0}
    assert [h["webhook-id"] for h, _ in hook.requests][-1] == message.msg_id


def test_backoff_follows_the_configured_delays(app, db, ctx, receiver, endpoint):
    app.config["WEBHOOK_RETRY_DELAYS"], before = [60, 600], app.config["WEBHOOK_RETRY_DELAYS"]
    try:
        hook = receiver([500])
        endpoint(hook.url, names=["referral.stage_changed"])
        sales, referee = _pipeline(db)
        move(referee, MEETING, sales, from_stage=CONTACTED)
        delivery.deliver_due()
        message = db.session.scalar(select(WebhookMessage))
        assert 55 <= (message.next_attempt_at - utcnow()).total_seconds() <= 60
        assert delivery.deliver_due() == {"sent": 0, "failed": 0}  # not due yet
        assert delivery.next_attempt_at() == message.next_attempt_at
    finally:
        app.config["WEBHOOK_RETRY_DELAYS"] = before


def test_an_endpoint_failing_for_five_days_is_disabled_and_admins_are_told(app, db, ctx, fast, receiver, endpoint):
    admins = [factories.make_user(ADMIN), factories.make_user(ADMIN)]
    hook = receiver([500])
    target = endpoint(hook.url, names=["referral.stage_changed"])
    target.failing_since = utcnow() - timedelta(days=5, minutes=1)
    sales, referee = _pipeline(db)
    move(referee, MEETING, sales, from_stage=CONTACTED)
    delivery.deliver_due()
    db.session.refresh(target)
    assert not target.enabled and target.auto_disabled
    told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "webhook_disabled")).all()
    assert sorted(told) == sorted(a.id for a in admins)
    assert delivery.deliver_due() == {"sent": 0, "failed": 0}  # nothing goes to a disabled endpoint


def test_a_success_resets_the_failure_clock(app, db, ctx, fast, receiver, endpoint):
    hook = receiver([])
    target = endpoint(hook.url, names=["referral.stage_changed"])
    target.failing_since = utcnow() - timedelta(days=4)
    sales, referee = _pipeline(db)
    move(referee, MEETING, sales, from_stage=CONTACTED)
    delivery.deliver_due()
    assert target.failing_since is None and target.enabled


def test_an_objection_cancels_and_scrubs_everything_about_the_referee(app, db, ctx, endpoint):
    target = endpoint(names=["referral.stage_changed", "referee.erased"])
    sales, referee = _pipeline(db)
    move(referee, MEETING, sales, from_stage=CONTACTED)
    referee_id = referee.id
    erase(referee)
    messages = {m.event_type: m for m in db.session.scalars(select(WebhookMessage))}
    assert messages["referral.stage_changed"].status == CANCELLED
    assert "Refco" not in messages["referral.stage_changed"].payload
    erased = json.loads(messages["referee.erased"].payload)
    assert erased["data"] == {"referee_id": referee_id} and messages["referee.erased"].endpoint_id == target.id


def test_an_objected_person_is_never_sent_again(app, db, ctx, endpoint):
    from app.referrals.intake import key_hash
    endpoint(names=["referral.stage_changed"])
    sales, referee = _pipeline(db)
    factories.make_referee_objection(key_hash(referee.email_key))
    move(referee, MEETING, sales, from_stage=CONTACTED)
    assert db.session.scalar(select(WebhookMessage)) is None


def test_the_customer_erasure_scrubs_their_payloads(app, db, ctx, endpoint):
    from app.privacy.erasure import erase_customer
    endpoint(names=["nps.answered"])
    customer = factories.make_user()
    from app.nps.services import record_answer
    record_answer(customer, 8)
    erase_customer(customer, factories.make_user(ADMIN))
    message = db.session.scalar(select(WebhookMessage))
    assert message.status == CANCELLED and message.payload == services.ERASED_PAYLOAD


def test_purge_old_removes_finished_messages_past_retention(app, db, ctx, endpoint):
    target = endpoint()
    now = utcnow()
    old = WebhookMessage(endpoint_id=target.id, msg_id="msg_old", event_type="x", payload="{}", status=DELIVERED,
                         created_at=now - timedelta(days=31))
    waiting = WebhookMessage(endpoint_id=target.id, msg_id="msg_wait", event_type="x", payload="{}", status=PENDING,
                             created_at=now - timedelta(days=31))
    fresh = WebhookMessage(endpoint_id=target.id, msg_id="msg_new", event_type="x", payload="{}", status=DELIVERED,
                           created_at=now - timedelta(days=1))
    db.session.add_all([old, waiting, fresh])
    db.session.flush()
    db.session.add(WebhookAttempt(message_id=old.id, number=1, status_code=200, ok=True))
    db.session.flush()
    assert services.purge_old(now) == 1
    assert sorted(db.session.scalars(select(WebhookMessage.msg_id))) == ["msg_new", "msg_wait"]


def test_the_cli_delivers_one_round(app, db, ctx, runner, receiver, endpoint):
    hook = receiver([])
    endpoint(hook.url, names=["referral.stage_changed"])
    sales, referee = _pipeline(db)
    move(referee, MEETING, sales, from_stage=CONTACTED)
    db.session.commit()
    result = runner.invoke(args=["deliver-webhooks"])
    assert result.exit_code == 0 and "Delivered 1, failed 0." in result.output
    assert len(hook.requests) == 1


def test_a_queued_message_kicks_the_job_runner_after_commit(app, db, ctx, endpoint, monkeypatch):
    kicked: list = []
    monkeypatch.setitem(app.config, "JOBS_KICK_ON_COMMIT", True)
    monkeypatch.setattr(kick, "_sink", kicked.append)
    endpoint(names=["referral.stage_changed"])
    sales, referee = _pipeline(db)
    kicked.clear()
    move(referee, MEETING, sales, from_stage=CONTACTED)
    assert kicked == []
    db.session.commit()
    assert "webhooks" in kicked and db.session.scalar(select(WebhookMessage.id))


def test_timestamps_are_naive_utc(app):
    assert signing.headers(["whsec_" + "A" * 32], "m", datetime(2024, 1, 1), b"")["webhook-timestamp"] == "1704067200"
