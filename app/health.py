"""The health check's own look at the database: a fresh connection with a short budget, in a thread it
does not wait on for longer, so `/healthz` answers in seconds even when the database hangs. It reads the
dead mail, the worker's heartbeat and the outbox backlog in that one connection."""
from __future__ import annotations

import logging
import threading
from datetime import datetime

from flask import Flask
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import NullPool

from app.dates import utcnow
from app.jobs.heartbeat import last_beat
from app.mail import backlog, dead_count

log = logging.getLogger(__name__)


def _engine(app: Flask) -> Engine:
    """No pool: a pooled connection to a server that stopped answering would hang the next check."""
    engine = app.extensions.get("health_engine")
    if engine is None:
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        budget = app.config["DB_HEALTH_TIMEOUT"]
        if url.startswith("postgresql"):
            connect_args = {"connect_timeout": max(1, round(budget)),
                            "options": f"-c statement_timeout={int(budget * 1000)}"}
        else:
            connect_args = {"timeout": budget}
        engine = app.extensions["health_engine"] = create_engine(url, poolclass=NullPool, connect_args=connect_args)
    return engine


def _age(moment: datetime | None, now: datetime) -> float | None:
    return None if moment is None else round(max((now - moment).total_seconds(), 0.0), 1)


def check(app: Flask) -> dict | None:
    """Dead mail, the worker's last heartbeat and the outbox backlog, or None when the database does
    not answer within its budget. The worker is "ok", "stale" (no heartbeat for WORKER_STALE_AFTER)
    or "missing" (none ever: no worker has run against this database)."""
    engine = _engine(app)
    outcome: dict = {}

    def probe() -> None:
        try:
            with engine.connect() as connection:
                outcome["dead"] = connection.scalar(dead_count())
                outcome["beat"] = connection.scalar(last_beat())
                outcome["pending"], outcome["oldest"] = connection.execute(backlog()).one()
        except Exception as exc:  # any failure means "not ready"; the caller logs it
            outcome["error"] = exc

    thread = threading.Thread(target=probe, name="healthz-probe", daemon=True)
    thread.start()
    thread.join(app.config["DB_HEALTH_TIMEOUT"] + 0.5)
    if thread.is_alive():
        log.error("Health check: the database did not answer within %s s", app.config["DB_HEALTH_TIMEOUT"])
        return None
    if "error" in outcome:
        log.error("Health check: the database does not answer: %s", outcome["error"])
        return None
    now = utcnow()
    beat_age = _age(outcome["beat"], now)
    if beat_age is None:
        worker = "missing"
    else:
        worker = "ok" if beat_age <= app.config["WORKER_STALE_AFTER"] else "stale"
    return {
        "dead_mail": outcome["dead"],
        "worker": {"status": worker, "heartbeat_age_seconds": beat_age},
        "outbox": {"pending": outcome["pending"], "oldest_pending_age_seconds": _age(outcome["oldest"], now)},
    }
