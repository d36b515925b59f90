"""Introductions and pipeline moves racing each other, against PostgreSQL with real threads."""
from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from app.journey.models import Submission
from app.points.models import PointsEntry
from app.referrals.models import Referee, ReferralQuota
from app.referrals.settings import programme_settings
from tests.conftest import csrf_token
from tests.factories import make_challenge, make_company, make_level, make_user
from tests.helpers import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.committed]
WORKERS = 20
INTRO = {"name": "Anna de Vries", "company": "Bouwbedrijf Noord", "role": "COO", "route": "contact",
         "may_mention": "y", "benefit": "They plan their crews in spreadsheets, as we did.", "approved": "1"}


def _client_for(app, user_key):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_key
    return client


def test_twenty_referrers_introducing_one_person_at_once_make_one_referee(app, db):
    challenge = make_challenge(make_level(3), "referral", repeatable=True, config={"repeat_after_days": 0})
    keys = iter([make_user("customer", locale="en").get_id() for _ in range(WORKERS)])
    db.session.commit()
    url = f"/challenges/{challenge.id}"

    def submit():
        client = _client_for(app, next(keys))
        response = client.post(url, data={**INTRO, "csrf_token": csrf_token(app, client)})
        return response.status_code, "Someone already introduced this person" in response.text

    results = run_at_once(app, WORKERS, submit)
    assert all(isinstance(r, tuple) for r in results), results
    codes = [code for code, _ in results]
    assert codes.count(303) == 1, codes
    assert all(code == 422 and refused for code, refused in results if code != 303)
    assert db.session.scalar(select(func.count(Referee.id))) == 1
    # The refused introductions left nothing behind: no answer, no quota used.
    assert db.session.scalar(select(func.count(Submission.id))) == 1
    assert db.session.scalar(select(func.sum(ReferralQuota.used))) == 1


def test_the_daily_cap_holds_under_parallel_introductions(app, db):
    programme_settings().daily_referral_cap = 5
    challenge = make_challenge(make_level(3), "referral", repeatable=True, config={"repeat_after_days": 0})
    user = make_user("customer")
    db.session.commit()
    url, user_key, names = f"/challenges/{challenge.id}", user.get_id(), itertools.count(1)

    def submit():
        client = _client_for(app, user_key)
        n = next(names)
        response = client.post(url, data={**INTRO, "name": f"Person {n}", "csrf_token": csrf_token(app, client)})
        return response.status_code

    codes = run_at_once(app, 12, submit)
    assert all(isinstance(code, int) and code < 500 for code in codes), codes
    created = db.session.scalar(select(func.count(Referee.id)))
    assert created == codes.count(303) and created <= 5
    assert set(codes) <= {303, 409, 422}


def test_parallel_moves_to_the_same_stage_award_the_milestone_once(app, db):
    manager = make_user("sales")
    referrer = make_user("customer", company=make_company(account_manager=manager))
    referee = Referee(referrer_id=referrer.id, name="Anna", company="Noord", token="x" * 24, route="contact")
    db.session.add(referee)
    db.session.commit()
    key, referee_id = manager.get_id(), referee.id

    def move():
        client = _client_for(app, key)
        return client.post(f"/sales/referrals/{referee_id}/stage", data={
            "from_stage": "new", "to_stage": "won", "deal_value": "12.500", "csrf_token": csrf_token(app, client)}).status_code

    codes = run_at_once(app, 10, move)
    assert all(isinstance(code, int) and code < 500 for code in codes), codes
    rows = db.session.execute(select(PointsEntry.source_type, func.count()).group_by(PointsEntry.source_type)).all()
    assert dict(rows) == {"referral_meeting": 1, "referral_opportunity": 1, "referral_won": 1}
    assert db.session.scalar(select(func.sum(PointsEntry.points))) == 50 + 100 + 250


LEGAL_FORMS = ["Visser Installatietechniek", "Visser Installatietechniek B.V.", "Visser Installatietechniek BV",
               "VISSER INSTALLATIETECHNIEK b.v.", "Visser Installatietechniek Holding", "Visser Installatietechniek Groep",
               "Visser Installatietechniek Holding B.V.", "Visser-Installatietechniek", "Visser Installatietechniek N.V.",
               "Visser Installatietechniek V.O.F."]


def test_twenty_introductions_of_one_person_under_different_legal_forms_make_one_referee(app, db):
    challenge = make_challenge(make_level(3), "referral", repeatable=True, config={"repeat_after_days": 0})
    keys = iter([make_user("customer", locale="en").get_id() for _ in range(WORKERS)])
    companies = iter(LEGAL_FORMS * 2)
    names = iter(["Mark Visser", "mark  visser", "MARK VISSER", "Mark Visser."] * 5)
    db.session.commit()
    url = f"/challenges/{challenge.id}"

    def submit():
        client = _client_for(app, next(keys))
        data = {**INTRO, "name": next(names), "company": next(companies), "csrf_token": csrf_token(app, client)}
        response = client.post(url, data=data)
        return response.status_code, "Someone already introduced this person" in response.text

    results = run_at_once(app, WORKERS, submit)
    assert all(isinstance(r, tuple) for r in results), results
    codes = [code for code, _ in results]
    assert codes.count(303) == 1, codes
    assert all(code == 422 and refused for code, refused in results if code != 303)
    assert db.session.scalars(select(Referee.person_key)).all() == ["mark visser|visser installatietechniek"]
    assert db.session.scalar(select(func.count(Submission.id))) == 1
