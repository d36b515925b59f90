"""One-line test data: users, companies, outbox messages."""
from __future__ import annotations

import itertools

from werkzeug.security import generate_password_hash

from app.auth.models import CUSTOMER, SALES, Company, User
from app.extensions import db

PASSWORD = "correct horse battery"
# Hashing is deliberately slow; tests share one hash of the default password.
_HASH = generate_password_hash(PASSWORD)
_seq = itertools.count(1)


def make_user(role: str = CUSTOMER, *, email: str | None = None, name: str | None = None, locale: str = "nl",
              company: Company | None = None, password: str | None = PASSWORD, **fields) -> User:
    n = next(_seq)
    if role == CUSTOMER and company is None and "company_id" not in fields:
        company = make_company()
    user = User(
        email=(email or f"{role}{n}@example.com").lower(),
        name=name or f"{role.title()} {n}",
        role=role,
        locale=locale,
        company=company,
        password_hash=(_HASH if password == PASSWORD else generate_password_hash(password)) if password else None,
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_company(name: str | None = None, account_manager: User | None = None) -> Company:
    n = next(_seq)
    company = Company(name=name or f"Company {n}", account_manager=account_manager or make_user(SALES))
    db.session.add(company)
    db.session.flush()
    return company
