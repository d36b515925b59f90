"""The worker's heartbeat: written every HEARTBEAT_EVERY seconds by a thread of the worker process,
read by `/healthz`, the admin outbox page and the lease release (a worker whose heartbeat is older than
WORKER_STALE_AFTER is taken for dead and its claims are given back)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, func, select, update

from app.dates import utcnow
from app.extensions import db
from app.jobs.models import WorkerHeartbeat

HEARTBEAT_EVERY = 10  # seconds


def stale_after() -> timedelta:
    return timedelta(seconds=current_app.config["WORKER_STALE_AFTER"])


def beat(worker: str, pid: int = 0, starting: bool = False) -> None:
    """Record that `worker` is alive now (commits: the heartbeat is its own transaction)."""
    now = utcnow()
    row = db.session.get(WorkerHeartbeat, worker)
    if row is None:
        db.session.add(WorkerHeartbeat(worker=worker, started_at=now, beat_at=now, pid=pid))
    else:
        row.beat_at, row.pid = now, pid or row.pid
        if starting:
            row.started_at = now
    db.session.commit()


def swept(worker: str) -> None:
    """Record a finished periodic sweep (commits)."""
    db.session.execute(update(WorkerHeartbeat).where(WorkerHeartbeat.worker == worker).values(swept_at=utcnow()))
    db.session.commit()


def alive_workers(now: datetime | None = None) -> list[str]:
    """Workers whose heartbeat is fresh."""
    since = (now or utcnow()) - stale_after()
    return list(db.session.scalars(select(WorkerHeartbeat.worker).where(WorkerHeartbeat.beat_at >= since)))


def last_beat() -> Select:
    """The most recent heartbeat of any worker: a statement, so the health check runs it on its own connection."""
    return select(func.max(WorkerHeartbeat.beat_at))


def latest() -> WorkerHeartbeat | None:
    """The worker that beat last (for the admin outbox page)."""
    return db.session.scalar(select(WorkerHeartbeat).order_by(WorkerHeartbeat.beat_at.desc()).limit(1))
