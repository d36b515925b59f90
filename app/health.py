"""The health check's own look at the database: a fresh connection with a short budget, in a thread it
does not wait on for longer, so `/healthz` answers in seconds even when the database hangs."""
from __future__ import annotations

import logging
import threading

from flask import Flask
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import NullPool

from app.mail import dead_count

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


def dead_mail_count(app: Flask) -> int | None:
    """How many e-mails are dead, or None when the database does not answer within its budget."""
    engine = _engine(app)
    outcome: dict = {}

    def probe() -> None:
        try:
            with engine.connect() as connection:
                outcome["dead"] = connection.scalar(dead_count())
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
    return outcome["dead"]
