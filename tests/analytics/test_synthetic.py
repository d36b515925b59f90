"""The synthetic programme: the shape it promises, and the dashboard on top of it."""
from __future__ import annotations

from sqlalchemy import func, select

from app.analytics import services
from app.auth.models import CUSTOMER, User
from app.dates import utcnow
from app.demo.scale import generate
from app.journey.models import LevelUnlock
from app.referrals.models import Referee


def test_generate_adds_a_programme_with_history(db):
    counts = generate(400, seed=3, days=200)
    db.session.commit()
    assert db.session.scalar(select(func.count(User.id)).where(User.role == CUSTOMER)) == 400
    assert counts["customers"] == 400 and counts["submissions"] > 400 and counts["nps_responses"] > 100
    assert counts["referees"] > 0 and counts["share_clicks"] > 0 and counts["views"] > counts["level_unlocks"]
    reached = dict(db.session.execute(select(LevelUnlock.level_id, func.count()).group_by(LevelUnlock.level_id)).all())
    first, second, third = (reached[level_id] for level_id in sorted(reached))
    assert first > second > third > 0  # a funnel
    assert db.session.scalar(select(func.max(Referee.created_at))) <= utcnow()

    today = utcnow().date()
    from datetime import timedelta

    figures = services.dashboard(services.Period(today - timedelta(days=199), today))
    assert figures["participation"]["active"].current > 0
    assert figures["funnel"][1]["conversion"].current < 1
    assert figures["nps"]["score"].current is not None


def test_running_it_twice_adds_more(db):
    generate(50, seed=1)
    generate(50, seed=1)
    db.session.commit()
    assert db.session.scalar(select(func.count(User.id)).where(User.role == CUSTOMER)) == 100


def test_the_command(runner):
    result = runner.invoke(args=["seed-scale", "120", "--days", "90"])
    assert result.exit_code == 0, result.output
    assert "customers 120" in result.output
    assert runner.invoke(args=["seed-scale", "0"]).exit_code != 0
