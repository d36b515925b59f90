"""The outbox: queued with the change, delivered by `send-mail` over real SMTP, retried when down."""
from __future__ import annotations

from datetime import timedelta
from email import message_from_string
from email.policy import default as email_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app import mail
from app.audit.models import AuditEntry
from app.auth import services
from app.dates import utcnow
from app.jobs import heartbeat
from app.mail import DEAD, PENDING, RETRY_EVERY, SENT, OutboxMessage, deliver_due
from tests.conftest import count_queries
from tests.factories import make_outbox_message, make_programme_identity, make_user
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
    make_programme_identity(organisation_name="Van Houten Installatietechniek", sender_name="Team Van Houten",
                            reply_to="klantsucces@vanhouten.example")
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
    nina = message_from_string(received["nina@example.com"].replace("\r\n", "\n"), policy=email_policy)
    assert nina["Subject"].strip() == "Your invitation to the customer programme of Van Houten Installatietechniek"
    assert nina["From"] == "Team Van Houten <no-reply@example.com>"
    assert nina["Reply-To"] == "klantsucces@vanhouten.example"
    assert "Kind regards,\nTeam Van Houten" in nina.get_content()
    assert "http://portal.test/invitation/" in nina.get_content()
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


@pytest.fixture
def clock(monkeypatch):
    """The outbox's own clock, moved by the test: days of retries in a second."""
    now = {"now": utcnow()}
    monkeypatch.setattr(mail, "utcnow", lambda: now["now"])
    return now


@pytest.fixture
def smtp_down(app, monkeypatch):
    """An SMTP server that was started and stopped again: its port refuses. Gives the port."""
    port = free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    controller.stop()
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 2)
    return port


def _queued_invitation(db, clock) -> OutboxMessage:
    services.invite(make_user("customer", email="nina@example.com", password=None, locale="en"))
    db.session.commit()
    clock["now"] = utcnow() + timedelta(seconds=1)  # past the moment it was queued
    return db.session.scalars(select(OutboxMessage)).one()


def _fail_until(db, clock, message: OutboxMessage, until) -> list[timedelta]:
    """Let the worker try whenever the message is due until `until`; the delays it chose."""
    delays = []
    while clock["now"] < until and message.status == PENDING:
        assert deliver_due() == {"sent": 0, "failed": 1}
        db.session.refresh(message)
        if message.status == PENDING:
            delays.append(message.next_attempt_at - clock["now"])
            clock["now"] = message.next_attempt_at
    return delays


def test_a_message_survives_a_two_day_smtp_outage_and_is_delivered_once_smtp_answers(app, db, clock, smtp_down):
    message = _queued_invitation(db, clock)
    start = clock["now"]
    delays = _fail_until(db, clock, message, start + timedelta(days=2))
    assert message.status == PENDING and message.first_attempt_at == start
    # Quick retries for a hiccup, then a steady, capped pace: neither hammering nor giving up.
    assert delays[:4] == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1)]
    assert set(delays[4:]) == {RETRY_EVERY} and timedelta(hours=2) <= RETRY_EVERY <= timedelta(hours=4)
    assert message.attempts == len(delays)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_down)  # SMTP answers again
    controller.start()
    try:
        assert deliver_due() == {"sent": 1, "failed": 0}
        assert deliver_due() == {"sent": 0, "failed": 0}
    finally:
        controller.stop()
    assert [envelope.rcpt_tos for envelope in inbox.messages] == [["nina@example.com"]]
    assert "/invitation/" in inbox.messages[0].content.decode()
    db.session.refresh(message)
    assert message.status == SENT and message.last_error is None


def test_a_message_is_dead_only_after_three_days_of_retries(app, db, clock, smtp_down):
    message = _queued_invitation(db, clock)
    start = clock["now"]
    _fail_until(db, clock, message, start + timedelta(days=30))
    assert message.status == DEAD and message.last_error
    assert start + timedelta(days=3) <= message.claimed_at <= start + timedelta(days=3) + RETRY_EVERY
    assert app.config["MAIL_RETRY_FOR"] == 3 * 24 * 60 * 60
    assert deliver_due() == {"sent": 0, "failed": 0}  # the worker leaves it alone


