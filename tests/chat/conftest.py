"""A chat app on loopback: an http.server in a thread that keeps every body posted to it and answers
with the statuses a test lines up (200 when none are left)."""
from __future__ import annotations

import http.server
import json
import threading
from dataclasses import dataclass, field

import pytest


@dataclass
class Receiver:
    url: str
    bodies: list = field(default_factory=list)
    statuses: list = field(default_factory=list)  # answered in order; then 200


def _handler(receiver: Receiver):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            receiver.bodies.append(json.loads(self.rfile.read(length) or b"null"))
            status = receiver.statuses.pop(0) if receiver.statuses else 200
            answer = b"ok" if status == 200 else b"no_service"
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):  # quiet
            pass

    return Handler


@pytest.fixture
def receiver():
    box = Receiver(url="")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(box))
    box.url = f"http://127.0.0.1:{server.server_address[1]}/services/T0001/B0002/secret1234"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box
    server.shutdown()
    server.server_close()
