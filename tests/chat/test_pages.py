"""The chat alert settings: a sales person's own page, the admin's list and per-person page; the
address checked at save (in the person's language, the form keeping what was typed), masked once
saved, audited; the test button with and without htmx; query budgets."""
from __future__ import annotations

import pytest

from app.audit.models import AuditEntry
from app.auth.models import SALES
from app.chat.models import FAILED, PERSONAL, TEAM, TEAMS, ChatChannel
from app.extensions import db as _db
from tests import factories
from tests.conftest import count_queries, form_value

PAGE = "/sales/chat-alerts"


def _channel(owner, scope=PERSONAL) -> ChatChannel | None:
    _db.session.expire_all()
    return _db.session.scalar(_db.select(ChatChannel).where(ChatChannel.owner_id == owner.id,
                                                            ChatChannel.scope == scope))


def _save(post_form, url, scope=PERSONAL, page=PAGE, **fields):
    data = {"scope": scope, "action": "save", f"{scope}-kind": "slack", f"{scope}-url": url, f"{scope}-enabled": "y"}
    data.update({f"{scope}-{k}": v for k, v in fields.items()})
    return post_form(page, data)


@pytest.fixture
def production(app):
    app.config.update(APP_ENV="production", OUTBOUND_RESOLVER=lambda host: {"hooks.slack.com": ["52.1.2.3"]}.get(
        host, ["10.0.0.9"]))
    yield app
    app.config.update(APP_ENV="development", OUTBOUND_RESOLVER=None)


def test_a_sales_person_saves_their_channel_and_sees_it_masked(app, client, db, login_as, post_form, production):
    me = login_as(SALES, locale="en")
    page = client.get(PAGE)
    assert page.status_code == 200 and "Own channel" in page.text and "Team channel" not in page.text
    url = "https://hooks.slack.com/services/T000/B000/XXXXs3cr3tXXXXabcd"
    response = _save(post_form, url)
    assert response.status_code == 303 and response.headers["Location"].endswith(PAGE)
    channel = _channel(me)
    assert (channel.url, channel.kind, channel.enabled) == (url, "slack", True)
    page = client.get(PAGE).text
    assert "s3cr3t" not in page and "https://hooks.slack.com/…abcd" in page and "The channel is saved" in page
    assert form_value(page, "personal-url") in (None, "")
    entry = _db.session.scalar(_db.select(AuditEntry).where(AuditEntry.action == "chat_channel.save"))
    assert entry.actor_id == me.id and entry.target_type == "ChatChannel" and "s3cr3t" not in str(entry.details)

    # Empty keeps the saved address; the kind and the switch change.
    response = post_form(PAGE, {"scope": PERSONAL, "action": "save", "personal-kind": "teams", "personal-url": ""})
    assert response.status_code == 303
    channel = _channel(me)
    assert (channel.url, channel.kind, channel.enabled) == (url, TEAMS, False)

    response = post_form(PAGE, {"scope": PERSONAL, "action": "remove"})
    assert response.status_code == 303 and _channel(me) is None
    assert _db.session.scalar(_db.select(AuditEntry).where(AuditEntry.action == "chat_channel.remove")) is not None


@pytest.mark.parametrize("locale,url,error", [
    ("nl", "https://hooks.internal.example/x", "wijst naar een privé-netwerk (10.0.0.9)"),
    ("en", "https://hooks.internal.example/x", "points into a private network (10.0.0.9)"),
    ("en", "http://hooks.slack.com/services/x", "Only https:// addresses can be used."),
    ("nl", "https://169.254.169.254/latest", "wijst naar een privé-netwerk"),
])
def test_an_unsafe_address_is_refused_in_the_persons_language_and_kept_in_the_form(
        app, client, db, login_as, post_form, production, locale, url, error):
    me = login_as(SALES, locale=locale)
    response = _save(post_form, url)
    assert response.status_code == 422
    assert error in response.text
    assert form_value(response.text, "personal-url") == url
    assert _channel(me) is None


def test_a_new_channel_needs_an_address_and_a_team_channel_needs_a_team(app, client, db, login_as, post_form):
    me = login_as(SALES, locale="en")
    response = _save(post_form, "")
    assert response.status_code == 422 and "Paste the channel" in response.text
    assert _save(post_form, "http://127.0.0.1:9/x", scope=TEAM).status_code == 404
    assert post_form(PAGE, {"scope": "nonsense"}).status_code == 404
    factories.make_user(SALES, manager=me)
    db.session.commit()
    assert "Team channel" in client.get(PAGE).text
    assert _save(post_form, "http://127.0.0.1:9/x", scope=TEAM).status_code == 303
    assert _channel(me, TEAM).url == "http://127.0.0.1:9/x"


