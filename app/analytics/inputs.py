"""Entering the numbers the programme's economics and goals need: the running cost of a month, the
deals won in a month without a referral, and a quarter's targets. Each change is audited; flush
only, the route commits. One row per month (and per quarter and metric) is kept by a UNIQUE
constraint: two people saving the same month at once end with one row, the last one saved."""
from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.analytics.goals import Quarter
from app.analytics.programme_models import GOAL_METRICS, Goal, OtherWins, ProgrammeCost
from app.audit.services import record
from app.auth.models import User
from app.extensions import db


def _upsert(model, key: dict, values: dict, by: User):
    """The row for `key` with `values` set; returns it and its values before (None when it is new)."""
    row = db.session.scalar(select(model).filter_by(**key))
    before = None
    if row is None:
        try:
            with db.session.begin_nested():
                row = model(**key, **values, entered_by_id=by.id)
                db.session.add(row)
            return row, None
        except IntegrityError:  # saved by someone else a moment ago: change theirs
            row = db.session.scalar(select(model).filter_by(**key))
    before = {name: getattr(row, name) for name in values}
    for name, value in values.items():
        setattr(row, name, value)
    row.entered_by_id = by.id
    db.session.flush()
    return row, before


def _audit(by: User, action: str, row, key: dict, values: dict, before: dict | None) -> None:
    if before is None:
        record(by, action, row, **{k: str(v) for k, v in key.items()}, after=values)
        return
    changes = {name: [before[name], value] for name, value in values.items() if before[name] != value}
    if changes:
        record(by, action, row, **{k: str(v) for k, v in key.items()}, changes=changes)


def set_running_cost(month: date, amount_cents: int, note: str, by: User) -> ProgrammeCost:
    key, values = {"month": month.replace(day=1)}, {"amount_cents": amount_cents, "note": note}
    row, before = _upsert(ProgrammeCost, key, values, by)
    _audit(by, "programme_cost.set", row, key, values, before)
    return row


def set_other_wins(month: date, won: int, note: str, by: User) -> OtherWins:
    key, values = {"month": month.replace(day=1)}, {"won": won, "note": note}
    row, before = _upsert(OtherWins, key, values, by)
    _audit(by, "other_wins.set", row, key, values, before)
    return row


def set_goals(quarter: Quarter, targets: dict[str, int | None], by: User) -> list[str]:
    """Save a quarter's targets (None removes that goal); returns the metrics that changed."""
    existing = {goal.metric: goal for goal in db.session.scalars(select(Goal).where(Goal.quarter == quarter.key))}
    changed = []
    for metric in GOAL_METRICS:
        target, goal = targets.get(metric), existing.get(metric)
        if target is None and goal is not None:
            db.session.execute(delete(Goal).where(Goal.id == goal.id))
            record(by, "goal.remove", None, quarter=quarter.key, metric=metric, before={"target": goal.target})
            changed.append(metric)
        elif target is not None and (goal is None or goal.target != target):
            row, before = _upsert(Goal, {"quarter": quarter.key, "metric": metric}, {"target": target}, by)
            _audit(by, "goal.set", row, {"quarter": quarter.key, "metric": metric}, {"target": target}, before)
            changed.append(metric)
    db.session.flush()
    return changed
