"""The demo data commands: `flask seed-demo` and `flask seed-scale`."""
from __future__ import annotations

import secrets
import time as clock
from collections.abc import Iterable

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.analytics.rollups import rebuild as rebuild_analytics
from app.auth.models import User
from app.demo.scale import generate
from app.demo.seed import seed_demo_data
from app.extensions import db


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed when the database has no users yet.")
@click.option("--force-in-production", is_flag=True,
              help="Seed even when APP_ENV=production; the demo accounts then get a random password, shown once.")
@with_appcontext
def seed_demo(if_empty: bool, force_in_production: bool) -> None:
    """Add the demo accounts and companies (idempotent)."""
    production = current_app.config["APP_ENV"] == "production"
    if production and not force_in_production:
        # The demo accounts include an admin, and their password is published in the README.
        raise click.ClickException(
            "Refusing to add demo accounts in production (APP_ENV=production). "
            "Use --force-in-production to add them anyway, with a random password."
        )
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("Database already has users; demo data not added.")
        return
    password = secrets.token_urlsafe(18) if production else current_app.config["DEMO_PASSWORD"]
    added = seed_demo_data(password)
    rebuild_analytics()
    db.session.commit()
    if production:
        click.echo(f"Demo data ready ({added} records added). Password of the new demo accounts "
                   f"(shown only now): {password}")
    else:
        click.echo(f"Demo data ready ({added} records added). Password: the DEMO_PASSWORD setting.")


def _summary(counts: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{name} {value:,}" for name, value in counts)


@click.command("seed-scale")
@click.argument("customers", type=click.IntRange(1, 2_000_000))
@click.option("--days", default=365, show_default=True, type=click.IntRange(1, 3650), help="Days of history.")
@click.option("--seed", default=7, show_default=True, help="Random seed (the same seed gives the same shape).")
@with_appcontext
def seed_scale(customers: int, days: int, seed: int) -> None:
    """Add CUSTOMERS synthetic customers with DAYS of history (for demos and measuring)."""
    started = clock.perf_counter()
    counts = generate(customers, seed=seed, days=days, echo=click.echo)
    rebuild_analytics()
    db.session.commit()
    click.echo(f"Added a synthetic programme in {clock.perf_counter() - started:.1f}s: {_summary(counts.items())}.")
