"""Webhook test helpers: a receiver on loopback, a recorder of published events, an endpoint."""
from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from app import events
from app.events import NAMES
from app.webhooks import services


class Receiver:
    """An HTTP server on 127.0.0.1 answering the statuses in `answers` in turn (then 200)."""

    def __init__(self, answers=()):
        self.answers = list(answers)
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"receiver trouble")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator:
    made: list[Receiver] = []

    def make(answers=()):
        made.append(Receiver(answers))
        return made[-1]

    yield make
    for r in made:
        r.close()


@contextmanager
def recorded() -> Iterator[list]:
    """Every event published while the block runs."""
    seen: list = []
    events.subscribe(seen.append)
    try:
        yield seen
    finally:
        events._subscribers.remove(seen.append)


@pytest.fixture
def endpoint(db):
    def make(url="http://127.0.0.1:9/hook", names=NAMES, **fields):
        made = services.create_endpoint(url, fields.pop("description", "CRM"), list(names), fields.pop("enabled", True),
                                        fields.pop("allow_private", False))
        db.session.flush()
        return made
    return make


@pytest.fixture
def ctx(app, db):
    """A request context: operations word mail and links in a language."""
    with app.test_request_context():
        yield
