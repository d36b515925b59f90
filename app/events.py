"""Domain events: a domain operation announces what happened, inside its transaction; subscribers
(signed webhooks, chat alerts) queue their own deliveries in that same transaction (flush only), so
a change and what it sends commit or roll back together. The worker delivers after the commit.

An event carries ids and the few facts a subscriber cannot read back later (a stage it moved from);
each subscriber loads what it needs and decides how much personal data leaves the portal.

| name                     | data                                                     |
|--------------------------|----------------------------------------------------------|
| participant.created      | user_id                                                  |
| points.awarded           | entry_id (points ledger row), user_id, points            |
| submission.approved      | submission_id, user_id                                   |
| consent.withdrawn        | user_id, submission_id or None, what ("quote", "story" …)|
| referral.created         | referee_id, origin                                       |
| referral.stage_changed   | referee_id, from_stage, to_stage                         |
| referral.won             | referee_id                                               |
| referee.confirmed        | referee_id                                               |
| referee.erased           | referee_id                                               |
| nps.answered             | response_id, user_id                                     |
| nps.alert_raised         | follow_up_id, response_id (a detractor or promoter alert) |
| followup.created         | follow_up_id, kind ("alert" or "upsell")                 |
| followup.closed          | follow_up_id, kind                                       |
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from app.dates import utcnow

NAMES = (
    "participant.created", "points.awarded", "submission.approved", "consent.withdrawn",
    "referral.created", "referral.stage_changed", "referral.won", "referee.confirmed", "referee.erased",
    "nps.answered", "nps.alert_raised", "followup.created", "followup.closed",
)


@dataclass(frozen=True)
class Event:
    name: str
    data: dict
    occurred_at: datetime = field(default_factory=utcnow)


Subscriber = Callable[[Event], None]
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> Subscriber:
    """Register `subscriber` (once) for every event; usable as a decorator."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    return subscriber


def publish(name: str, **data) -> Event:
    """Announce `name` to every subscriber, inside the caller's transaction."""
    if name not in NAMES:
        raise ValueError(f"unknown event {name!r}")
    event = Event(name, data)
    for subscriber in list(_subscribers):
        subscriber(event)
    return event
