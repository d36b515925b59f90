"""The ask cap and the claim under real concurrency: PostgreSQL, real threads, each with its own
session (the pattern of tests/test_concurrency.py)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app import dates
from app.auth.models import User
from app.extensions import db as _db
from app.referrals.models import Ask, AskStatus
from app.sales import ask_services as asks
from tests.factories import make_company, make_user
from tests.helpers import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.committed]


def _people(db, sellers: int):
    manager = make_user("sales", name="Bea Boss", locale="en")
    team = [make_user("sales", name=f"Seller {n}", locale="en", manager=manager) for n in range(sellers)]
    company = make_company("Race Corp", account_manager=team[0])
    customer = make_user("customer", name="Wanted Wim", company=company, locale="en")
    db.session.commit()
    return customer.id, [person.id for person in team]


def _one_each(ids: list[int]):
    """Each thread takes the next seller id."""
    lock, queue = threading.Lock(), list(ids)

    def take() -> int:
        with lock:
            return queue.pop()

    return take


def test_twenty_asks_at_once_give_exactly_one(app, db):
    customer_id, sellers = _people(db, 20)
    next_seller = _one_each(sellers)

    def log() -> int:
        seller = _db.session.get(User, next_seller())
        customer = _db.session.get(User, customer_id)
        ask = asks.log_ask(customer, seller, asked_on=dates.today(), channel="phone", outcome="yes",
                           follow_up_on=None, note="", cap_days=90)
        _db.session.commit()
        return ask.id

    results = run_at_once(app, 20, log)

    logged = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(logged) == 1, results
    assert len(refused) == 19 and all(isinstance(r, asks.AskRefused) and r.reason == asks.RECENTLY_ASKED
                                      for r in refused), refused
    assert db.session.scalar(select(func.count(Ask.id)).where(Ask.customer_id == customer_id)) == 1
    assert db.session.get(AskStatus, customer_id).last_asked_at is not None


def test_twenty_asks_at_once_when_the_status_row_exists(app, db):
    customer_id, sellers = _people(db, 20)
    db.session.add(AskStatus(customer_id=customer_id, claimed_by_id=sellers[0]))
    db.session.commit()
    next_seller = _one_each(sellers)

    def log() -> int:
        ask = asks.log_ask(_db.session.get(User, customer_id), _db.session.get(User, next_seller()),
                           asked_on=dates.today(), channel="email", outcome="later",
                           follow_up_on=dates.today().replace(year=dates.today().year + 1), note="",
                           cap_days=90)
        _db.session.commit()
        return ask.id

    results = run_at_once(app, 20, log)

    assert len([r for r in results if isinstance(r, int)]) == 1, results
    assert db.session.scalar(select(func.count(Ask.id)).where(Ask.customer_id == customer_id)) == 1
    db.session.expire_all()
    assert db.session.get(AskStatus, customer_id).claimed_by_id is None  # logging ends the claim


def test_ten_claims_at_once_give_one_winner(app, db):
    customer_id, sellers = _people(db, 10)
    next_seller = _one_each(sellers)

    def claim() -> int:
        seller = _db.session.get(User, next_seller())
        asks.claim(_db.session.get(User, customer_id), seller, cap_days=90)
        _db.session.commit()
        return seller.id

    results = run_at_once(app, 10, claim)

    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1, results
    assert len(losers) == 9 and all(isinstance(r, asks.AskRefused) and r.reason == asks.CLAIMED for r in losers), losers
    db.session.expire_all()
    assert db.session.get(AskStatus, customer_id).claimed_by_id == winners[0]


def test_ten_claims_at_once_on_an_old_claim_give_one_winner(app, db):
    from datetime import timedelta

    from app.dates import utcnow

    customer_id, sellers = _people(db, 11)
    db.session.add(AskStatus(customer_id=customer_id, claimed_by_id=sellers.pop(),
                             claimed_at=utcnow() - timedelta(days=30)))
    db.session.commit()
    next_seller = _one_each(sellers)

    def claim() -> int:
        seller = _db.session.get(User, next_seller())
        asks.claim(_db.session.get(User, customer_id), seller, cap_days=90)
        _db.session.commit()
        return seller.id

    results = run_at_once(app, 10, claim)

    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1, results
    db.session.expire_all()
    assert db.session.get(AskStatus, customer_id).claimed_by_id == winners[0]
