"""The guard on outgoing requests (webhooks, chat alerts): only public https targets in production,
loopback as well in development and tests, private ranges only when an admin allows them; host names
are judged by every address they resolve to (a stub resolver stands in for DNS)."""
from __future__ import annotations

import http.server
import threading

import pytest

from app.integrations import outbound
from app.integrations.targets import UnsafeTarget, check_target

NAMES = {
    "hooks.example.com": ["93.184.215.14"],
    "sneaky.example.com": ["93.184.215.14", "10.1.2.3"],  # one public, one private answer
    "metadata.example.com": ["169.254.169.254"],
    "local.example.com": ["127.0.0.1"],
    "v6.example.com": ["::ffff:10.0.0.5"],
}


def stub(host: str) -> list[str]:
    return NAMES.get(host, [])


@pytest.fixture
def production(app, db):
    before = app.config["APP_ENV"]
    app.config.update(APP_ENV="production", OUTBOUND_RESOLVER=stub)
    with app.test_request_context():
        yield app
    app.config.update(APP_ENV=before, OUTBOUND_RESOLVER=None)


@pytest.fixture
def stubbed(app, db):
    app.config["OUTBOUND_RESOLVER"] = stub
    with app.test_request_context():
        yield app
    app.config["OUTBOUND_RESOLVER"] = None


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://10.0.0.8/hook", "https://10.255.255.255:8443/x",
    "https://169.254.169.254/latest/meta-data", "https://local.example.com/hook",
    "https://sneaky.example.com/hook", "https://metadata.example.com/", "https://v6.example.com/",
    "https://[::1]/hook", "https://192.168.1.10/hook", "https://172.16.0.1/hook", "https://0.0.0.0/",
    "http://hooks.example.com/hook", "ftp://hooks.example.com/", "https://nowhere.example.com/",
    "https://user:secret@hooks.example.com/", "hooks.example.com/hook", "",
])
def test_production_refuses_private_loopback_and_plain_http(production, url):
    with pytest.raises(UnsafeTarget):
        check_target(url)


def test_production_accepts_a_public_https_target(production):
    assert check_target("  https://hooks.example.com/hook?x=1 ") == "https://hooks.example.com/hook?x=1"


def test_an_admin_may_allow_private_addresses_but_never_metadata_or_loopback(production):
    assert check_target("https://10.0.0.8/hook", allow_private=True)
    assert check_target("https://sneaky.example.com/hook", allow_private=True)
    for url in ("https://169.254.169.254/", "https://metadata.example.com/", "https://127.0.0.1/"):
        with pytest.raises(UnsafeTarget):
            check_target(url, allow_private=True)


def test_development_and_tests_allow_loopback_over_http(stubbed):
    assert check_target("http://127.0.0.1:8080/hook")
    assert check_target("http://local.example.com/hook")
    with pytest.raises(UnsafeTarget):
        check_target("http://10.0.0.8/hook")


def test_the_message_is_in_the_admins_language(production):
    from flask_babel import force_locale
    with force_locale("nl"), pytest.raises(UnsafeTarget) as refused:
        check_target("https://10.0.0.8/hook")
    assert "privé" in str(refused.value) or "netwerk" in str(refused.value)


class _Receiver(http.server.BaseHTTPRequestHandler):
    answers: list[int] = []
    seen: list[tuple[dict, bytes]] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((dict(self.headers), body))
        status = self.answers.pop(0) if self.answers else 200
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "http://169.254.169.254/")
        self.end_headers()
        self.wfile.write(b"thanks")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(app, db):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Receiver.answers, _Receiver.seen = [], []
    with app.test_request_context():
        yield f"http://127.0.0.1:{server.server_port}/hook", _Receiver
    server.shutdown()
    server.server_close()


def test_a_post_reaches_a_loopback_receiver_and_keeps_its_answer(db, receiver):
    url, handler = receiver
    answer = outbound.post(url, b'{"a": 1}', {"Content-Type": "application/json"})
    assert answer.ok and answer.status == 200 and answer.body == "thanks" and answer.duration_ms >= 0
    assert handler.seen[0][1] == b'{"a": 1}'


def test_a_redirect_is_not_followed_and_an_error_status_is_kept(db, receiver):
    url, handler = receiver
    handler.answers = [302, 500]
    redirected = outbound.post(url, b"{}", {})
    assert redirected.status == 302 and not redirected.ok
    failed = outbound.post(url, b"{}", {})
    assert failed.status == 500 and failed.body == "thanks"
    assert len(handler.seen) == 2  # the redirect's target was never asked


def test_nothing_listening_and_unsafe_targets_give_an_answer_without_status(production):
    answer = outbound.post("https://10.0.0.8/hook", b"{}", {})
    assert answer.status is None and "10.0.0.8" in answer.error
