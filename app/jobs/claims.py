"""What the outboxes of chat alerts and webhooks share: which messages are due, and taking one for
delivery with a conditional UPDATE so two workers never post the same message.

A message is due when it waits and its moment has come, or when a worker claimed it and has not
finished within STALE_CLAIM (it died mid-delivery). The model needs `status` ("pending" /
"sending"), `next_attempt_at` and `claimed_at`."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from app.dates import utcnow
from app.extensions import db

PENDING, SENDING = "pending", "sending"
STALE_CLAIM = timedelta(minutes=10)


def due(model, now: datetime):
    """The clause of the messages of `model` that may be delivered at `now`."""
    return (((model.status == PENDING) & (model.next_attempt_at <= now))
            | ((model.status == SENDING) & (model.claimed_at < now - STALE_CLAIM)))


def claim(model, message_id: int) -> bool:
    """Take one message for delivery if it is still due; commits, so the claim is seen at once."""
    now = utcnow()
    result = db.session.execute(
        update(model).where(model.id == message_id, due(model, now))
        .values(status=SENDING, claimed_at=now).execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1
