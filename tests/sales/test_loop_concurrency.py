"""Referrals sales enter, under real concurrency: PostgreSQL, real threads, each with its own session."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db as _db
from app.referrals.entry import enter_referral
from app.referrals.intake import Introduction, ReferralRefused
from app.referrals.models import Referee
from tests.factories import make_company, make_user
from tests.helpers import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.committed]

LEGAL_FORMS = ["Visser Installatietechniek", "Visser Installatietechniek B.V.", "Visser Installatietechniek BV",
               "VISSER INSTALLATIETECHNIEK b.v.", "Visser Installatietechniek Holding"]


def test_twenty_sales_entering_one_person_under_different_legal_forms_make_one_referee(app, db):
    lead = make_user("sales", name="Lena Lead", locale="en")
    sellers = [make_user("sales", name=f"Seller {n}", locale="en", manager=lead) for n in range(4)]
    customers = [make_user("customer", name=f"Customer {n}", company=make_company(f"Client {n}", account_manager=s))
                 for n, s in enumerate(sellers)]
    db.session.commit()
    pairs = [(sellers[n % 4].id, customers[n % 4].id, LEGAL_FORMS[n % 5]) for n in range(20)]
    lock = threading.Lock()

    def enter() -> int:
        with lock:
            seller_id, customer_id, company = pairs.pop()
        with app.test_request_context():  # as in the route: a refusal is worded in the request's language
            return _enter(seller_id, customer_id, company)

    def _enter(seller_id, customer_id, company) -> int:
        referee = enter_referral(_db.session.get(User, seller_id), _db.session.get(User, customer_id),
                                 Introduction(name="Mark Visser", company=company, benefit="Plans by hand."),
                                 origin="received")
        _db.session.commit()
        return referee.id

    results = run_at_once(app, 20, enter)
    stored = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if not isinstance(r, int)]
    assert len(stored) == 1, results
    assert all(isinstance(r, ReferralRefused) and r.code == "duplicate" for r in refused), refused
    assert db.session.scalar(select(func.count(Referee.id))) == 1
