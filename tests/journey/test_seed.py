"""The demo journey that `seed-demo` creates."""
from __future__ import annotations

from sqlalchemy import func, select

from app.auth.models import User
from app.challenges import REGISTRY
from app.journey.models import Challenge, Level
from app.journey.state import journey_state
from app.rewards.models import MONEY_LIKE_KINDS, Badge, Reward


def test_seed_demo_builds_a_complete_bilingual_journey(runner, db):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    levels = db.session.scalars(select(Level).order_by(Level.position)).all()
    assert [lvl.position for lvl in levels] == [1, 2, 3]
    challenges = db.session.scalars(select(Challenge)).all()
    assert len(challenges) >= 15
    assert {c.type_key for c in challenges} == set(REGISTRY)
    assert all(c.title_nl and c.title_en and c.body_nl and c.body_en for c in challenges)
    assert db.session.scalar(select(func.count(Badge.id))) == 6
    rewards = db.session.scalars(select(Reward)).all()
    assert len(rewards) == 6 and not any(r.kind in MONEY_LIKE_KINDS for r in rewards)
    # Running it again adds nothing.
    assert "0 records added" in runner.invoke(args=["seed-demo"]).output
    assert db.session.scalar(select(func.count(Challenge.id))) == len(challenges)


def test_demo_customers_stand_at_different_stages(runner, db):
    runner.invoke(args=["seed-demo"])
    stage = {email: journey_state(User.by_email(email)).current.level.position
             for email in ("inkoop@example.com", "klant@example.com", "customer@example.com", "ops@example.com",
                           "ambassadeur@example.com")}
    assert stage == {"inkoop@example.com": 1, "klant@example.com": 1, "customer@example.com": 1,
                     "ops@example.com": 2, "ambassadeur@example.com": 3}
    new = journey_state(User.by_email("inkoop@example.com"))
    assert new.earned == 0
    # One question away from level 2: the demo shows a level-up in a single step.
    klant = journey_state(User.by_email("klant@example.com"))
    assert klant.levels[1].points_to_go <= 15 and klant.levels[1].missing_required == []
