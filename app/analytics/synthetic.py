"""A synthetic programme of N customers with history, for demos and for measuring (`flask seed-scale N`)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("seed-scale")
@click.argument("customers", type=click.IntRange(1, 2_000_000))
@with_appcontext
def seed_scale(customers: int) -> None:
    """Add CUSTOMERS synthetic customers with a year of history."""
    raise click.ClickException("not yet")
