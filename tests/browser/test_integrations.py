"""Integrations seen from the browser: a referral moved on its page reaches a webhook receiver on
loopback within seconds, signed so that the Standard Webhooks reference code verifies it.

The tests' job queue runs each job where it is enqueued (immediate mode), so the after-commit kick
delivers in the server's request thread; tests/jobs starts a real worker process."""
from __future__ import annotations

import http.server
import json
import threading
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from standardwebhooks import Webhook

ACCOUNT_MANAGER = "sales@example.com"


class _Receiver(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[dict, bytes]] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Receiver.seen = []
    yield f"http://127.0.0.1:{server.server_port}/crm-hook", _Receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint(live_app, receiver):
    """An endpoint for referral.stage_changed at the receiver, with the after-commit kick switched on."""
    from app.extensions import db
    from app.webhooks import services
    from app.webhooks.models import WebhookEndpoint

    url, _handler = receiver
    live_app.config["JOBS_KICK_ON_COMMIT"] = True
    with live_app.app_context():
        hook = services.create_endpoint(url, "CRM", ["referral.stage_changed"], True, False)
        db.session.commit()
        hook_id, secret = hook.id, hook.secret
        db.session.remove()
    yield secret
    live_app.config["JOBS_KICK_ON_COMMIT"] = False
    with live_app.app_context():
        db.session.delete(db.session.get(WebhookEndpoint, hook_id))
        db.session.commit()
        services.forget_endpoints()
        db.session.remove()


def _open_referral(live_app) -> tuple[int, str]:
    """A referral in the account manager's pipeline that can still move to a meeting."""
    from app.auth.models import User
    from app.extensions import db
    from app.referrals.models import CONTACTED, NEW, Referee
    from app.sales.scope import visible_referrals

    with live_app.app_context():
        sam = User.by_email(ACCOUNT_MANAGER)
        referee = db.session.scalars(
            visible_referrals(select(Referee), sam).where(Referee.stage.in_((NEW, CONTACTED))).order_by(Referee.id)
        ).first()
        assert referee is not None, "the demo has an open referral for the account manager"
        found = referee.id, referee.stage
        db.session.remove()
    return found


def test_a_move_in_the_browser_reaches_the_webhook_receiver_signed(live_app, new_tab, log_in, receiver, endpoint):
    _url, handler = receiver
    referee_id, from_stage = _open_referral(live_app)
    tab = new_tab(locale="en-GB")
    page = tab.page
    log_in(page, ACCOUNT_MANAGER, lands_on="/sales")
    page.goto(f"/sales/referrals/{referee_id}")
    page.locator("aside form[action$='/stage'] select[name=to_stage]").select_option("meeting")
    moved_at = time.monotonic()
    page.locator("aside form[action$='/stage'] button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()

    deadline = moved_at + 10
    while not handler.seen and time.monotonic() < deadline:
        time.sleep(0.05)
    assert handler.seen, "the receiver got nothing within 10 seconds of the move"
    assert time.monotonic() - moved_at < 10
    headers, body = handler.seen[0]
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= set(headers)
    payload = Webhook(endpoint).verify(body, headers)  # the reference code: raises on a bad signature
    assert payload["type"] == "referral.stage_changed"
    data = payload["data"]
    assert json.dumps(data).count(str(referee_id)) >= 1
    assert from_stage in json.dumps(data) and "meeting" in json.dumps(data)
    assert "@" not in body.decode()  # no e-mail address leaves in a referral's payload
    tab.assert_clean()
