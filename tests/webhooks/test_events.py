"""Each domain operation publishes its event once per real change, with the data app.events names."""
from __future__ import annotations

from app.auth.models import ADMIN, SALES
from app.auth.services import create_user
from app.journey.models import PENDING
from app.journey.progress import decide_submission, withdraw_consent
from app.nps.services import close_follow_up, record_answer
from app.points.services import award_once, award_points
from app.referrals.consent import erase, purge_unconverted
from app.referrals.intake import Introduction, add_referee, confirm
from app.referrals.models import CONTACTED, FROM_SHARE, MEETING, WON
from app.referrals.stages import move
from tests import factories
from tests.webhooks.conftest import recorded


def names(seen):
    return [(e.name, e.data) for e in seen]


def test_participant_created_for_customers_only(app, db, ctx):
    company = factories.make_company()
    with recorded() as seen:
        user = create_user("new.person@example.com", "New Person", "customer", company=company)
        create_user("staff.person@example.com", "Staff Person", SALES)
    assert names(seen) == [("participant.created", {"user_id": user.id})]


def test_points_awarded_only_when_a_row_is_inserted(app, db, ctx):
    user = factories.make_user()
    with recorded() as seen:
        entry = award_points(user.id, 10, "manual", 1, "a", "b")
        assert award_points(user.id, 10, "manual", 1, "a", "b") is None
        assert award_once(user.id, 5, "manual", 2, "a", "b") == 5
        assert award_once(user.id, 5, "manual", 2, "a", "b") == 0
    assert [e.name for e in seen] == ["points.awarded", "points.awarded"]
    assert seen[0].data == {"entry_id": entry.id, "user_id": user.id, "points": 10}
    assert seen[1].data["points"] == 5 and seen[1].data["entry_id"] is not None


def test_submission_approved_once(app, db, ctx):
    marketer = factories.make_user("marketer")
    submission = factories.make_submission(status=PENDING)
    with recorded() as seen:
        assert decide_submission(submission, marketer, True)
        assert not decide_submission(submission, marketer, True)
    assert [e.name for e in seen if e.name == "submission.approved"] == ["submission.approved"]
    assert seen[-1].data == {"submission_id": submission.id, "user_id": submission.user_id}


def test_consent_withdrawn_once(app, db, ctx):
    user = factories.make_user()
    quote = factories.make_challenge(type_key="quote")
    submission = factories.make_submission(user, quote, data={"quote": "Great"})
    with recorded() as seen:
        assert withdraw_consent(submission, user)
        assert not withdraw_consent(submission, user)
    assert names(seen) == [("consent.withdrawn", {"user_id": user.id, "submission_id": submission.id,
                                                  "what": "quote_publication"})]


def test_referral_created_stage_changed_won_and_confirmed(app, db, ctx):
    sales = factories.make_user(SALES)
    referrer = factories.make_user(company=factories.make_company(account_manager=sales))
    with recorded() as seen:
        referee = add_referee(referrer, Introduction(name="Iris Intro", company="Introco", email="iris@introco.example",
                                                     benefit="They plan by hand."), source="referral", checked=True)
    assert names(seen)[0] == ("referral.created", {"referee_id": referee.id, "origin": referee.origin})
    with recorded() as seen:
        move(referee, CONTACTED, sales, from_stage=referee.stage)
        move(referee, MEETING, sales, from_stage=CONTACTED)
        move(referee, WON, sales, from_stage=MEETING, deal_value_cents=100_00)
        move(referee, WON, sales, from_stage=WON, deal_value_cents=200_00)  # the same stage: no event
    stage_events = [e for e in seen if e.name.startswith("referral.")]
    assert names(stage_events) == [
        ("referral.stage_changed", {"referee_id": referee.id, "from_stage": "new", "to_stage": "contacted"}),
        ("referral.stage_changed", {"referee_id": referee.id, "from_stage": "contacted", "to_stage": "meeting"}),
        ("referral.stage_changed", {"referee_id": referee.id, "from_stage": "meeting", "to_stage": "won"}),
        ("referral.won", {"referee_id": referee.id}),
    ]
    signup = factories.make_referee(referrer, source=FROM_SHARE)
    with recorded() as seen:
        assert confirm(signup)
        assert not confirm(signup)
    assert [e.name for e in seen] == ["referee.confirmed"]


def test_referee_erased_by_objection_and_by_the_purge(app, db, ctx):
    referee = factories.make_referee(email_key="gone@example.com")
    with recorded() as seen:
        referee_id = referee.id
        erase(referee)
    assert names(seen) == [("referee.erased", {"referee_id": referee_id})]
    from datetime import timedelta

    from app.dates import utcnow
    old = factories.make_referee(stage_changed_at=utcnow() - timedelta(days=4000))
    with recorded() as seen:
        old_id = old.id
        assert purge_unconverted() == 1
    assert names(seen) == [("referee.erased", {"referee_id": old_id})]


def test_nps_answer_alert_and_follow_ups(app, db, ctx):
    sales = factories.make_user(SALES)
    customer = factories.make_user(company=factories.make_company(account_manager=sales))
    with recorded() as seen:
        response = record_answer(customer, 3, "Slow", wants_more=True)
    tasks = {task.kind: task for task in (response.follow_up, response.upsell)}
    assert names(seen) == [
        ("nps.answered", {"response_id": response.id, "user_id": customer.id}),
        ("followup.created", {"follow_up_id": tasks["alert"].id, "kind": "alert"}),
        ("nps.alert_raised", {"follow_up_id": tasks["alert"].id, "response_id": response.id}),
        ("followup.created", {"follow_up_id": tasks["upsell"].id, "kind": "upsell"}),
    ]
    with recorded() as seen:
        close_follow_up(tasks["alert"], sales, "Called them")
        close_follow_up(tasks["alert"], sales, "A later note")
    assert names(seen) == [("followup.closed", {"follow_up_id": tasks["alert"].id, "kind": "alert"})]


def test_a_passive_answer_raises_no_alert(app, db, ctx):
    customer = factories.make_user()
    with recorded() as seen:
        record_answer(customer, 7)
    assert [e.name for e in seen] == ["nps.answered"]


def test_every_event_name_is_tested(app):
    from pathlib import Path

    from app.events import NAMES
    source = Path(__file__).read_text()
    assert [name for name in NAMES if f'"{name}"' not in source] == []
    assert ADMIN  # the admin role exists (used by the delivery tests)
