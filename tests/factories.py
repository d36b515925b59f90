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


def make_level(position: int = 1, threshold: int = 0, required=(), name: str | None = None):
    from app.journey.models import Level

    level = Level(position=position, name_nl=name or f"Niveau {position}", name_en=name or f"Level {position}",
                  description_nl="", description_en="", points_threshold=threshold)
    level.required_challenges = list(required)
    db.session.add(level)
    db.session.flush()
    return level


def make_challenge(level=None, type_key: str = "question", points: int = 10, config: dict | None = None, **fields):
    from app.journey.models import Challenge

    n = next(_seq)
    challenge = Challenge(
        level=level or make_level(position=100 + n), type_key=type_key, points=points,
        title_nl=fields.pop("title_nl", f"Uitdaging {n}"), title_en=fields.pop("title_en", f"Challenge {n}"),
        body_nl=fields.pop("body_nl", "Vertel het ons."), body_en=fields.pop("body_en", "Tell us."),
        config=config if config is not None else ({"options": [{"nl": "Ja", "en": "Yes"}, {"nl": "Nee", "en": "No"}]}
                                                  if type_key == "poll" else {}),
        position=fields.pop("position", n), **fields,
    )
    db.session.add(challenge)
    db.session.flush()
    return challenge
