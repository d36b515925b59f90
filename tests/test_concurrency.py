"""Races that only a real database shows: PostgreSQL, real threads, each with its own session.

Every worker thread pushes its own app context (Flask-SQLAlchemy scopes the session to it), waits
at a barrier so the threads really collide, and removes its session at the end (tests.helpers.
run_at_once). Test data is committed by the main thread before any worker starts.
"""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth import services
from app.auth.models import MARKETER, User
from app.extensions import db as _db
from app.mail import PENDING, SENT, OutboxMessage, deliver_due
from tests.factories import make_user
from tests.helpers import TIMEOUT, Inbox, free_port, run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.committed]


def test_two_workers_deliver_each_mail_once(app, db, monkeypatch):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
        addresses = [f"recipient{n}@example.com" for n in range(20)]
        db.session.add_all(
            OutboxMessage(to_address=to, subject="Your invitation", body_text=f"Hello {to}", kind="invitation")
            for to in addresses
        )
        db.session.commit()
        assert db.session.scalar(select(func.count()).where(OutboxMessage.status == PENDING)) == 20

        results = run_at_once(app, 4, deliver_due)
    finally:
        controller.stop()

    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    assert sum(r["sent"] for r in results) == 20 and sum(r["failed"] for r in results) == 0
    received = Counter(to for envelope in inbox.messages for to in envelope.rcpt_tos)
    assert received == Counter(addresses)  # every message exactly once
    db.session.expire_all()
    assert {m.status for m in db.session.scalars(select(OutboxMessage))} == {SENT}


def test_same_email_registered_twice_at_once_gives_one_account(app, db):
    def register() -> int:
        user = services.create_user("same@example.com", "Same Person", MARKETER, password=None)
        _db.session.commit()
        return user.id

    results = run_at_once(app, 5, register)

    created = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(created) == 1, results
    # The loser either saw the winner's row (AccountError) or hit the unique index (IntegrityError).
    assert len(refused) == 4 and all(isinstance(r, (IntegrityError, services.AccountError)) for r in refused), refused
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "same@example.com")) == 1


def test_concurrent_sign_outs_each_end_the_session(app, db):
    user_id = make_user("customer").id
    db.session.commit()
    loaded = threading.Barrier(5, timeout=TIMEOUT)

    def sign_out() -> None:
        user = _db.session.get(User, user_id)
        assert user.session_version == 1
        loaded.wait()  # every thread holds its own instance at version 1 before anyone bumps it
        user.end_sessions()
        _db.session.commit()

    results = run_at_once(app, 5, sign_out)

    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    assert db.session.scalar(select(User.session_version).where(User.id == user_id)) == 1 + 5
