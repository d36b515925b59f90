"""Fixtures for the journey browser tests: put one demo customer's journey back to the seed.

Completing a challenge or claiming a reward changes the shared, session-wide database, so every
test that does so resets the customer it uses, before and after, and works on its own.
Make the fixtures visible in a test module by binding them there (see test_journey.py).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from unittest import mock

import pytest


@dataclass(frozen=True)
class DemoJourney:
    """Ids of seeded rows the tests navigate to (ids, not titles: titles are being translated)."""

    challenge_ids: dict[str, int]  # seed key ("value", "share" …) -> challenge id
    reward_ids: dict[str, int]  # English reward name (seed content) -> id
    badge_names: dict[str, tuple[str, str]]  # badge key -> (name_nl, name_en), content from the seed
    level_names: dict[int, tuple[str, str]]  # position -> (name_nl, name_en)

    def challenge_id(self, key: str) -> int:
        return self.challenge_ids[key]


def _challenges_by_key():
    """The seeded challenges keyed as in app.demo.journey.CHALLENGES (matched on their English title)."""
    from sqlalchemy import select

    from app.demo.journey import CHALLENGES
    from app.extensions import db
    from app.journey.models import Challenge

    by_title = {c.title_en: c for c in db.session.scalars(select(Challenge))}
    return {key: by_title[title_en] for _lvl, key, _type, _pts, _rev, _t_nl, title_en, *_rest in CHALLENGES}


def reset_journey(app, email: str) -> None:
    """Delete a demo customer's submissions, points, badges, unlocks and claims; seed their history again."""
    from sqlalchemy import delete, func, select, update

    from app.auth.models import User
    from app.demo import journey as seed
    from app.extensions import db
    from app.journey.models import LevelUnlock, Submission
    from app.points.models import PointsEntry
    from app.rewards.models import Redemption, Reward, UserBadge

    with app.app_context():
        user = User.by_email(email)
        assert user is not None, f"{email} is not a seeded demo account"
        # A claimed reward with a stock took one; give it back.
        for reward_id, taken in db.session.execute(
            select(Redemption.reward_id, func.count(Redemption.id))
            .where(Redemption.user_id == user.id)
            .group_by(Redemption.reward_id)
        ).all():
            db.session.execute(
                update(Reward)
                .where(Reward.id == reward_id, Reward.stock.is_not(None))
                .values(stock=Reward.stock + taken)
            )
        from app.notifications.models import Notification
        from app.nps.models import NpsResponse

        # NPS answers go with their alerts and follow-ups (ON DELETE CASCADE).
        for model in (Redemption, UserBadge, LevelUnlock, PointsEntry, NpsResponse, Notification, Submission):
            db.session.execute(delete(model).where(model.user_id == user.id))
        db.session.flush()
        # _seed_history walks every customer in HISTORY: narrow it to this one while it runs.
        with mock.patch.dict(seed.HISTORY, {email: seed.HISTORY.get(email, ([], []))}, clear=True):
            seed._seed_history(_challenges_by_key())
        db.session.commit()
        db.session.remove()


@pytest.fixture(scope="session")
def demo_journey(live_app) -> DemoJourney:
    from sqlalchemy import select

    from app.extensions import db
    from app.journey.models import Level
    from app.rewards.models import Badge, Reward

    with live_app.app_context():
        challenge_ids = {key: challenge.id for key, challenge in _challenges_by_key().items()}
        reward_ids = {reward.name_en: reward.id for reward in db.session.scalars(select(Reward))}
        badge_names = {badge.key: (badge.name_nl, badge.name_en) for badge in db.session.scalars(select(Badge))}
        level_names = {level.position: (level.name_nl, level.name_en) for level in db.session.scalars(select(Level))}
        db.session.remove()
    return DemoJourney(challenge_ids, reward_ids, badge_names, level_names)


@pytest.fixture
def journey_reset(live_app) -> Iterator[Callable[[str], None]]:
    """`journey_reset(email)`: that customer starts from the seed now and is put back after the test."""
    touched: list[str] = []

    def reset(email: str) -> None:
        reset_journey(live_app, email)
        touched.append(email)

    yield reset
    for email in dict.fromkeys(touched):
        reset_journey(live_app, email)
