"""The sales pages at any size: the ask queue keeps the readiness rules and order of a plain
reference computation on random data, runs its statement once per page, and the queue and the
pipeline send the same number of statements for a small and a larger data set, for an account
manager, a team lead and an admin."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest

from app.auth.models import User
from app.dates import utcnow
from app.extensions import db as _db
from app.journey.models import APPROVED, PENDING, LevelUnlock, Submission
from app.nps.models import CLOSED, OPEN, FollowUp, NpsResponse, category_for
from app.referrals.intake import Introduction, add_referee
from app.referrals.models import AskStatus
from app.sales import queue as ask_queue
from app.sales.scope import scope_of
from tests.conftest import HX, count_queries
from tests.factories import make_challenge, make_company, make_level, make_user

CAP_DAYS = 90


@pytest.fixture
def world(db):
    """Three levels with a level-2 and a level-1 challenge; a lead with two account managers in the
    team and one account manager outside it; two companies each."""
    levels = {n: make_level(position=n) for n in (1, 2, 3)}
    lead = make_user("sales", name="Lena Lead", locale="en")
    reps = [make_user("sales", name=f"Rep {n}", locale="en", manager=lead) for n in range(2)]
    outsider = make_user("sales", name="Olga Outside", locale="en")
    companies = [make_company(f"Co {rep.name} {n}", account_manager=rep) for rep in (*reps, outsider) for n in range(2)]
    challenges = {2: make_challenge(level=levels[2], type_key="quote", repeatable=True),
                  1: make_challenge(level=levels[1], repeatable=True)}
    db.session.commit()
    return dict(levels=levels, lead=lead, reps=reps, outsider=outsider, companies=companies, challenges=challenges)


def _random_customers(db, world, rng: random.Random, count: int, prefix: str) -> None:
    now = utcnow()
    for n in range(count):
        person = make_user("customer", name=f"{prefix} {n:03d}", company=rng.choice(world["companies"]), locale="en",
                           is_active=rng.random() < 0.9)
        for position in range(1, rng.choice((0, 1, 2, 3, 3)) + 1):
            db.session.add(LevelUnlock(user_id=person.id, level_id=world["levels"][position].id))
        for attempt in range(rng.randint(0, 3)):
            db.session.add(Submission(user_id=person.id, challenge_id=world["challenges"][rng.choice((1, 2))].id,
                                      attempt=attempt + 1, status=rng.choice((APPROVED, APPROVED, PENDING))))
        for _answer in range(rng.choice((0, 1, 1, 2))):
            score = rng.randint(0, 10)
            row = NpsResponse(user_id=person.id, company_id=person.company_id, score=score,
                              category=category_for(score), reason="",
                              created_at=now - timedelta(days=rng.choice((1, 5, 5, 30))))  # ties on purpose
            db.session.add(row)
            db.session.flush()
            if row.category == "detractor" and rng.random() < 0.7:
                db.session.add(FollowUp(response_id=row.id, trigger=row.category, due_at=now, status=rng.choice((OPEN, CLOSED))))
        if rng.random() < 0.4:
            db.session.add(AskStatus(customer_id=person.id,
                                     last_asked_at=now - timedelta(days=rng.choice((10, 89, 91, 200)))
                                     if rng.random() < 0.8 else None,
                                     claimed_by_id=world["reps"][0].id if rng.random() < 0.3 else None,
                                     claimed_at=now - timedelta(days=rng.choice((1, 20)))))
    db.session.commit()


def _expected(db, world, viewer_ids: set[int] | None, now) -> list[str]:
    """The queue by its rules, computed row by row in Python."""
    positions = {level.id: level.position for level in world["levels"].values()}
    level2 = world["challenges"][2].id
    rows = []
    for person in db.session.query(User).filter(User.role == "customer").all():
        if not person.is_active or (viewer_ids is not None and person.company.account_manager_id not in viewer_ids):
            continue
        unlocks = db.session.query(LevelUnlock).filter_by(user_id=person.id).all()
        level = max((positions[u.level_id] for u in unlocks), default=0)
        done = db.session.query(Submission).filter_by(user_id=person.id, status=APPROVED, challenge_id=level2).count()
        answers = sorted(db.session.query(NpsResponse).filter_by(user_id=person.id).all(),
                         key=lambda r: (r.created_at, r.id), reverse=True)
        latest = answers[0] if answers else None
        if not (level >= 3 or (latest is not None and latest.category == "promoter" and done >= 1)):
            continue
        if latest is not None and latest.category == "detractor":
            continue
        if any(r.category == "detractor" and r.follow_up is not None and r.follow_up.status != CLOSED for r in answers):
            continue
        status = db.session.get(AskStatus, person.id)
        last = status.last_asked_at if status else None
        if last is not None and last >= now - timedelta(days=CAP_DAYS):
            continue
        rows.append(((-level, -done, -(latest.score if latest else -1), last is not None,
                      last or now, person.name, person.id), person.name))
    return [name for _key, name in sorted(rows)]


def _queue(viewer, now) -> list[str]:
    return [row[0].name for row in _db.session.execute(ask_queue.queue_statement(viewer, now, CAP_DAYS))]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_queue_follows_the_rules_and_order_of_a_plain_computation(db, world, seed):
    _random_customers(db, world, random.Random(seed), 60, f"S{seed}")
    now = utcnow()
    rep = world["reps"][0]
    admin = make_user("admin")
    db.session.commit()
    assert _queue(rep, now) == _expected(db, world, {rep.id}, now)
    assert _queue(world["lead"], now) == _expected(db, world, {world["lead"].id, *(r.id for r in world["reps"])}, now)
    assert _queue(world["outsider"], now) == _expected(db, world, {world["outsider"].id}, now)
    assert _queue(admin, now) == _expected(db, world, None, now)
    # The same through a resolved scope, and for a lead whose team holds every account.
    for viewer in (rep, world["lead"], admin):
        assert _queue(scope_of(viewer), now) == _queue(viewer, now)
    assert not scope_of(world["lead"]).every_account
    world["outsider"].manager_id = world["lead"].id
    db.session.commit()
    whole = scope_of(world["lead"])
    assert whole.every_account
    everyone = {world["lead"].id, world["outsider"].id, *(r.id for r in world["reps"])}
    assert _queue(whole, now) == _queue(world["lead"], now) == _expected(db, world, everyone, now)


def test_pages_carry_the_total_and_run_the_queue_statement_once(app, client, db, login_as, world):
    for n in range(30):
        person = make_user("customer", name=f"Ready {n:02d}", company=world["companies"][0], locale="en")
        db.session.add(LevelUnlock(user_id=person.id, level_id=world["levels"][3].id))
    db.session.commit()
    login_as(world["reps"][0])
    client.get("/sales/ask")
    with count_queries(app) as statements:
        first = client.get("/sales/ask").text
    assert sum("level_unlocks" in s for s in statements) == 1
    assert "30 customers ready for the ask" in first and "Page 1 of 2" in first
    assert 'href="/sales/ask?page=2" rel="next"' in first
    second = client.get("/sales/ask?page=2").text
    assert "Page 2 of 2" in second and 'rel="prev"' in second and second.count('<tr id="ask-row-') == 5
    # A page past the end shows the last page.
    past = client.get("/sales/ask?page=9").text
    assert "Page 2 of 2" in past and past.count('<tr id="ask-row-') == 5
    fragment = client.get("/sales/ask?page=2", headers=HX)
    assert "<html" not in fragment.text and fragment.text.count('<tr id="ask-row-') == 5


def _statements(app, client, url, headers=None) -> int:
    client.get(url, headers=headers or {})
    with count_queries(app) as statements:
        assert client.get(url, headers=headers or {}).status_code == 200
    return len(statements)


def _referrals(db, world, rng, count, prefix):
    referrers = [make_user("customer", name=f"{prefix} referrer {n}", company=rng.choice(world["companies"]))
                 for n in range(3)]
    db.session.commit()
    for n in range(count):
        add_referee(rng.choice(referrers), Introduction(name=f"{prefix} referee {n}", company=f"{prefix} {n}",
                                                         benefit="They plan in spreadsheets.", route="contact",
                                                         may_mention=True), source="referral", count_quota=False)
    db.session.commit()


@pytest.mark.parametrize("who", ["rep", "lead", "admin"])
@pytest.mark.parametrize("url", ["/sales/ask", "/sales/ask?page=2", "/sales/pipeline", "/sales/pipeline?view=table",
                                 "/sales/pipeline?view=table&page=2"])
def test_queue_and_pipeline_budgets_do_not_grow_with_the_data(app, client, db, login_as, world, who, url):
    viewer = {"rep": world["reps"][0], "lead": world["lead"], "admin": None}[who] or make_user("admin", locale="en")
    db.session.commit()
    login_as(viewer)
    rng = random.Random(5)
    _random_customers(db, world, rng, 6, "Few")
    _referrals(db, world, rng, 3, "Few")
    few = _statements(app, client, url)
    _random_customers(db, world, rng, 40, "Many")
    _referrals(db, world, rng, 30, "Many")
    many = _statements(app, client, url)
    assert few == many and many <= 10, (few, many)
