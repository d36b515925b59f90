"""What a chat alert says, in the account manager's language, and the body Slack or Teams takes.

Little personal data leaves the portal: the customer's name and company (the account manager's own
accounts), the score and the first words of the reason; never an e-mail address. Text a customer or
referrer wrote is shortened and escaped for the channel's markup, so it can neither ping a whole
channel (`<!channel>`) nor dress itself up as a link."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _

from app.chat.models import DETRACTOR_ALERT, INTRODUCTION, PROMOTER_ALERT, SLACK, TEST, UPSELL, WON
from app.nps.models import DETRACTOR_STYLE, DISSATISFIED, MORE_THAN_SATISFIED
from app.urls import external_url

QUOTE_MAX = 280  # characters of a customer's own words in a message
NAME_MAX = 120


@dataclass(frozen=True)
class Text:
    """A message before it is put into Slack's or Teams' shape; every value is plain text."""
    topic: str
    headline: str  # "Detractor alert"
    line: str  # "Anna de Vries (Bouwbedrijf Noord) gave 3"
    quote: str  # the customer's words, shortened ("" when none)
    link: str  # absolute, from BASE_URL
    link_label: str

    @property
    def plain(self) -> str:
        """One line, as in the brief of every alert: "Detractor alert: … gave 3 — “reason…”"."""
        text = f"{self.headline}: {self.line}"
        return f"{text} — “{self.quote}”" if self.quote else text


def shorten(value: str | None, limit: int = QUOTE_MAX) -> str:
    """One line, at most `limit` characters (an ellipsis says when more was written)."""
    text = re.sub(r"\s+", " ", value or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _who(name: str, company: str | None) -> str:
    name = shorten(name, NAME_MAX)
    return f"{name} ({shorten(company, NAME_MAX)})" if company else name


# --- the texts, one per topic (call inside force_locale) -----------------------------------------

def nps_alert(locale: str, response, task) -> Text:
    """A detractor- or promoter-style alert for the follow-up `task` of `response`."""
    detractor = task.trigger in DETRACTOR_STYLE
    company = response.company.name if response.company else None
    with force_locale(locale):
        who = _who(response.user.name, company)
        if task.trigger in (DISSATISFIED, MORE_THAN_SATISFIED):
            line = (_("%(who)s said they are dissatisfied (score %(score)d)", who=who, score=response.score)
                    if detractor else
                    _("%(who)s said they are more than satisfied (score %(score)d)", who=who, score=response.score))
        else:
            line = _("%(who)s gave %(score)d", who=who, score=response.score)
        return Text(DETRACTOR_ALERT if detractor else PROMOTER_ALERT,
                    _("Detractor alert") if detractor else _("Promoter alert"), line, shorten(response.reason),
                    external_url("nps.follow_up", response_id=response.id), _("Open the follow-up"))


def upsell(locale: str, response) -> Text:
    company = response.company.name if response.company else None
    with force_locale(locale):
        return Text(UPSELL, _("Interested in more services"),
                    _("%(who)s would like to hear about more of our services", who=_who(response.user.name, company)),
                    "", external_url("nps.upsell", response_id=response.id), _("Open the follow-up"))


def _referee_words(referee) -> str:
    """The person introduced, by first name and company only."""
    return _who(referee.first_name, referee.company or None)


def introduction(locale: str, referee) -> Text:
    referrer = referee.referrer
    company = referrer.company.name if referrer.company else None
    with force_locale(locale):
        return Text(INTRODUCTION, _("New introduction"),
                    _("%(who)s introduced %(referee)s, who confirmed", who=_who(referrer.name, company),
                      referee=_referee_words(referee)),
                    "", external_url("sales_pipeline.referral", referee_id=referee.id), _("Open the referral"))


def won(locale: str, referee) -> Text:
    referrer = referee.referrer
    company = referrer.company.name if referrer.company else None
    with force_locale(locale):
        return Text(WON, _("Referral won"),
                    _("%(referee)s, introduced by %(who)s, is won", referee=_referee_words(referee),
                      who=_who(referrer.name, company)),
                    "", external_url("sales_pipeline.referral", referee_id=referee.id), _("Open the referral"))


def test_message(locale: str) -> Text:
    with force_locale(locale):
        return Text(TEST, _("Test message"),
                    _("Chat alerts from the ambassador programme arrive in this channel."), "",
                    external_url("workspaces.sales"), _("Open the sales workspace"))


# --- the bodies -------------------------------------------------------------------------------------

def slack_escape(value: str) -> str:
    """Slack's three control characters; what is left cannot form a link, a mention or `<!channel>`."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def teams_text(value: str) -> str:
    """Teams text goes in TextRuns, which take no Markdown at all; only the card's {{DATE(…)}}
    functions would still be read in it, so a double brace is split."""
    return value.replace("{{", "{\u200b{").replace("}}", "}\u200b}")


def _run(text: str, **style) -> dict:
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": teams_text(text), **style}]}


def slack_body(text: Text) -> dict:
    headline, line = slack_escape(text.headline), slack_escape(text.line)
    section = f"*{headline}*\n{line}"
    if text.quote:
        section += f"\n>{slack_escape(text.quote)}"
    link = f"<{slack_escape(text.link)}|{slack_escape(text.link_label)}>"
    return {
        "text": slack_escape(text.plain),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": section}},
            {"type": "section", "text": {"type": "mrkdwn", "text": link}},
        ],
    }


def teams_body(text: Text) -> dict:
    blocks = [_run(text.headline, weight="Bolder", size="Medium"), _run(text.line)]
    if text.quote:
        blocks.append(_run(f"“{text.quote}”", isSubtle=True, italic=True))
    return {
        "type": "message",
        "summary": text.plain,
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": None,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": blocks,
                "actions": [{"type": "Action.OpenUrl", "title": text.link_label, "url": text.link}],
            },
        }],
    }


def body_for(kind: str, text: Text) -> dict:
    return slack_body(text) if kind == SLACK else teams_body(text)

