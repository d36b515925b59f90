"""The worker's heartbeat: one row per worker name, written every few seconds while it runs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.dates import utcnow
from app.extensions import db


class WorkerHeartbeat(db.Model):
    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The last periodic sweep: the scheduler and the task threads work, not only the process lives.
    swept_at: Mapped[datetime | None]
    pid: Mapped[int] = mapped_column(default=0)
