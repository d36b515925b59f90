"""`flask worker`: the Huey consumer with its scheduler, plus a heartbeat thread.

On start it records its heartbeat, gives back the claims it held before a restart (same WORKER_NAME)
and those of workers whose heartbeat is stale, and runs one sweep at once."""
from __future__ import annotations

import logging
import os
import threading

import click
from flask import current_app

from app.extensions import db
from app.jobs import heartbeat, tasks
from app.jobs.lease import set_current_worker, worker_name
from app.jobs.queue import huey

log = logging.getLogger(__name__)


def _beat_forever(app, name: str, stop: threading.Event) -> None:
    while not stop.wait(heartbeat.HEARTBEAT_EVERY):
        with app.app_context():
            try:
                heartbeat.beat(name, os.getpid())
            except Exception:  # the database is down: /healthz says so; try again next time
                log.warning("Could not write the worker heartbeat", exc_info=True)
                db.session.rollback()
            finally:
                db.session.remove()


@click.command("worker")
@click.option("--threads", default=2, show_default=True, help="Worker threads running jobs.")
def worker(threads: int) -> None:
    """Run the job runner: outbox delivery with retries, the periodic jobs, the heartbeat."""
    if not logging.getLogger().handlers:  # the consumer's own lines (jobs run, retries) on stderr
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()
    tasks.bind(app)
    name = worker_name()
    set_current_worker(name)
    heartbeat.beat(name, os.getpid(), starting=True)
    released = tasks.release_orphaned_claims(exclude=name)
    db.session.remove()
    click.echo(f"Worker {name} (pid {os.getpid()}) started; released {released} claims of a previous run.")
    stop = threading.Event()
    threading.Thread(target=_beat_forever, args=(app, name, stop), name="heartbeat", daemon=True).start()
    tasks.sweep()  # enqueue one sweep now rather than at the next minute
    # An idle consumer looks for work at least once a second: a kicked delivery leaves within about a second.
    consumer = huey.create_consumer(workers=threads, worker_type="thread", periodic=True, initial_delay=0.1,
                                    backoff=1.15, max_delay=1.0)
    try:
        consumer.run()
    finally:
        stop.set()
