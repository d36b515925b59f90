"""The published journey (levels, their required challenges, published challenges, active badges) as
plain read-only values, read once per worker and kept until a designer change.

Every flush that adds, changes or deletes a level, challenge, required-challenge link or badge writes
a fresh stamp into `journey_version` in the same transaction (the session hooks below, so no change
path can forget it). A request reads that one row; when the stamp differs from the cached copy's,
the journey is read again. A change committed by one worker is therefore seen by every worker on
its next request, and a change that is rolled back leaves a stamp nobody reuses.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from flask import current_app, g, has_app_context
from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.orm import Session

from app.extensions import db
from app.journey.models import PUBLISHED, Challenge, Level, challenge_open, journey_version, level_required_challenges
from app.rewards.models import Badge

VERSION_ROW = 1
JOURNEY_MODELS = (Level, Challenge, Badge)
JOURNEY_TABLES = frozenset(("levels", "challenges", "badges", "level_required_challenges"))


# --- read-only containers ---------------------------------------------------------------------------

def _read_only(*_args, **_kwargs):
    raise TypeError("the published journey is shared by every request: copy it before changing it")


class FrozenDict(dict):
    """A challenge's config as loaded: still a dict to every reader, refusing every change."""

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _read_only

    def __reduce__(self):  # copy and deepcopy give an ordinary, changeable dict
        return dict, (dict(self),)


class FrozenList(list):
    __setitem__ = __delitem__ = append = extend = insert = remove = pop = clear = sort = reverse = _read_only
    __iadd__ = __imul__ = _read_only

    def __reduce__(self):
        return list, (list(self),)


def freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return FrozenDict((key, freeze(item)) for key, item in value.items())
    if isinstance(value, list):
        return FrozenList(freeze(item) for item in value)
    return value


# --- the definition ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ChallengeDef:
    id: int
    level_id: int
    type_key: str
    title_nl: str
    title_en: str
    body_nl: str
    body_en: str
    points: int
    config: dict
    position: int
    starts_at: datetime | None
    ends_at: datetime | None
    repeatable: bool
    needs_review: bool
    status: str

    def is_open(self, now: datetime | None = None) -> bool:
        return challenge_open(self, now)


@dataclass(frozen=True, slots=True)
class LevelDef:
    id: int
    position: int
    name_nl: str
    name_en: str
    description_nl: str
    description_en: str
    points_threshold: int
    required: tuple[ChallengeDef, ...] = ()  # whatever their status: a level may wait for a draft
    challenges: tuple[ChallengeDef, ...] = ()  # the published ones, in order


@dataclass(frozen=True, slots=True)
class BadgeDef:
    id: int
    key: str
    name_nl: str
    name_en: str
    description_nl: str
    description_en: str
    icon: str
    rule: str
    rule_value: int | None
    rule_level_id: int | None
    rule_challenge_id: int | None
    rule_type_key: str | None
    position: int
    active: bool


@dataclass(frozen=True)
class Definition:
    version: int | None
    levels: tuple[LevelDef, ...]
    challenges: dict[int, ChallengeDef]  # published ones by id
    badges: tuple[BadgeDef, ...]  # active ones
    # Per locale, what the templates show of this definition (filled by app.journey.texts).
    texts: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def level(self, level_id: int) -> LevelDef | None:
        return next((level for level in self.levels if level.id == level_id), None)


def _columns(table, cls) -> list:
    return [table.c[f.name] for f in fields(cls) if f.name not in ("required", "challenges")]


_CHALLENGE_COLUMNS = _columns(Challenge.__table__, ChallengeDef)
_LEVEL_COLUMNS = _columns(Level.__table__, LevelDef)
_BADGE_COLUMNS = _columns(Badge.__table__, BadgeDef)


def _challenge(row) -> ChallengeDef:
    values = row._asdict()
    values["config"] = freeze(values["config"] if isinstance(values["config"], dict) else {})
    return ChallengeDef(**values)


