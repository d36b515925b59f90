"""Chat alerts end to end: a domain event queues a message in the same transaction, the delivery
round posts it to a real receiver on loopback, in the account manager's language, with a link back
that opens the page; retries, give-ups, escaping and who hears about what."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from app import events
from app.auth.models import SALES
from app.chat import delivery, messages
from app.chat.models import FAILED, PENDING, SENT, TEAM, TEAMS, ChatMessage
from app.dates import utcnow
from app.extensions import db as _db
from tests import factories

SLACK_LINK = re.compile(r"<([^|>]+)\|([^>]+)>")


def _detractor(am, *, score=3, reason="De planning liep twee weken uit.", name="Anna de Vries",
               company="Bouwbedrijf Noord"):
    company = factories.make_company(company, account_manager=am)
    customer = factories.make_user(company=company, name=name, email=f"{name.split()[0].lower()}@noord.example")
    response = factories.make_nps_response(customer, score=score, reason=reason)
    task = factories.make_follow_up(response, assignee=am)
    return customer, response, task


def _all() -> list[ChatMessage]:
    _db.session.expire_all()
    return list(_db.session.scalars(_db.select(ChatMessage).order_by(ChatMessage.id)))


def _link_path(link: str) -> str:
    parts = urlsplit(link.replace("&amp;", "&"))
    assert f"{parts.scheme}://{parts.netloc}" == "http://portal.test"  # BASE_URL, never the request's host
    return parts.path


@pytest.mark.parametrize("locale,headline,said", [
    ("nl", "Detractor-alert", "Anna de Vries (Bouwbedrijf Noord) gaf 3"),
    ("en", "Detractor alert", "Anna de Vries (Bouwbedrijf Noord) gave 3"),
])
def test_a_detractor_alert_reaches_slack_in_the_account_managers_language_and_its_link_opens_the_follow_up(
        app, client, db, login_as, receiver, locale, headline, said):
    am = factories.make_user(SALES, name="Sam Jansen", locale=locale)
    factories.make_chat_channel(am, url=receiver.url)
    customer, response, task = _detractor(am)
    events.publish("nps.alert_raised", follow_up_id=task.id, response_id=response.id)
    db.session.commit()
    assert [m.status for m in _all()] == [PENDING]  # only queued with the change

    assert delivery.deliver_due() == {"sent": 1, "failed": 0}
    [body] = receiver.bodies
    assert body["text"] == f"{headline}: {said} — “De planning liep twee weken uit.”"
    section = body["blocks"][0]["text"]
    assert section["type"] == "mrkdwn" and section["text"].startswith(f"*{headline}*\n{said}")
    assert "anna@noord.example" not in str(body)  # no e-mail addresses leave the portal
    link, label = SLACK_LINK.search(body["blocks"][1]["text"]["text"]).groups()
    assert label == ("Open de opvolging" if locale == "nl" else "Open the follow-up")
    [message] = _all()
    assert message.status == SENT and message.response_code == 200 and message.attempts == 1

    login_as(am)
    page = client.get(_link_path(link))
    assert page.status_code == 200 and "Anna de Vries" in page.text


def test_teams_gets_an_adaptive_card_with_a_button_to_the_follow_up(app, db, receiver):
    am = factories.make_user(SALES, locale="en")
    factories.make_chat_channel(am, kind=TEAMS, url=receiver.url)
    _, response, task = _detractor(am, score=10, reason="Great *team* [click](http://evil.example) {{DATE(x)}}")
    task.trigger = "promoter"
    events.publish("nps.alert_raised", follow_up_id=task.id, response_id=response.id)
    db.session.commit()
    assert delivery.deliver_due()["sent"] == 1
    [body] = receiver.bodies
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    # Every text is a TextRun (no Markdown read in it); the card's date functions cannot be called.
    assert {block["type"] for block in card["body"]} == {"RichTextBlock"}
    texts = [block["inlines"][0]["text"] for block in card["body"]]
    assert {run["type"] for block in card["body"] for run in block["inlines"]} == {"TextRun"}
    assert texts[:2] == ["Promoter alert", "Anna de Vries (Bouwbedrijf Noord) gave 10"]
    assert texts[2] == "“Great *team* [click](http://evil.example) {\u200b{DATE(x)}\u200b}”"
    [action] = card["actions"]
    assert action["type"] == "Action.OpenUrl" and action["title"] == "Open the follow-up"
    assert action["url"] == f"http://portal.test/nps/answers/{response.id}"


def test_a_receiver_that_answers_500_gets_the_message_on_a_later_attempt(app, db, receiver):
    am = factories.make_user(SALES, locale="en")
    factories.make_chat_channel(am, url=receiver.url)
    _, response, task = _detractor(am)
    events.publish("nps.alert_raised", follow_up_id=task.id, response_id=response.id)
    db.session.commit()
    receiver.statuses[:] = [500]

    assert delivery.deliver_due() == {"sent": 0, "failed": 1}
    [message] = _all()
    assert message.status == PENDING and message.response_code == 500 and message.attempts == 1
    assert "HTTP 500" in message.last_error
    wait = message.next_attempt_at - utcnow()
    assert timedelta(seconds=50) < wait <= timedelta(seconds=60)  # the schedule's first delay
    assert delivery.next_attempt_at() == message.next_attempt_at
    assert delivery.deliver_due() == {"sent": 0, "failed": 0}  # not due yet

    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert delivery.deliver_due() == {"sent": 1, "failed": 0}
    assert len(receiver.bodies) == 2 and receiver.bodies[0] == receiver.bodies[1]
    [message] = _all()
    assert message.status == SENT and message.attempts == 2 and message.last_error is None
    assert delivery.next_attempt_at() is None


def test_the_backoff_grows_and_a_message_is_given_up_after_the_retry_window(app, db, receiver):
    app.config["CHAT_RETRY_DELAYS"] = (10, 100)
    try:
        message = factories.make_chat_message(factories.make_chat_channel(url=receiver.url))
        db.session.commit()
        receiver.statuses[:] = [503, 503, 503, 503]
        delays = []
        for _ in range(3):
            message.next_attempt_at = utcnow() - timedelta(seconds=1)
            db.session.commit()
            delivery.deliver_due()
            _db.session.refresh(message)
            delays.append(round((message.next_attempt_at - utcnow()).total_seconds(), -1))
        assert delays == [10, 100, 100]  # the last delay repeats
        message.first_attempt_at = utcnow() - timedelta(days=3, seconds=1)
        message.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert delivery.deliver_due() == {"sent": 0, "failed": 1}
        _db.session.refresh(message)
        assert message.status == FAILED and message.attempts == 4
        assert delivery.next_attempt_at() is None
    finally:
        app.config["CHAT_RETRY_DELAYS"] = (60, 300, 900, 3600, 3 * 3600)


def test_a_removed_webhook_is_given_up_at_once(app, db, receiver):
    message = factories.make_chat_message(factories.make_chat_channel(url=receiver.url))
    db.session.commit()
    receiver.statuses[:] = [404]
    assert delivery.deliver_due() == {"sent": 0, "failed": 1}
    _db.session.refresh(message)
    assert message.status == FAILED and message.response_code == 404 and "no_service" in message.last_error


def test_a_target_refused_by_the_guard_is_not_called(app, db, receiver):
    app.config.update(APP_ENV="production", OUTBOUND_RESOLVER=lambda host: ["10.0.0.7"])
    try:
        factories.make_chat_message(factories.make_chat_channel(url="https://hooks.internal.example/x"))
        factories.make_chat_message(factories.make_chat_channel(url=receiver.url))  # http and loopback
        db.session.commit()
        assert delivery.deliver_due() == {"sent": 0, "failed": 2}
    finally:
        app.config.update(APP_ENV="development", OUTBOUND_RESOLVER=None)
    assert receiver.bodies == []
    first, second = _all()
    assert "privé-netwerk" in first.last_error and first.response_code is None and first.status == PENDING
    assert "https://" in second.last_error


def test_the_team_channel_hears_too_in_the_leads_language(app, db):
    lead = factories.make_user(SALES, name="Lea Lead", locale="en")
    am = factories.make_user(SALES, name="Sam", locale="nl", manager=lead)
    factories.make_chat_channel(am, url="https://hooks.example.com/own")
    factories.make_chat_channel(lead, scope=TEAM, kind=TEAMS, url="https://hooks.example.com/team")
    factories.make_chat_channel(lead, url="https://hooks.example.com/lead-own")  # not about Sam's accounts
    _, response, task = _detractor(am)
    events.publish("nps.alert_raised", follow_up_id=task.id, response_id=response.id)
    own, team = _all()
    assert (own.kind, own.body["text"].split(":")[0]) == ("slack", "Detractor-alert")
    assert team.kind == TEAMS
    assert team.body["attachments"][0]["content"]["body"][0]["inlines"][0]["text"] == "Detractor alert"
    assert own.subject_user_id == team.subject_user_id == response.user_id

    # The lead's own account: the lead's own channel and the team's.
    _, response, task = _detractor(lead, name="Bo", company="Boco")
    events.publish("nps.alert_raised", follow_up_id=task.id, response_id=response.id)
    assert sorted(m.channel.url for m in _all()[2:]) == ["https://hooks.example.com/lead-own",
                                                          "https://hooks.example.com/team"]


def test_turned_off_channels_and_other_events_queue_nothing(app, db):
    am = factories.make_user(SALES)
    factories.make_chat_channel(am, enabled=False)
    _, response, task = _detractor(am)
    events.publish("nps.alert_raised", follow_up_id=task.id, response_id=response.id)
    events.publish("followup.created", follow_up_id=task.id, kind="alert")
    events.publish("nps.answered", response_id=response.id, user_id=response.user_id)
    assert _all() == []


def test_nothing_is_queued_when_the_change_rolls_back(app, db):
    am = factories.make_user(SALES)
    factories.make_chat_channel(am)
    _, response, task = _detractor(am)
    db.session.commit()
    with db.session.begin_nested():
        events.publish("nps.alert_raised", follow_up_id=task.id, response_id=response.id)
        assert len(_all()) == 1
        db.session.rollback()
    assert _all() == []


def test_upsell_introduction_and_won_referral_link_to_their_pages(app, db):
    am = factories.make_user(SALES, locale="en")
    owner = factories.make_user(SALES, locale="nl")
    factories.make_chat_channel(am, url="https://hooks.example.com/am")
    factories.make_chat_channel(owner, url="https://hooks.example.com/owner")
    customer, response, _ = _detractor(am)
    upsell = factories.make_follow_up(response, assignee=am, kind="upsell", trigger="wants_more")
    events.publish("followup.created", follow_up_id=upsell.id, kind="upsell")
    referee = factories.make_referee(customer, "Piet Prospect", company="Prospect BV", email="piet@prospect.example")
    events.publish("referee.confirmed", referee_id=referee.id)
    owned = factories.make_referee(customer, "Rita Referee", company="", owner_id=owner.id)
    events.publish("referral.won", referee_id=owned.id)
    flagged = factories.make_referee(customer, "Fien Flag", flag="own_domain")
    events.publish("referee.confirmed", referee_id=flagged.id)

    more, intro, won = _all()
    assert more.body["text"] == ("Interested in more services: Anna de Vries (Bouwbedrijf Noord) would like to hear "
                                 "about more of our services")
    assert f"http://portal.test/nps/answers/{response.id}/upsell" in more.body["blocks"][1]["text"]["text"]
    assert intro.body["text"] == ("New introduction: Anna de Vries (Bouwbedrijf Noord) introduced Piet (Prospect BV), "
                                  "who confirmed")
    assert "Prospect" in intro.body["text"] and "piet@" not in str(intro.body)
    assert f"http://portal.test/sales/referrals/{referee.id}" in intro.body["blocks"][1]["text"]["text"]
    assert intro.referee_id == referee.id and intro.subject_user_id == customer.id
    assert won.channel.owner_id == owner.id  # the referral's owner, not the referrer's account manager
    assert won.body["text"].startswith("Referral gewonnen: Rita, aangebracht door Anna de Vries")


def test_customer_text_is_escaped_and_shortened_for_slack(app, db):
    am = factories.make_user(SALES, locale="en")
    factories.make_chat_channel(am)
    reason = "<!channel> Tom & Jerry <https://evil.example|click here> " + "x" * 400
    _, response, task = _detractor(am, reason=reason, name="Eve <b>", company="A&B")
    events.publish("nps.alert_raised", follow_up_id=task.id, response_id=response.id)
    [message] = _all()
    text = message.body["blocks"][0]["text"]["text"]
    assert "<!channel>" not in text and "<https://evil" not in text and "<b>" not in text
    assert "&lt;!channel&gt; Tom &amp; Jerry &lt;https://evil.example|click here&gt;" in text
    assert "Eve &lt;b&gt; (A&amp;B)" in text
    quote = text.split("\n>", 1)[1]
    assert quote.endswith("…") and len(quote) < messages.QUOTE_MAX + 40


def test_an_erased_referee_takes_their_messages_along(app, db):
    am = factories.make_user(SALES)
    factories.make_chat_channel(am)
    customer, _, _ = _detractor(am)
    referee = factories.make_referee(customer, "Piet Prospect")
    events.publish("referee.confirmed", referee_id=referee.id)
    assert len(_all()) == 1
    events.publish("referee.erased", referee_id=referee.id)
    assert _all() == []
    events.publish("referee.confirmed", referee_id=referee.id)
    _db.session.execute(_db.delete(type(referee)).where(type(referee).id == referee.id))  # the objection's delete
    assert _all() == []


def test_purge_old_removes_delivered_and_given_up_messages_after_the_keep_days(app, db):
    now = utcnow()
    channel = factories.make_chat_channel()
    old_sent = factories.make_chat_message(channel, status=SENT, sent_at=now - timedelta(days=31))
    factories.make_chat_message(channel, status=SENT, sent_at=now - timedelta(days=29))
    factories.make_chat_message(channel, status=FAILED, created_at=now - timedelta(days=40))
    factories.make_chat_message(channel, status=PENDING, created_at=now - timedelta(days=40))
    gone = old_sent.id
    assert delivery.purge_old(now) == 2
    left = _all()
    assert gone not in {m.id for m in left} and sorted(m.status for m in left) == [PENDING, SENT]


def test_flask_deliver_chat_runs_one_round_and_purge_removes_old_ones(app, db, runner, receiver):
    channel = factories.make_chat_channel(url=receiver.url)
    factories.make_chat_message(channel)
    factories.make_chat_message(channel, status=SENT, sent_at=utcnow() - timedelta(days=40))
    db.session.commit()
    result = runner.invoke(args=["deliver-chat"])
    assert result.exit_code == 0 and "Chat alerts: 1 sent, 0 failed." in result.output
    assert len(receiver.bodies) == 1
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "Removed 1 delivered or given-up chat alerts older than 30 days." in result.output
    assert [m.status for m in _all()] == [SENT]
