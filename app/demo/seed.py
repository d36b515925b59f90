"""Everything `flask seed-demo` adds: the demo staff, companies and customers, then the journey,
the referrals and the sales queue on top of them. Idempotent; flush only."""
from __future__ import annotations

from sqlalchemy import select

from app.auth import services
from app.auth.models import ADMIN, CUSTOMER, MARKETER, SALES, Company, User
from app.demo.economics import seed_economics_demo
from app.demo.identity import seed_identity
from app.demo.journey import seed_journey
from app.demo.referral_origins import seed_referral_origins_demo
from app.demo.referrals import seed_referrals_demo
from app.demo.sales import seed_sales_demo
from app.demo.terms import seed_terms
from app.extensions import db

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


def seed_accounts(password: str) -> int:
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
    return added


def seed_demo_data(password: str) -> int:
    """Add whatever of the demo is missing. Returns how many records were added."""
    added = seed_identity()
    added += seed_accounts(password)
    added += seed_journey()
    added += seed_referrals_demo()
    added += seed_sales_demo()
    added += seed_economics_demo()
    added += seed_referral_origins_demo()
    return added + seed_terms()
