"""Command-line tasks: demo data, accounts, the mail worker, housekeeping and translations."""
from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.auth import services
from app.auth.models import ADMIN, CUSTOMER, LOCALES, MARKETER, ROLES, SALES, Company, User
from app.dates import utcnow
from app.extensions import db
from app.mail import SENT, OutboxMessage, deliver_due

ROOT = Path(__file__).resolve().parent.parent

# (e-mail, name, role, locale, manager e-mail)
DEMO_STAFF = [
    ("sales-lead@example.com", "Sanne de Vries", SALES, "nl", None),
    ("sales@example.com", "Sam Jansen", SALES, "en", "sales-lead@example.com"),
    ("accounts@example.com", "Ahmed El Amrani", SALES, "nl", "sales-lead@example.com"),
    ("marketing@example.com", "Mila Bakker", MARKETER, "nl", None),
    ("admin@example.com", "Alex Visser", ADMIN, "en", None),
]
# (company, account manager e-mail)
DEMO_COMPANIES = [
    ("Bouwbedrijf Van Dijk", "sales@example.com"),
    ("Northwind Logistics", "sales@example.com"),
    ("Zorggroep Oost", "sales@example.com"),
    ("Greenfield Energy", "accounts@example.com"),
]
# (e-mail, name, locale, company)
DEMO_CUSTOMERS = [
    ("klant@example.com", "Kees de Klant", "nl", "Bouwbedrijf Van Dijk"),
    ("customer@example.com", "Claire Customer", "en", "Northwind Logistics"),
    ("inkoop@example.com", "Ingrid Smit", "nl", "Zorggroep Oost"),
    ("ops@example.com", "Oliver Hughes", "en", "Greenfield Energy"),
    ("ambassadeur@example.com", "Anouk Jansen", "nl", "Zorggroep Oost"),
]


def seed_demo_data(password: str) -> int:
    """Create the demo accounts and companies that are missing. Returns how many records were added."""
    added = 0
    for email, name, role, locale, manager_email in DEMO_STAFF:
        if User.by_email(email) is None:
            manager = User.by_email(manager_email) if manager_email else None
            services.create_user(email, name, role, locale=locale, password=password, manager=manager)
            added += 1
    for name, manager_email in DEMO_COMPANIES:
        if db.session.scalar(select(Company).where(Company.name == name)) is None:
            db.session.add(Company(name=name, account_manager=User.by_email(manager_email)))
            added += 1
    db.session.flush()
    for email, name, locale, company_name in DEMO_CUSTOMERS:
        if User.by_email(email) is None:
            company = db.session.scalar(select(Company).where(Company.name == company_name))
            services.create_user(email, name, CUSTOMER, locale=locale, company=company, password=password)
            added += 1
    from app.journey.seed import seed_journey
    from app.referrals.demo import seed_referrals_demo

    from app.sales.demo import seed_sales_demo

    added += seed_journey()
    added += seed_referrals_demo()
    return added + (seed_sales_demo() or 0)


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only seed when the database has no users yet.")
    def seed_demo(if_empty: bool) -> None:
        """Add the demo accounts and companies (idempotent)."""
        if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
            click.echo("Database already has users; demo data not added.")
            return
        added = seed_demo_data(current_app.config["DEMO_PASSWORD"])
        db.session.commit()
        click.echo(f"Demo data ready ({added} records added). Password: the DEMO_PASSWORD setting.")

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

    @app.cli.command("send-mail")
    @click.option("--loop", is_flag=True, help="Keep running and deliver new mail as it arrives.")
    @click.option("--interval", default=10.0, show_default=True, help="Seconds between rounds with --loop.")
    @click.option("--limit", default=100, show_default=True, help="Messages per round.")
    def send_mail(loop: bool, interval: float, limit: int) -> None:
        """Deliver queued e-mail (SMTP, or the log when no MAIL_SERVER is set), with retries."""
        while True:
            counts = deliver_due(limit=limit)
            if counts["sent"] or counts["failed"] or not loop:
                click.echo(f"Sent {counts['sent']}, failed {counts['failed']}.")
            if not loop:
                if counts["failed"]:
                    sys.exit(1)
                return
            db.session.remove()
            time.sleep(interval)

    @app.cli.command("purge")
    @click.option("--sent-mail-days", default=30, show_default=True, help="Remove delivered mail older than this.")
    def purge(sent_mail_days: int) -> None:
        """Remove data past its retention period: delivered mail, unconverted referees."""
        cutoff = utcnow() - timedelta(days=sent_mail_days)
        result = db.session.execute(
            delete(OutboxMessage).where(OutboxMessage.status == SENT, OutboxMessage.sent_at < cutoff)
        )
        from app.referrals.consent import purge_unconverted
        from app.referrals.settings import programme_settings

        referees = purge_unconverted()
        db.session.commit()
        click.echo(f"Removed {result.rowcount} delivered e-mails older than {sent_mail_days} days.")
        click.echo(f"Removed {referees} referees who did not convert within "
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
