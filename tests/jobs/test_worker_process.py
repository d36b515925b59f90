"""A real worker (`flask worker`, a subprocess) against a real SMTP server on loopback: killed with
SIGKILL while it delivers the third of five messages, started again, every message arrives once."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.jobs.models import WorkerHeartbeat
from app.mail import SENT, OutboxMessage
from tests.factories import make_outbox_message
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]


class StallsOnTheThird:
    """Accepts every message except the third, which it holds (no answer) until `release` is set and
    then refuses: the worker that sent it is dead by then and never hears back."""

    def __init__(self):
        self.accepted: list[str] = []
        self.seen = 0
        self.third_arrived = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.seen == 3:
            self.third_arrived.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 Try again later"
        self.accepted.append(envelope.rcpt_tos[0])
        return "250 Message accepted for delivery"


def _start_worker(app, tmp_path: Path, port: int, run: int) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}
    env.update({
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "JOBS_DB": str(tmp_path / "jobs.db"),
        "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "MAIL_TIMEOUT": "30",
        "WORKER_NAME": "kill-test", "SECRET_KEY": "worker-test", "BASE_URL": "http://portal.test",
        "APP_ENV": "development", "FLASK_APP": "wsgi", "PYTHONDONTWRITEBYTECODE": "1",
    })
    with open(tmp_path / f"worker-{run}.log", "w") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-m", "flask", "worker", "--threads", "1"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for(condition, timeout: float, what: str, tmp_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    logs = "\n".join(p.read_text() for p in sorted(tmp_path.glob("worker-*.log")))
    pytest.fail(f"timed out waiting for {what}; worker output:\n{logs}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # huey's consumer stops on SIGINT
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.committed
def test_a_worker_killed_mid_delivery_and_started_again_delivers_every_message_exactly_once(app, db, tmp_path):
    handler = StallsOnTheThird()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    recipients = [f"customer{n}@example.com" for n in range(1, 6)]
    for address in recipients:
        make_outbox_message(address)
    db.session.commit()
    first = second = None
    try:
        first = _start_worker(app, tmp_path, controller.port, 1)
        _wait_for(handler.third_arrived.is_set, 60, "the third message to reach the SMTP server", tmp_path)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        handler.release.set()  # its connection is gone: the server never accepted the third message
        assert handler.accepted == recipients[:2]

        second = _start_worker(app, tmp_path, controller.port, 2)
        _wait_for(lambda: len(handler.accepted) >= 5, 60, "all five messages", tmp_path)
        time.sleep(1.5)  # room for a duplicate to show up, if there were one
    finally:
        for process in (first, second):
            if process is not None:
                _stop(process)
        controller.stop()

    assert sorted(handler.accepted) == recipients and len(handler.accepted) == 5
    db.session.expire_all()
    assert [m.status for m in db.session.scalars(select(OutboxMessage))] == [SENT] * 5
    assert db.session.get(WorkerHeartbeat, "kill-test") is not None
    assert "released 1 claims" in (tmp_path / "worker-2.log").read_text()
