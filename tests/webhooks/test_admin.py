"""The admin pages: add (secret shown once), edit, the SSRF guard at save, rotation, test event,
replay, delete, audit, htmx with and without HX-Request, and the statement budgets."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.events import NAMES
from app.webhooks.models import DELIVERED, WebhookEndpoint, WebhookMessage
from tests.conftest import HX, count_queries
from tests.integrations.test_targets import stub


def _audits(db, action):
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_adding_an_endpoint_shows_its_secret_once_and_audits(app, client, db, login_as, post_form):
    login_as("admin", locale="en")
    response = post_form("/admin/webhooks/new", {"url": "http://127.0.0.1:8080/hook", "description": "CRM",
                                                  "events": ["referral.won", "nps.answered"], "enabled": "y"})
    assert response.status_code == 200
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in response.text
    assert endpoint.events == ["referral.won", "nps.answered"] and endpoint.enabled and not endpoint.allow_private
    assert endpoint.secret not in client.get(f"/admin/webhooks/{endpoint.id}").text
    assert endpoint.secret not in client.get("/admin/webhooks").text
    assert len(_audits(db, "webhook.create")) == 1


def test_the_form_offers_every_event(app, client, db, login_as):
    login_as("admin")
    html = client.get("/admin/webhooks/new").text
    assert all(f'value="{name}"' in html for name in NAMES)


@pytest.fixture
def production(app):
    before = app.config["APP_ENV"]
    app.config.update(APP_ENV="production", OUTBOUND_RESOLVER=stub)
    yield
    app.config.update(APP_ENV=before, OUTBOUND_RESOLVER=None)


@pytest.mark.parametrize("url", ["https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://10.255.0.1/x",
                                 "https://169.254.169.254/latest/meta-data", "https://local.example.com/hook",
                                 "https://metadata.example.com/", "https://sneaky.example.com/hook"])
def test_production_refuses_private_targets_and_keeps_what_was_typed(app, client, db, login_as, post_form, production,
                                                                     url):
    login_as("admin", locale="nl")
    response = post_form("/admin/webhooks/new", {"url": url, "description": "Mijn CRM", "events": ["referral.won"],
                                                  "enabled": "y"})
    assert response.status_code == 422
    assert "privénetwerk" in response.text or "netwerk" in response.text
    assert url.replace("&", "&amp;") in response.text and "Mijn CRM" in response.text
    assert db.session.scalar(select(WebhookEndpoint)) is None


def test_production_accepts_a_public_https_target(app, client, db, login_as, post_form, production):
    login_as("admin")
    response = post_form("/admin/webhooks/new", {"url": "https://hooks.example.com/hook", "events": ["referral.won"]})
    assert response.status_code == 200
    assert db.session.scalar(select(WebhookEndpoint)).url == "https://hooks.example.com/hook"


def test_bad_input_is_answered_in_the_admins_language(app, client, db, login_as, post_form):
    login_as("admin", locale="en")
    response = post_form("/admin/webhooks/new", {"url": "", "events": ["no.such.event"]})
    assert response.status_code == 422
    assert "Enter the address that receives the webhooks." in response.text


def _made(db, url="http://127.0.0.1:9/hook"):
    from app.webhooks import services
    endpoint = services.create_endpoint(url, "CRM", ["referral.won"], True, False)
    db.session.commit()
    return endpoint


def test_editing_rotating_and_deleting_are_audited(app, client, db, login_as, post_form):
    login_as("admin")
    endpoint = _made(db)
    old = endpoint.secret
    response = post_form(f"/admin/webhooks/{endpoint.id}", {"url": endpoint.url, "description": "HubSpot",
                                                            "events": ["referral.won", "referee.erased"]})
    assert response.status_code == 303
    db.session.refresh(endpoint)
    assert endpoint.description == "HubSpot" and not endpoint.enabled and endpoint.events == ["referral.won",
                                                                                             "referee.erased"]
    entry = _audits(db, "webhook.update")[0]
    assert entry.details["after"]["description"] == "HubSpot"
    response = post_form(f"/admin/webhooks/{endpoint.id}/rotate")
    db.session.refresh(endpoint)
    assert endpoint.secret != old and endpoint.previous_secret == old and endpoint.secret in response.text
    assert _audits(db, "webhook.rotate")
    assert post_form(f"/admin/webhooks/{endpoint.id}/delete").status_code == 303
    assert db.session.scalar(select(WebhookEndpoint)) is None and _audits(db, "webhook.delete")


@pytest.mark.parametrize("htmx", [False, True])
def test_send_a_test_event(app, client, db, login_as, post_form, receiver, htmx):
    login_as("admin", locale="en")
    hook = receiver([])
    endpoint = _made(db, hook.url)
    response = post_form(f"/admin/webhooks/{endpoint.id}/test", htmx=htmx)
    if htmx:
        assert response.status_code == 200 and "<html" not in response.text
        assert "The test event was delivered." in response.text
    else:
        assert response.status_code == 303
    assert len(hook.requests) == 1 and b'"type":"webhook.test"' in hook.requests[0][1]
    assert _audits(db, "webhook.test")


@pytest.mark.parametrize("htmx", [False, True])
def test_replay_a_delivered_message(app, client, db, login_as, post_form, htmx):
    login_as("admin", locale="en")
    endpoint = _made(db)
    message = WebhookMessage(endpoint_id=endpoint.id, msg_id="msg_replay", event_type="referral.won", payload="{}",
                             status=DELIVERED, attempts=1)
    db.session.add(message)
    db.session.commit()
    response = post_form(f"/admin/webhooks/deliveries/{message.id}/replay", htmx=htmx)
    assert response.status_code == (200 if htmx else 303)
    db.session.refresh(message)
    assert message.status == "pending" and message.msg_id == "msg_replay"
    again = post_form(f"/admin/webhooks/deliveries/{message.id}/replay", htmx=htmx)
    assert again.status_code == (409 if htmx else 303)
    assert len(_audits(db, "webhook.replay")) == 1


def test_pages_as_htmx_fragments(app, client, db, login_as):
    login_as("admin")
    endpoint = _made(db)
    for url in ("/admin/webhooks", f"/admin/webhooks/{endpoint.id}", f"/admin/webhooks/{endpoint.id}/log"):
        full, fragment = client.get(url), client.get(url, headers=HX)
        assert full.status_code == fragment.status_code == 200
        assert "<html" in full.text and "<html" not in fragment.text


def test_statement_budgets(app, client, db, login_as):
    login_as("admin")
    endpoint = _made(db)

    def fill(n):
        for i in range(n):
            db.session.add(WebhookEndpoint(url=f"http://127.0.0.1:9/{i}", events=["referral.won"], secret="whsec_x"))
            db.session.add(WebhookMessage(endpoint_id=endpoint.id, msg_id=f"msg_{n}_{i}", event_type="referral.won",
                                          payload="{}", status=DELIVERED))
        db.session.commit()

    pages = ("/admin/webhooks", f"/admin/webhooks/{endpoint.id}", f"/admin/webhooks/{endpoint.id}/log")
    fill(2)
    few = {}
    for url in pages:
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        few[url] = len(statements)
    fill(30)
    for url in pages:
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        assert len(statements) == few[url] <= 6, (url, statements)
