"""Reference calls under real concurrency: PostgreSQL, real threads, each with its own session (the
pattern of tests/sales/test_ask_concurrency.py). The last place of a quarter goes to one call."""
from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import func, select

from app import dates
from app.auth.models import User
from app.extensions import db as _db
from app.referrals.models import ReferenceCall
from app.sales import ask_services as asks
from app.sales import references
from tests.factories import make_company, make_reference_call, make_reference_offer, make_user
from tests.helpers import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.committed]


def _one_call_left(db):
    """A customer who offered 2 calls a quarter and took one already; their account manager and hers."""
    boss = make_user("sales", name="Bea Boss", locale="en")
    sellers = [make_user("sales", name=f"Seller {n}", locale="en", manager=boss) for n in range(2)]
    company = make_company("Race Corp", account_manager=sellers[0])
    customer = make_user("customer", name="Rita Reference", company=company, locale="en")
    offer = make_reference_offer(customer, 2)
    make_reference_call(customer, submission_id=offer.id, seq=1, calls_limit=2)
    db.session.commit()
    return customer.id, [boss.id, sellers[0].id]


def _log(customer_id: int, seller_ids: list[int]):
    def log() -> int:
        with current_app.test_request_context():
            seller = _db.session.get(User, seller_ids.pop())
            offer = references.offer_of(seller, customer_id)
            call = references.log_reference_call(offer, seller, called_on=dates.today(), prospect="Prospect BV",
                                                 note="", cap_days=90)
            _db.session.commit()
            return call.id
    return log


def _calls(db, customer_id) -> int:
    return db.session.scalar(select(func.count(ReferenceCall.id)).where(ReferenceCall.customer_id == customer_id))


def test_two_calls_at_once_for_the_last_place_give_one(app, db):
    customer_id, sellers = _one_call_left(db)
    results = run_at_once(app, 2, _log(customer_id, list(sellers)))
    logged = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(logged) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], (asks.AskRefused, references.ReferenceRefused)), refused
    assert _calls(db, customer_id) == 2


def test_the_database_keeps_the_limit_when_the_cap_lets_both_through(app, db, monkeypatch):
    """Without the ask cap in the way (a one-day cap, calls days apart), the UNIQUE(customer, quarter,
    seq) and seq <= limit constraints alone give the last place to one call."""
    monkeypatch.setattr(references.asks, "take_ask_slot", lambda *args, **kwargs: None)
    customer_id, sellers = _one_call_left(db)
    results = run_at_once(app, 2, _log(customer_id, list(sellers)))
    logged = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(logged) == 1, results
    assert len(refused) == 1 and isinstance(refused[0], references.ReferenceRefused), refused
    assert refused[0].reason == references.LIMIT_REACHED
    assert _calls(db, customer_id) == 2
    assert sorted(db.session.scalars(select(ReferenceCall.seq).where(ReferenceCall.customer_id == customer_id))) == [1, 2]
