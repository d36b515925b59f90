"""The outbox: queued with the change, delivered by `send-mail` over real SMTP, retried when down."""
from __future__ import annotations

from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.auth import services
from app.dates import utcnow
from app.mail import FAILED, PENDING, SENT, OutboxMessage, deliver_due
from tests.factories import make_user
from tests.helpers import Inbox, free_port


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def smtp_config(app, monkeypatch, smtp_server):
    controller, inbox = smtp_server
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    return inbox


def test_invitation_and_reset_are_delivered_by_send_mail_over_smtp(client, runner, db, post_form, smtp_config):
    inbox = smtp_config
    user = make_user("customer", email="nina@example.com", password=None, locale="en")
    services.invite(user)
    db.session.commit()
    make_user("customer", email="kees@example.com", locale="nl")
    db.session.commit()
    post_form("/password/forgot", {"email": "kees@example.com"})
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.status == PENDING).limit(1)) is not None

    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "Sent 2, failed 0." in result.output
    received = {env.rcpt_tos[0]: env.content.decode() for env in inbox.messages}
    assert set(received) == {"nina@example.com", "kees@example.com"}
    assert "Subject: Your invitation to Ambassador Journey" in received["nina@example.com"]
    assert "http://portal.test/invitation/" in received["nina@example.com"]
    assert "/password/reset/" in received["kees@example.com"]
    assert all(m.status == SENT for m in db.session.scalars(select(OutboxMessage)))
    # Nothing is sent twice.
    assert "Sent 0, failed 0." in runner.invoke(args=["send-mail"]).output
    assert len(inbox.messages) == 2


def test_mail_is_kept_and_retried_when_smtp_is_down(app, runner, db, monkeypatch, smtp_server):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens here
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 2)
    user = make_user("customer", email="nina@example.com", password=None)
    services.invite(user)
    db.session.commit()
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 1 and "failed 1" in result.output
    message = db.session.scalars(select(OutboxMessage)).one()
    db.session.refresh(message)
    assert message.status == PENDING and message.attempts == 1 and message.last_error
    assert message.next_attempt_at > utcnow()
    # Not due yet: the worker leaves it alone.
    assert deliver_due() == {"sent": 0, "failed": 0}

    controller, inbox = smtp_server
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert deliver_due() == {"sent": 1, "failed": 0}
    assert len(inbox.messages) == 1
    db.session.refresh(message)
    assert message.status == SENT and message.attempts == 2 and message.last_error is None


def test_mail_gives_up_after_max_attempts(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    user = make_user("customer", password=None)
    services.invite(user)
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage)).one()
    for _ in range(2):
        message.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        deliver_due()
        db.session.refresh(message)
    assert message.status == FAILED and message.attempts == 2


def test_mail_is_not_queued_when_the_change_rolls_back(app, db):
    user = make_user("customer", password=None)
    db.session.commit()
    services.invite(user)
    db.session.rollback()
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_log_backend_delivers_right_after_the_request_commits(app, client, db, post_form, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "MAIL_DELIVER_ON_COMMIT", True)
    make_user("customer", email="kees@example.com")
    db.session.commit()
    with caplog.at_level("INFO"):
        post_form("/password/forgot", {"email": "kees@example.com"})
    assert "E-mail to kees@example.com" in caplog.text
    assert db.session.scalars(select(OutboxMessage)).one().status == SENT


def test_purge_removes_old_delivered_mail_only(runner, db):
    old = OutboxMessage(to_address="a@example.com", subject="s", body_text="b", kind="k", status=SENT,
                        sent_at=utcnow() - timedelta(days=40))
    recent = OutboxMessage(to_address="b@example.com", subject="s", body_text="b", kind="k", status=SENT,
                           sent_at=utcnow())
    pending = OutboxMessage(to_address="c@example.com", subject="s", body_text="b", kind="k")
    db.session.add_all([old, recent, pending])
    db.session.commit()
    result = runner.invoke(args=["purge"])
    assert "Removed 1 delivered" in result.output
    assert {m.to_address for m in db.session.scalars(select(OutboxMessage))} == {"b@example.com", "c@example.com"}


def test_a_long_batch_stamps_each_claim_when_it_is_made(app, db, monkeypatch):
    """Otherwise a claim made late in a slow batch looks stale at once and a second worker resends it."""
    from app import mail

    clock = {"now": utcnow()}
    monkeypatch.setattr(mail, "utcnow", lambda: clock["now"])
    start = clock["now"]
    for n in range(2):
        db.session.add(OutboxMessage(to_address=f"p{n}@example.com", subject="s", body_text="b", kind="k",
                                     next_attempt_at=start - timedelta(seconds=1)))
    db.session.commit()

    def slow_send(self, email):
        clock["now"] += timedelta(minutes=11)

    monkeypatch.setattr(mail.LogBackend, "send", slow_send)
    assert deliver_due() == {"sent": 2, "failed": 0}
    second = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[1]
    assert second.claimed_at >= start + timedelta(minutes=11)
