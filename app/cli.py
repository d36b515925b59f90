"""Command-line tasks: accounts, the job worker, one-off mail delivery, housekeeping and translations; the demo data commands come from app.demo."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from app.auth import services
from app.auth.models import ADMIN, CUSTOMER, LOCALES, ROLES, SALES, Company, User
from app.demo.cli import seed_demo
from app.extensions import db
from app.jobs.housekeeping import SENT_MAIL_DAYS, purge
from app.jobs.worker import worker
from app.mail import deliver_due, release_session
from app.referrals.settings import programme_settings
from app.webhooks import delivery as webhook_delivery

ROOT = Path(__file__).resolve().parent.parent


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo)

    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--role", type=click.Choice(ROLES), default=CUSTOMER, show_default=True)
    @click.option("--locale", type=click.Choice(LOCALES), default="nl", show_default=True)
    @click.option("--company", help="Company name (required for customers).")
    @click.option("--account-manager", help="E-mail of the sales user who manages a new company.")
    @click.option("--manager", help="E-mail of this sales user's manager.")
    @click.option("--password", help="Set a password now instead of e-mailing an invitation.")
    def create_user(email, name, role, locale, company, account_manager, manager, password) -> None:
        """Create an account and e-mail an invitation (or set a password with --password)."""
        company_obj = None
        if company:
            company_obj = db.session.scalar(select(Company).where(Company.name == company.strip()))
            if company_obj is None:
                am = User.by_email(account_manager) if account_manager else None
                if am is None or am.role not in (SALES, ADMIN):
                    raise click.UsageError("New company: give --account-manager with the e-mail of a sales user.")
                company_obj = Company(name=company.strip(), account_manager=am)
                db.session.add(company_obj)
        elif role == CUSTOMER:
            raise click.UsageError("A customer belongs to a company: give --company.")
        manager_obj = None
        if manager:
            manager_obj = User.by_email(manager)
            if manager_obj is None or manager_obj.role != SALES:
                raise click.UsageError("--manager must be the e-mail of a sales user.")
        try:
            user = services.create_user(
                email, name, role, locale=locale, company=company_obj, password=password, manager=manager_obj
            )
            if not password:
                services.invite(user)
        except services.AccountError as exc:
            raise click.UsageError(str(exc)) from exc
        try:
            db.session.commit()
        except IntegrityError as exc:  # created at the same moment by someone else
            db.session.rollback()
            raise click.UsageError(f"There is already an account for {email.strip().lower()}.") from exc
        how = "password set" if password else "invitation queued in the outbox"
        click.echo(f"Created {user.role} {user.email} ({how}).")

    app.cli.add_command(worker)

    @app.cli.command("send-mail")
    @click.option("--limit", default=100, show_default=True, help="Messages per round.")
    def send_mail(limit: int) -> None:
        """Deliver queued e-mail once (SMTP, or the log when no MAIL_SERVER is set); the worker
        (`flask worker`) does this by itself, with retries."""
        try:
            counts = deliver_due(limit=limit)
        except (OperationalError, InterfaceError) as exc:
            release_session()
            raise click.ClickException(f"The database does not answer: {exc}") from exc
        click.echo(f"Sent {counts['sent']}, failed {counts['failed']}.")
        if counts["failed"]:
            sys.exit(1)

    @app.cli.command("deliver-webhooks")
    @click.option("--limit", default=100, show_default=True, help="Messages per round.")
    def deliver_webhooks(limit: int) -> None:
        """One round of webhook delivery: every message that is due, signed, with retries later."""
        counts = webhook_delivery.deliver_due(limit=limit)
        click.echo(f"Delivered {counts['sent']}, failed {counts['failed']}.")
        upcoming = webhook_delivery.next_attempt_at()
        if upcoming is not None:
            click.echo(f"Next attempt due at {upcoming.isoformat(timespec='seconds')} UTC.")

    @app.cli.command("purge")
    @click.option("--sent-mail-days", default=SENT_MAIL_DAYS, show_default=True,
                  help="Remove delivered mail older than this.")
    def purge_command(sent_mail_days: int) -> None:
        """Remove data past its retention period: delivered mail, unconverted referees (the worker
        does this daily)."""
        counts = purge(sent_mail_days)
        db.session.commit()
        click.echo(f"Removed {counts['mail']} delivered e-mails older than {sent_mail_days} days.")
        click.echo(f"Removed {counts['chat']} delivered or given-up chat alerts older than "
                   f"{app.config['CHAT_KEEP_DAYS']} days.")
        click.echo(f"Removed {counts['webhooks']} finished webhook messages older than "
                   f"{app.config['WEBHOOK_LOG_DAYS']} days.")
        click.echo(f"Removed {counts['referees']} referees who did not convert within "
                   f"{programme_settings().referee_retention_days} days (or never confirmed their e-mail).")

    @app.cli.group()
    def translate() -> None:
        """Extract, update and compile the gettext catalogs."""

    def _babel(*args: str) -> None:
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)

    @translate.command()
    def update() -> None:
        """Extract strings from code and templates and merge them into every catalog."""
        _babel("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output", "-o", "translations/messages.pot", ".")
        _babel("update", "-i", "translations/messages.pot", "-d", "translations", "--no-fuzzy-matching", "--ignore-obsolete")

    @translate.command()
    def compile() -> None:
        """Compile the catalogs to .mo files."""
        _babel("compile", "-d", "translations", "--statistics")
