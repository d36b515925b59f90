"""`flask seed-scale` makes the ledger volume the benchmark needs (about 50 rows per customer),
and a history the portal could have made: unique ledger sources, unlocks backed by points."""
from __future__ import annotations

from sqlalchemy import func, select, tuple_

from app.auth.models import CUSTOMER, SALES, User
from app.demo.scale import generate
from app.journey.models import APPROVED, Level, LevelUnlock, Submission, level_required_challenges
from app.points.models import PointsEntry
from app.referrals.models import Ask, Referee


def test_fifty_customers_give_fifty_ledger_rows_each_with_unique_sources(db):
    counts = generate(50, seed=5)
    db.session.commit()
    customers = db.session.scalar(select(func.count(User.id)).where(User.role == CUSTOMER))
    rows = db.session.scalar(select(func.count(PointsEntry.id)))
    assert customers == 50 and counts["points_entries"] == rows
    assert rows >= 50 * customers
    sources = select(PointsEntry.user_id, PointsEntry.source_type, PointsEntry.source_id).distinct().subquery()
    assert db.session.scalar(select(func.count()).select_from(sources)) == rows
    # Every answer's ledger row points at an approved answer of that customer.
    orphans = db.session.scalar(
        select(func.count(PointsEntry.id)).where(PointsEntry.source_type == "submission").where(
            tuple_(PointsEntry.user_id, PointsEntry.source_id).not_in(
                select(Submission.user_id, Submission.id).where(Submission.status == APPROVED))))
    assert orphans == 0


def test_every_unlock_is_backed_by_points_and_required_answers(db):
    generate(50, seed=11)
    db.session.commit()
    levels = {level.id: level for level in db.session.scalars(select(Level))}
    required: dict[int, set[int]] = {}
    for level_id, challenge_id in db.session.execute(select(level_required_challenges)):
        required.setdefault(level_id, set()).add(challenge_id)
    unlocks = db.session.scalars(select(LevelUnlock)).all()
    assert unlocks
    for unlock in unlocks:
        earned = db.session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.user_id == unlock.user_id, PointsEntry.points > 0,
            PointsEntry.created_at <= unlock.unlocked_at))
        assert earned >= levels[unlock.level_id].points_threshold
        done = set(db.session.scalars(select(Submission.challenge_id).where(
            Submission.user_id == unlock.user_id, Submission.status == APPROVED,
            Submission.created_at <= unlock.unlocked_at)))
        assert required.get(unlock.level_id, set()) <= done


def test_sales_teams_and_their_work(db):
    generate(800, seed=2, ledger_rows_per_customer=2)
    db.session.commit()
    leads = db.session.scalars(select(User.id).where(User.role == SALES, User.manager_id.is_(None))).all()
    reps = db.session.scalar(select(func.count(User.id)).where(User.role == SALES, User.manager_id.in_(leads)))
    assert len(leads) >= 1 and reps >= 2
    stages = set(db.session.scalars(select(Referee.stage).distinct()))
    assert {"new", "contacted", "meeting", "opportunity", "won", "lost"} <= stages
    assert db.session.scalar(select(func.count(Ask.id))) > 0