@pytest.mark.parametrize("htmx", [False, True])
def test_the_test_button_posts_a_test_message_and_says_what_happened(app, client, db, login_as, post_form, receiver,
                                                                     htmx):
    me = login_as(SALES, locale="nl")
    factories.make_chat_channel(me, url=receiver.url)
    db.session.commit()
    response = post_form(f"{PAGE}/test", {"scope": PERSONAL}, htmx=htmx)
    [body] = receiver.bodies
    assert body["text"].startswith("Testbericht: Chatalerts van het ambassadeursprogramma")
    if htmx:
        assert response.status_code == 200 and "<html" not in response.text
        assert 'id="test-personal"' in response.text and "Het testbericht is afgeleverd" in response.text
    else:
        assert response.status_code == 303
        assert "Het testbericht is afgeleverd" in client.get(PAGE).text
    receiver.statuses[:] = [500]
    response = post_form(f"{PAGE}/test", {"scope": PERSONAL}, htmx=htmx)
    text = response.text if htmx else client.get(PAGE).text
    assert "de ontvanger antwoordde 500" in text
    assert post_form(f"{PAGE}/test", {"scope": TEAM}, htmx=htmx).status_code == 404


def test_failures_are_listed_on_the_settings_page(app, client, db, login_as):
    me = login_as(SALES, locale="en")
    channel = factories.make_chat_channel(me)
    factories.make_chat_message(channel, status=FAILED, attempts=7, response_code=410, last_error="HTTP 410: gone-marker")
    db.session.commit()
    page = client.get(PAGE).text
    assert "gone-marker" in page and "7 attempts" in page and "answer 410" in page


def test_an_admin_lists_every_sales_person_and_edits_their_channels(app, client, db, login_as, post_form):
    lead = factories.make_user(SALES, name="Lea Lead")
    am = factories.make_user(SALES, name="Sam Seller", manager=lead)
    factories.make_chat_channel(lead, scope=TEAM, kind=TEAMS)
    customer = factories.make_user(name="Cas Customer")
    admin = login_as("admin", locale="en")
    page = client.get("/admin/chat-alerts").text
    assert "Lea Lead" in page and "Sam Seller" in page and "Microsoft Teams · On" in page and "Leads no team" in page
    assert "Cas Customer" not in page
    person = client.get(f"/admin/chat-alerts/{am.id}")
    assert person.status_code == 200 and "Sam Seller" in person.text and "Team channel" not in person.text
    assert "Team channel" in client.get(f"/admin/chat-alerts/{lead.id}").text
    response = _save(post_form, "http://127.0.0.1:9/hook", page=f"/admin/chat-alerts/{am.id}")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/admin/chat-alerts/{am.id}")
    assert _channel(am).url == "http://127.0.0.1:9/hook"
    entry = _db.session.scalar(_db.select(AuditEntry).where(AuditEntry.action == "chat_channel.save"))
    assert entry.actor_id == admin.id
    assert client.get(f"/admin/chat-alerts/{customer.id}").status_code == 404
    assert "Sam Seller" in client.get("/admin/audit").text


def _queries(app, client, url) -> int:
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def test_the_pages_query_budget_does_not_grow_with_rows(app, client, db, login_as):
    me = login_as(SALES)
    channel = factories.make_chat_channel(me)
    lead = factories.make_user(SALES)
    factories.make_chat_channel(lead, scope=TEAM)
    factories.make_user(SALES, manager=lead)
    for _ in range(2):
        factories.make_chat_message(channel, status=FAILED, last_error="x")
    db.session.commit()
    few = _queries(app, client, PAGE)
    for _ in range(30):
        factories.make_chat_message(channel, status=FAILED, last_error="x")
        factories.make_user(SALES, manager=me)
    db.session.commit()
    many = _queries(app, client, PAGE)
    assert few == many <= 8

    login_as("admin")
    few = _queries(app, client, "/admin/chat-alerts")
    for _ in range(30):
        person = factories.make_user(SALES, manager=lead)
        factories.make_chat_channel(person)
    db.session.commit()
    many = _queries(app, client, "/admin/chat-alerts")
    assert few == many <= 8
