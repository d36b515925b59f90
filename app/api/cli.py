"""`flask create-api-token`: a token for an admin from the command line (CI, scripts); prints the secret once."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.api import tokens
from app.auth.models import User
from app.extensions import db


@click.command("create-api-token")
@click.option("--owner", required=True, help="E-mail of the active admin who holds the token.")
@click.option("--scopes", default="all", show_default=True,
              help="Comma-separated scopes (e.g. referrals:read,referrals:write), or 'all'.")
@click.option("--days", type=click.IntRange(1, tokens.MAX_DAYS), default=30, show_default=True)
@click.option("--name", default="Command line", show_default=True)
@with_appcontext
def create_api_token(owner: str, scopes: str, days: int, name: str) -> None:
    """Make a personal access token and print it (it is not stored, only its SHA-256)."""
    user = User.by_email(owner)
    if user is None:
        raise click.UsageError(f"No account for {owner}.")
    chosen = list(tokens.SCOPES) if scopes.strip() == "all" else [s.strip() for s in scopes.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(tokens.SCOPES))
    if unknown:
        raise click.UsageError(f"Unknown scopes: {', '.join(unknown)}. Choose from: {', '.join(tokens.SCOPES)}.")
    try:
        _token, secret = tokens.issue(user, name, chosen, days)
    except tokens.TokenError as exc:
        raise click.UsageError(str(exc)) from None
    db.session.commit()
    click.echo(secret)
