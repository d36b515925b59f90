"""Helpers that several test modules share: real threads at once, a local SMTP inbox."""
from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from app.extensions import db as _db

T = TypeVar("T")


def programme_today() -> date:
    """Today where the programme runs (the tests' app uses the default Europe/Amsterdam), as
    `app.dates.today()` counts it; needed outside an app context and differs from the server's
    date around midnight UTC."""
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()

TIMEOUT = 30  # seconds; only reached when something deadlocks


def run_at_once(app, workers: int, work: Callable[[], T]) -> list[T | BaseException]:
    """Run `work` in `workers` threads released together; the result or exception of each.

    Every thread pushes its own app context (Flask-SQLAlchemy scopes the session to it), so it has
    its own session and connection: a test using this is marked `committed`."""
    if _db.session.session_factory.kw.get("bind") is not None:
        raise RuntimeError("threads need connections of their own: mark the test `committed`")
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


class Inbox:
    """An aiosmtpd handler that keeps every envelope it is sent."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