def test_the_retry_window_starts_at_the_first_attempt_not_at_queueing(app, db, clock, smtp_down):
    """A worker that was down for four days must not declare a message dead on its first try."""
    message = _queued_invitation(db, clock)
    clock["now"] += timedelta(days=4)
    assert deliver_due() == {"sent": 0, "failed": 1}
    db.session.refresh(message)
    assert message.status == PENDING and message.first_attempt_at == clock["now"]


def test_admin_lists_dead_mail_with_error_and_attempts(client, db, login_as):
    login_as("admin", locale="en")
    make_outbox_message("lost@example.com", subject="Your invitation", status=DEAD, attempts=19,
                        last_error="ConnectionRefusedError: [Errno 111] Connection refused")
    make_outbox_message("fine@example.com", subject="Delivered", status=SENT)
    make_outbox_message("waiting@example.com", subject="Still trying", status=PENDING, attempts=3)
    db.session.commit()
    page = client.get("/admin/outbox")
    assert page.status_code == 200
    assert "lost@example.com" in page.text and "19 attempts" in page.text and "Connection refused" in page.text
    assert "fine@example.com" not in page.text and "waiting@example.com" not in page.text
    assert "No worker has run yet" in page.text
    heartbeat.beat("worker-1", 4242)
    assert "The worker is running (last heartbeat 0 seconds ago)." in client.get("/admin/outbox").text
    assert 'href="/admin/outbox"' in client.get("/admin/audit").text  # in the admin navigation


def test_dead_mail_is_paginated(client, db, login_as):
    login_as("admin", locale="en")
    for n in range(30):
        make_outbox_message(f"lost{n}@example.com", status=DEAD, attempts=20)
    db.session.commit()
    first, second = client.get("/admin/outbox"), client.get("/admin/outbox?page=2")
    assert first.text.count('class="redemption"') == 25 and second.text.count('class="redemption"') == 5
    assert "Page 1 of 2" in first.text


def test_queue_again_without_javascript_is_audited_and_delivered_by_the_worker(client, db, login_as, post_form):
    admin = login_as("admin", locale="en")
    message = make_outbox_message("lost@example.com", status=DEAD, attempts=20, last_error="refused",
                                  first_attempt_at=utcnow() - timedelta(days=3))
    db.session.commit()
    response = post_form(f"/admin/outbox/{message.id}/retry")
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/outbox")
    db.session.refresh(message)
    assert message.status == PENDING and message.attempts == 0 and message.first_attempt_at is None
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mail.retry")).one()
    assert entry.actor_id == admin.id and entry.target_id == message.id and "lost@example.com" not in entry.summary
    assert "Queued again" in client.get("/admin/outbox").text
    assert deliver_due() == {"sent": 1, "failed": 0}  # the log backend


def test_queue_again_with_htmx_replaces_the_row_and_a_second_click_changes_nothing(client, db, login_as, post_form):
    login_as("admin", locale="en")
    message = make_outbox_message(status=DEAD, attempts=20)
    db.session.commit()
    first = post_form(f"/admin/outbox/{message.id}/retry", htmx=True)
    assert first.status_code == 200 and "<html" not in first.text
    assert f'id="mail-{message.id}"' in first.text and "Queued again" in first.text
    second = post_form(f"/admin/outbox/{message.id}/retry", htmx=True)
    assert second.status_code == 409 and "Nothing was changed" in second.text
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mail.retry")).all()) == 1


def test_queue_again_needs_a_csrf_token(client, db, login_as):
    login_as("admin")
    message = make_outbox_message(status=DEAD)
    db.session.commit()
    assert client.post(f"/admin/outbox/{message.id}/retry").status_code == 400
    db.session.refresh(message)
    assert message.status == DEAD


@pytest.mark.committed
def test_healthz_counts_dead_mail(client, db):
    make_outbox_message(status=DEAD)
    make_outbox_message(status=DEAD)
    make_outbox_message(status=PENDING)
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["dead_mail"] == 2
    assert response.json["outbox"]["pending"] == 1


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


def test_dead_mail_page_query_budget_does_not_grow_with_rows(app, client, db, login_as):
    login_as("admin", locale="en")

    def queries() -> int:
        with count_queries(app) as statements:
            assert client.get("/admin/outbox").status_code == 200
        return len(statements)

    make_outbox_message(status=DEAD)
    db.session.commit()
    few = queries()
    for _ in range(24):
        make_outbox_message(status=DEAD)
    db.session.commit()
    assert few == queries() <= 6  # the user, the programme's identity (header), the count, the page, the heartbeat
