"""`flask deliver-chat`: one delivery round of the chat alert outbox, by hand (the worker runs it too)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.chat.delivery import deliver_due


@click.command("deliver-chat")
@click.option("--limit", default=100, show_default=True, help="At most this many messages.")
@with_appcontext
def deliver_chat(limit: int) -> None:
    """Post the chat alerts that are due to Slack or Teams (one round)."""
    counts = deliver_due(limit=limit)
    click.echo(f"Chat alerts: {counts['sent']} sent, {counts['failed']} failed.")
