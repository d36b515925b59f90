"""`flask analytics-rollup` (roll up the days closed since the last run: daily, from cron or the job
runner) and `flask analytics-rebuild` (recompute every rollup from the raw tables)."""
from __future__ import annotations

import time as clock

import click
from flask.cli import with_appcontext
from sqlalchemy import text

from app.analytics import rollups
from app.extensions import db


def _no_statement_timeout() -> None:
    """The app's per-statement timeout is for requests; a rollup over millions of rows may take longer."""
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL statement_timeout = 0"))


@click.command("analytics-rollup")
@with_appcontext
def analytics_rollup() -> None:
    """Add the days closed since the last run to the analytics rollups."""
    started = clock.perf_counter()
    _no_statement_timeout()
    through = rollups.advance()
    db.session.commit()
    click.echo(f"Analytics rolled up through {through.isoformat()} in {clock.perf_counter() - started:.1f}s.")


@click.command("analytics-rebuild")
@with_appcontext
def analytics_rebuild() -> None:
    """Recompute every analytics rollup from the raw tables."""
    started = clock.perf_counter()
    _no_statement_timeout()
    through = rollups.rebuild()
    db.session.commit()
    click.echo(f"Analytics rebuilt through {through.isoformat()} in {clock.perf_counter() - started:.1f}s.")
