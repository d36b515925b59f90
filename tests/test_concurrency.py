"""Races that only a real database shows: PostgreSQL, real threads, each with its own session.

Every worker thread pushes its own app context (Flask-SQLAlchemy scopes the session to it), waits
at a barrier so the threads really collide, and removes its session at the end. Test data is
committed by the main thread before any worker starts.
"""
from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth import services
from app.auth.models import MARKETER, User
from app.extensions import db as _db
from app.mail import PENDING, SENT, OutboxMessage, deliver_due
from tests.conftest import PG_URL
from tests.factories import make_user
from tests.test_mail import Inbox, _free_port

pytestmark = pytest.mark.postgres

T = TypeVar("T")
TIMEOUT = 30  # seconds; only reached when something deadlocks


@pytest.fixture(autouse=True)
def _postgres_only():
    if not PG_URL:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
        pytest.skip("TEST_DATABASE_URL not set: the concurrency tests need PostgreSQL")


def run_at_once(app, workers: int, work: Callable[[], T]) -> list[T | BaseException]:
    """Run `work` in `workers` threads released together; the result or exception of each."""
    barrier = threading.Barrier(workers, timeout=TIMEOUT)

    def worker() -> T | BaseException:
        with app.app_context():
            try:
                barrier.wait()
                return work()
            except Exception as exc:  # handed back to the test, which decides what is expected
                _db.session.rollback()
                return exc
            finally:
                _db.session.remove()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(worker) for _ in range(workers)]
        return [future.result(timeout=TIMEOUT) for future in futures]


def test_two_workers_deliver_each_mail_once(app, db, monkeypatch):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
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
