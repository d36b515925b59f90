"""The demo data commands: `flask seed-demo` and `flask seed-scale`."""
from __future__ import annotations

import time as clock
from collections.abc import Iterable

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.auth.models import User
from app.demo.scale import generate
from app.demo.seed import seed_demo_data
from app.extensions import db


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed when the database has no users yet.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Add the demo accounts and companies (idempotent)."""
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("Database already has users; demo data not added.")
        return
    added = seed_demo_data(current_app.config["DEMO_PASSWORD"])
    db.session.commit()
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
    db.session.commit()
    click.echo(f"Added a synthetic programme in {clock.perf_counter() - started:.1f}s: {_summary(counts.items())}.")
