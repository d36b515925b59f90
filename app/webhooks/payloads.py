"""What a webhook says about an event: Standard Webhooks' `{"type", "timestamp", "data"}`, with the
event's own data (ids, as in app.events) and a small object with the facts a CRM acts on.

Minimum personal data, decided per object:
- a participant: id, role, language, company id and company name; never their name or e-mail;
- a referral: id, stage, origin, source, the referrer's participant id, the owner's staff id and the
  referee's organisation name (to find the account in a CRM); never the referee's name, e-mail,
  phone, LinkedIn or anything they or the referrer wrote;
- an NPS answer: id, participant id, company id, score and category; never the reason written;
- a follow-up: id, kind, trigger, status, outcome, due date; never the notes.
A referee who objected is never sent again: their `referee.erased` carries only the id, and an event
about a referee whose keys match an objection builds nothing.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.auth.models import User
from app.events import Event
from app.extensions import db
from app.journey.models import Submission
from app.nps.models import FollowUp, NpsResponse
from app.points.models import PointsEntry
from app.referrals.intake import is_objected
from app.referrals.models import Referee

TEST_EVENT = "webhook.test"  # the admin's "send test event"


@dataclass(frozen=True)
class Built:
    data: dict
    user_id: int | None = None  # whom it is about (an erasure finds it by them)
    referee_id: int | None = None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def participant(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.id, "role": user.role, "locale": user.locale, "company_id": user.company_id,
            "company": user.company.name if user.company else None}


def referral(referee: Referee) -> dict:
    return {"id": referee.id, "stage": referee.stage, "origin": referee.origin, "source": referee.source,
            "referrer_id": referee.referrer_id, "owner_id": referee.owner_id, "company": referee.company or None,
            "created_at": _iso(referee.created_at), "stage_changed_at": _iso(referee.stage_changed_at)}


def follow_up(task: FollowUp) -> dict:
    return {"id": task.id, "kind": task.kind, "trigger": task.trigger, "status": task.status,
            "outcome": task.outcome, "response_id": task.response_id, "due_at": _iso(task.due_at),
            "closed_at": _iso(task.closed_at)}


def answer(response: NpsResponse) -> dict:
    return {"id": response.id, "user_id": response.user_id, "company_id": response.company_id,
            "score": response.score, "category": response.category, "source": response.source,
            "created_at": _iso(response.created_at)}


def _user_event(key: str) -> Callable[[Event], Built | None]:
    def build(event: Event) -> Built | None:
        user = db.session.get(User, event.data["user_id"])
        return Built({**event.data, key: participant(user)}, user_id=event.data["user_id"])
    return build


def _referee_event(event: Event) -> Built | None:
    referee = db.session.get(Referee, event.data["referee_id"])
    if referee is None or is_objected(referee.email_key, referee.person_key):
        return None  # gone, or the person objected: nothing about them leaves the portal again
    return Built({**event.data, "referral": referral(referee)}, user_id=referee.referrer_id, referee_id=referee.id)


def _erased(event: Event) -> Built:
    return Built({"referee_id": event.data["referee_id"]})  # the id only, never anything else


def _points(event: Event) -> Built:
    entry = db.session.get(PointsEntry, event.data["entry_id"]) if event.data.get("entry_id") else None
    extra = {"source_type": entry.source_type, "source_id": entry.source_id} if entry is not None else {}
    return Built({**event.data, **extra}, user_id=event.data["user_id"])


def _submission(event: Event) -> Built:
    submission = db.session.get(Submission, event.data["submission_id"]) if event.data.get("submission_id") else None
    extra = {"challenge_id": submission.challenge_id} if submission is not None else {}
    return Built({**event.data, **extra}, user_id=event.data["user_id"])


def _nps(event: Event) -> Built | None:
    response = db.session.get(NpsResponse, event.data["response_id"])
    if response is None:
        return None
    return Built({**event.data, "answer": answer(response)}, user_id=response.user_id)


def _follow_up(event: Event) -> Built | None:
    task = db.session.get(FollowUp, event.data["follow_up_id"])
    if task is None:
        return None
    return Built({**event.data, "follow_up": follow_up(task), "answer": answer(task.response)},
                 user_id=task.response.user_id)


BUILDERS: dict[str, Callable[[Event], Built | None]] = {
    "participant.created": _user_event("participant"),
    "points.awarded": _points,
    "submission.approved": _submission,
    "consent.withdrawn": lambda event: Built(dict(event.data), user_id=event.data["user_id"]),
    "referral.created": _referee_event,
    "referral.stage_changed": _referee_event,
    "referral.won": _referee_event,
    "referee.confirmed": _referee_event,
    "referee.erased": _erased,
    "nps.answered": _nps,
    "nps.alert_raised": _follow_up,
    "followup.created": _follow_up,
    "followup.closed": _follow_up,
}


def build(event: Event) -> Built | None:
    """The payload's data for `event`, or None when nothing may be sent about it."""
    return BUILDERS[event.name](event)


def body(name: str, occurred_at: datetime, data: dict) -> str:
    """The JSON body as sent and signed (compact, keys in a stable order)."""
    return json.dumps({"type": name, "timestamp": _iso(occurred_at), "data": data},
                      separators=(",", ":"), sort_keys=True, ensure_ascii=False)
