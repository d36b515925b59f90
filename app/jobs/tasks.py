"""The jobs: `deliver(name)` after a commit and at each retry's moment, and the periodic ones (the
delivery sweep every minute, follow-up reminders every five minutes, the purge once a day).

Every job runs inside a Flask app context of its own: of the worker's app (`bind`), or of the
caller's app in tests (immediate mode runs tasks where they are called). Periodic jobs are safe with several schedulers:
claims, conditional UPDATEs and an idempotent purge make a second run a no-op."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from flask import Flask, current_app, has_app_context
from huey import crontab

from app.dates import utcnow
from app.extensions import db
from app.jobs import heartbeat
from app.jobs.deliverers import DELIVERERS, deliverer
from app.jobs.housekeeping import purge
from app.jobs.kick import set_sink
from app.jobs.lease import current_worker
from app.jobs.queue import huey
from app.nps.reminders import send_due_reminders

log = logging.getLogger(__name__)

_app: Flask | None = None


def bind(app: Flask) -> None:
    """The app the jobs run in (the worker binds the one the `flask worker` command made)."""
    global _app
    _app = app


def _flask_app() -> Flask:
    if _app is None:
        raise RuntimeError("The jobs run in the app that `flask worker` binds; start the worker with it.")
    return _app


@contextmanager
def app_context() -> Iterator[None]:
    """A context of its own, so a job has its own session: in immediate mode a job runs inside the
    after-commit hook of the caller's session, which can emit no more SQL until that commit is over."""
    app = current_app._get_current_object() if has_app_context() else _flask_app()
    with app.app_context():
        try:
            yield
        finally:
            db.session.remove()


def _plan_key(name: str, eta: datetime) -> str:
    return f"deliver-planned:{name}:{eta.isoformat()}"


def _deliver(name: str) -> dict[str, int]:
    """Deliver what is due for `name`, then plan the next run at its next retry's moment."""
    module = deliverer(name)
    counts = module.deliver_due()
    due = module.next_attempt_at()
    if due is None:
        return counts
    now = utcnow()
    if due <= now:
        if counts["sent"] or counts["failed"]:  # more than one batch was due: go on at once
            deliver(name)
        return counts  # due but not deliverable now (claimed elsewhere): the sweep looks again
    # One planned run per moment, however many runs ask for it.
    if huey.put_if_empty(_plan_key(name, due), "1"):
        deliver.schedule((name, due.isoformat()), eta=due.replace(tzinfo=timezone.utc))
    return counts


@huey.task()
def deliver(name: str, planned: str | None = None) -> dict[str, int]:
    with app_context():
        if planned:
            huey.get(_plan_key(name, datetime.fromisoformat(planned)))  # reading it removes the mark
        return _deliver(name)


def release_orphaned_claims(exclude: str | None = None) -> int:
    """Give back the claims of every worker whose heartbeat is stale (and `exclude`'s: a worker that
    just restarted under that name holds none of its old claims)."""
    alive = [w for w in heartbeat.alive_workers() if w != exclude]
    released = 0
    for name in DELIVERERS:
        release = getattr(deliverer(name), "release_claims", None)
        if release is not None:
            released += release(alive)
    return released


@huey.periodic_task(crontab(minute="*"))
def sweep() -> None:
    """The safety net: every deliverer, every minute, whatever kicks were lost."""
    with app_context():
        release_orphaned_claims()
        for name in DELIVERERS:
            try:
                _deliver(name)
            except Exception:
                log.exception("The delivery sweep of %s failed; the next sweep tries again", name)
                db.session.rollback()
        if current_worker():
            heartbeat.swept(current_worker())


@huey.periodic_task(crontab(minute="*/5"))
def remind_due_follow_ups() -> int:
    with app_context():
        queued = send_due_reminders()
        db.session.commit()
        return queued


@huey.periodic_task(crontab(minute="17", hour="3"))
def purge_daily() -> dict[str, int]:
    with app_context():
        counts = purge()
        db.session.commit()
        log.info("Purge: removed %s delivered e-mails and %s unconverted referees", counts["mail"], counts["referees"])
        return counts


set_sink(lambda name: deliver(name))
