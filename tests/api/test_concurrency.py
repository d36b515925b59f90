"""Twenty API calls moving one referral to won at the same moment, on PostgreSQL with real threads:
the milestone points are awarded exactly once (the stage's conditional UPDATE and the ledger's
unique source), and every other call is told it lost the race."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.points.models import PointsEntry
from app.referrals.models import Referee, ReferralEvent
from tests.factories import make_api_token, make_referee
from tests.helpers import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.committed]


def test_twenty_concurrent_moves_to_won_award_the_milestone_points_once(app, db):
    referee = make_referee(stage="opportunity")
    token = make_api_token(scopes="referrals:read referrals:write")
    db.session.commit()
    referee_id, referrer_id, header = referee.id, referee.referrer_id, {"Authorization": f"Bearer {token.secret}"}

    def call() -> int:
        response = app.test_client().post(f"/api/v1/referrals/{referee_id}/stage", headers=header,
                                          json={"stage": "won", "deal_value_cents": 420000})
        return response.status_code

    results = run_at_once(app, 20, call)

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert Counter(results) == Counter({200: 1, 409: 19}), results
    _db.session.remove()
    ledger = Counter(_db.session.scalars(select(PointsEntry.source_type).where(PointsEntry.user_id == referrer_id)))
    assert ledger["referral_won"] == 1 and all(count == 1 for count in ledger.values()), ledger
    assert _db.session.get(Referee, referee_id).stage == "won"
    won_steps = _db.session.scalars(select(ReferralEvent).where(ReferralEvent.referee_id == referee_id,
                                                                ReferralEvent.stage == "won")).all()
    assert len(won_steps) == 1