def load_definition(version: int | None) -> Definition:
    """Four plain SELECTs: no ORM objects, nothing attached to the session."""
    level_rows = db.session.execute(  # draft levels are not for customers yet
        select(*_LEVEL_COLUMNS).where(Level.status == PUBLISHED).order_by(Level.position)).all()
    links = db.session.execute(select(level_required_challenges)).all()
    wanted = (Challenge.status == PUBLISHED) | Challenge.id.in_(select(level_required_challenges.c.challenge_id))
    challenges = [_challenge(row) for row in db.session.execute(
        select(*_CHALLENGE_COLUMNS).where(wanted).order_by(Challenge.position, Challenge.id))]
    badge_rows = db.session.execute(
        select(*_BADGE_COLUMNS).where(Badge.active.is_(True)).order_by(Badge.position, Badge.id)).all()

    by_id = {c.id: c for c in challenges}
    required: dict[int, list[ChallengeDef]] = {}
    for link in links:
        if link.challenge_id in by_id:
            required.setdefault(link.level_id, []).append(by_id[link.challenge_id])
    published: dict[int, list[ChallengeDef]] = {}
    for challenge in challenges:
        if challenge.status == PUBLISHED:
            published.setdefault(challenge.level_id, []).append(challenge)
    levels = tuple(
        LevelDef(**row._asdict(), required=tuple(sorted(required.get(row.id, ()), key=lambda c: c.id)),
                 challenges=tuple(published.get(row.id, ())))
        for row in level_rows
    )
    return Definition(
        version=version, levels=levels,
        challenges={c.id: c for level in levels for c in level.challenges},  # in published levels only
        badges=tuple(BadgeDef(**row._asdict()) for row in badge_rows),
    )


VERSION = select(journey_version.c.version).where(journey_version.c.id == VERSION_ROW).scalar_subquery()
_READ_VERSION = select(VERSION)
UNREAD = object()


def current_definition(version: Any = UNREAD) -> Definition:
    """The published journey as this transaction sees it: one SELECT of the stamp per request (or the
    `version` a caller read along in its own statement, see VERSION), the journey itself only when
    the stamp changed since this worker last read it."""
    memo = g.get("journey_definition") if has_app_context() else None
    if memo is not None:
        return memo
    if version is UNREAD:
        version = db.session.execute(_READ_VERSION).scalar()
    cache = current_app.extensions.setdefault("journey_definition", {})
    definition = cache.get("current")
    if version is None or definition is None or definition.version != version:
        definition = load_definition(version)
        if version is not None:  # without a stamp nobody could tell this copy is out of date
            cache["current"] = definition
    if has_app_context():
        g.journey_definition = definition
    return definition


# --- the stamp --------------------------------------------------------------------------------------

def bump_version(connection) -> None:
    """A fresh stamp, on the connection of the transaction that makes the change."""
    values = {"id": VERSION_ROW, "version": secrets.randbits(62)}
    dialect = connection.dialect.name
    if dialect in ("sqlite", "postgresql"):
        module = sqlite_dialect if dialect == "sqlite" else postgresql_dialect
        statement = module.insert(journey_version).values(**values)
        connection.execute(statement.on_conflict_do_update(
            index_elements=[journey_version.c.id], set_={"version": statement.excluded.version}))
    elif connection.execute(journey_version.update().values(version=values["version"])).rowcount == 0:
        connection.execute(journey_version.insert().values(**values))
    _forget_for_request()


def _forget_for_request() -> None:
    if has_app_context():
        g.pop("journey_definition", None)


def _touches_journey(session: Session) -> bool:
    if any(isinstance(obj, JOURNEY_MODELS) for obj in session.new) or \
            any(isinstance(obj, JOURNEY_MODELS) for obj in session.deleted):
        return True
    return any(isinstance(obj, JOURNEY_MODELS) and session.is_modified(obj) for obj in session.dirty)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush_context) -> None:
    if _touches_journey(session):
        bump_version(session.connection())


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(_session: Session, _previous_transaction) -> None:
    """What this request read inside a rolled-back transaction may include the undone change."""
    _forget_for_request()


@event.listens_for(Session, "do_orm_execute")
def _bulk_change(state) -> None:
    """UPDATE or DELETE statements on the journey's tables (not through objects) bump it too."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in JOURNEY_TABLES:
        bump_version(state.session.connection())
