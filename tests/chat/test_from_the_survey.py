"""The whole way from a customer to the account manager's chat: a detractor answers the short
survey through its link, the alert is raised by the NPS operation, its event queues the chat
message in the same transaction, the job runner's after-commit kick delivers it (the tests' queue
runs jobs where they are enqueued), and the account manager's Slack receives the alert in their
language with a link that opens the follow-up."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.chat.models import SENT, ChatMessage
from app.dates import utcnow
from app.nps import survey as surveys
from app.nps.models import FollowUp, Survey
from tests.factories import make_chat_channel, make_company, make_user

SLACK_LINK = re.compile(r"<([^|>]+)\|([^>]+)>")


@pytest.mark.parametrize("locale,headline,said,label", [
    ("nl", "Detractor-alert", "Anna Jansen (Bouwbedrijf Van Dijk) gaf 3", "Open de opvolging"),
    ("en", "Detractor alert", "Anna Jansen (Bouwbedrijf Van Dijk) gave 3", "Open the follow-up"),
])
def test_a_detractors_survey_answer_reaches_the_account_managers_slack(app, client, db, post_form, login_as,
                                                                      receiver, monkeypatch, locale, headline,
                                                                      said, label):
    monkeypatch.setitem(app.config, "JOBS_KICK_ON_COMMIT", True)
    manager = make_user("sales", name="Sam Manager", email="am@example.com", locale=locale)
    make_chat_channel(manager, url=receiver.url)
    company = make_company("Bouwbedrijf Van Dijk", account_manager=manager)
    anna = make_user("customer", name="Anna Jansen", email="anna@vandijk.example", locale="en", company=company)
    survey = Survey(user_id=anna.id, occasion="Project close", expires_at=utcnow() + timedelta(days=14))
    db.session.add(survey)
    db.session.commit()

    answered = post_form(f"/s/{surveys.make_survey_token(survey)}",
                         {"satisfaction": "dissatisfied", "reason": "Te laat opgeleverd", "score": "3",
                          "wants_more": "no"})
    assert answered.status_code in (200, 303)

    [body] = receiver.bodies  # delivered by the job the commit kicked, without any command
    assert body["text"] == f"{headline}: {said} — “Te laat opgeleverd”"
    assert "anna@vandijk.example" not in str(body)
    link, text = SLACK_LINK.search(body["blocks"][1]["text"]["text"]).groups()
    assert text == label
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == "http://portal.test"  # BASE_URL, never the request's host
    message = db.session.scalars(select(ChatMessage)).one()
    assert message.status == SENT
    task = db.session.scalars(select(FollowUp)).one()

    login_as(manager)
    page = client.get(parts.path)
    assert page.status_code == 200 and "Anna Jansen" in page.text and f"/nps/answers/{task.response_id}" == parts.path
