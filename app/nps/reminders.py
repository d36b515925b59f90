"""One reminder when a follow-up falls due: its assignee gets an e-mail in their own language, once.
`reminded_at` records it, set by a conditional UPDATE, so two schedulers never send it twice."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from app.dates import utcnow
from app.extensions import db
from app.mail import queue_mail
from app.nps.models import ALERT, CLOSED, FollowUp
from app.urls import external_url

BATCH = 200


def send_due_reminders(now: datetime | None = None) -> int:
    """Queue the reminder of every open follow-up that is due and was not reminded yet (flush only).
    Returns how many were queued."""
    now = now or utcnow()
    ids = list(db.session.scalars(
        select(FollowUp.id)
        .where(FollowUp.status != CLOSED, FollowUp.due_at <= now, FollowUp.reminded_at.is_(None))
        .order_by(FollowUp.id).limit(BATCH)
    ))
    queued = 0
    for follow_up_id in ids:
        taken = db.session.execute(
            update(FollowUp).where(FollowUp.id == follow_up_id, FollowUp.reminded_at.is_(None))
            .values(reminded_at=now).execution_options(synchronize_session=False)
        ).rowcount
        if not taken:
            continue
        task = db.session.get(FollowUp, follow_up_id)
        person = task.assignee
        if person is None or not person.is_active:
            continue  # unassigned: marketing sees it on the follow-up list; nobody to remind
        endpoint = "nps.follow_up" if task.kind == ALERT else "nps.upsell"
        queue_mail(person.email, "follow_up_due", person.locale, person=person, task=task,
                   customer=task.response.user, link=external_url(endpoint, response_id=task.response_id),
                   due=task.due_at)
        queued += 1
    db.session.flush()
    return queued
