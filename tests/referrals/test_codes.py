"""Personal referral codes: every customer has one from the day the account is made (by hand, by CSV
import, or through the migration for older accounts), so no page has to store one while showing it."""
from __future__ import annotations

import re

from flask_migrate import upgrade
from sqlalchemy import insert, select, text, update

from app import create_app
from app.auth.models import User
from app.auth.services import create_user
from app.extensions import db as _db
from app.participants.csvfile import parse_csv
from app.participants.imports import import_participants
from app.referrals.links import ensure_referral_code
from tests.conftest import base_config
from tests.factories import make_company, make_user

CODE = re.compile(r"[A-Za-z0-9_-]{12}")


def test_a_customer_account_comes_with_its_own_code(db):
    first = create_user("anna@example.com", "Anna", "customer")
    second = create_user("bram@example.com", "Bram", "customer")
    db.session.commit()
    assert CODE.fullmatch(first.referral_code) and CODE.fullmatch(second.referral_code)
    assert first.referral_code != second.referral_code


def test_staff_accounts_get_no_code(db):
    for role in ("marketer", "sales", "admin"):
        assert create_user(f"{role}@example.com", role.title(), role).referral_code is None


def test_customers_imported_from_a_file_come_with_their_codes(db):
    manager = make_user("sales", email="sam@example.com")
    make_company("Acme", account_manager=manager)
    actor = make_user("marketer")
    db.session.commit()
    parsed = parse_csv("email,name,company,language,account_manager\r\n"
                       "carla@acme.example,Carla,Acme,nl,\r\n"
                       "daan@acme.example,Daan,Acme,en,\r\n")
    import_participants(parsed, send_invitations=False, actor=actor)
    db.session.commit()
    codes = [User.by_email(email).referral_code for email in ("carla@acme.example", "daan@acme.example")]
    assert all(code and CODE.fullmatch(code) for code in codes) and codes[0] != codes[1]


def test_every_way_of_making_a_customer_gives_a_code(db):
    made_directly = make_user("customer")
    db.session.execute(insert(User), [{"email": "bulk@example.com", "name": "Bulk", "role": "customer",
                                       "locale": "nl"}])
    staff = make_user("marketer")
    db.session.commit()
    assert CODE.fullmatch(made_directly.referral_code)
    assert CODE.fullmatch(User.by_email("bulk@example.com").referral_code)
    assert staff.referral_code is None


def test_an_account_without_a_code_gets_one_once(db):
    customer = make_user("customer")
    db.session.execute(update(User).where(User.id == customer.id).values(referral_code=None))
    db.session.commit()
    db.session.refresh(customer)
    assert customer.referral_code is None  # like an account from before codes
    code = ensure_referral_code(customer)
    assert CODE.fullmatch(code)
    assert ensure_referral_code(customer) == code
    db.session.commit()
    db.session.refresh(customer)
    assert customer.referral_code == code


def test_the_migration_gives_older_customer_accounts_a_code(tmp_path):
    app = create_app({**base_config(str(tmp_path)), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/old.db"})
    with app.app_context():
        upgrade(revision="0008")
        rows = [("old1@example.com", "customer", None), ("old2@example.com", "customer", None),
                ("kept@example.com", "customer", "keptcode1234"), ("staff@example.com", "marketer", None)]
        for email, role, code in rows:
            _db.session.execute(text(
                "INSERT INTO users (email, name, role, locale, is_active, session_version, referral_show_name,"
                " created_at, referral_code) VALUES (:email, :email, :role, 'nl', 1, 1, 0, CURRENT_TIMESTAMP, :code)"
            ), {"email": email, "role": role, "code": code})
        _db.session.commit()
        upgrade()
        codes = dict(_db.session.execute(select(User.email, User.referral_code)).all())
        _db.session.remove()
        _db.engine.dispose()
    assert codes["kept@example.com"] == "keptcode1234"
    assert codes["staff@example.com"] is None
    assert CODE.fullmatch(codes["old1@example.com"]) and CODE.fullmatch(codes["old2@example.com"])
    assert codes["old1@example.com"] != codes["old2@example.com"]
