"""After-commit kicks: a domain operation that queued something for a deliverer marks the session
(`after_commit("mail")`); once the transaction is committed the job runner is asked to deliver it.
Never before the commit (the worker would not see the row yet), never after a rollback.

A low module (no app imports): the job runner registers the function that enqueues (`set_sink`)."""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db

log = logging.getLogger(__name__)

KEY = "jobs_kick"
_sink: Callable[[str], None] | None = None


def after_commit(name: str) -> None:
    """Ask the job runner to deliver deliverer `name` once the current transaction commits."""
    db.session.info.setdefault(KEY, set()).add(name)


def set_sink(sink: Callable[[str], None] | None) -> None:
    """Who receives the kicks (app.jobs.tasks enqueues a `deliver` task); None: nobody."""
    global _sink
    _sink = sink


@event.listens_for(Session, "after_commit")
def _kick(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released (SQLAlchemy tells those too): the transaction goes on
    names = session.info.pop(KEY, None)
    if not names or _sink is None:
        return
    if has_app_context() and not current_app.config.get("JOBS_KICK_ON_COMMIT", True):
        return
    for name in sorted(names):
        try:
            _sink(name)
        except Exception:  # the commit stands; the worker's sweep delivers it within a minute
            log.exception("Could not enqueue delivery of %s; the periodic sweep will deliver it", name)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint rolled back; what the transaction queued before it stands
    session.info.pop(KEY, None)
