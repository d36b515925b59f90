"""The referral pipeline: a stage moves once, milestone points, news for the referrer, the
introduction challenge's outcome, and the sales review of flagged introductions.

Flush only; the route commits once, so a move, its ledger rows, its notifications and its mail are
one transaction.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from app.analytics import rollups as analytics_rollups
from app.auth.models import User
from app.dates import utcnow
from app.events import publish
from app.extensions import db
from app.i18n_content import in_both_languages
from app.journey.models import APPROVED, PENDING, REJECTED, Submission
from app.journey.progress import settle
from app.mail import queue_mail
from app.notifications.services import notify
from app.points.models import PointsEntry
from app.points.services import award_points
from app.referrals.intake import objection_url, tell_account_manager
from app.referrals.models import (
    CONTACTED,
    LOST,
    MEETING,
    MILESTONES,
    OPPORTUNITY,
    STAGES,
    WON,
    Referee,
    ReferralEvent,
)
from app.referrals.settings import programme_settings
from app.urls import external_url

STAGE_LABELS = {
    "new": _l("New"), "contacted": _l("Contacted"), "meeting": _l("Meeting"),
    "opportunity": _l("Opportunity"), "won": _l("Won"), "lost": _l("Lost"),
}
# What the referrer reads about their introduction, in plain words.
STAGE_FOR_REFERRER = {
    "new": _l("We received your introduction and will get in touch soon."),
    "contacted": _l("We have been in touch with them."),
    "meeting": _l("We have had a conversation with them."),
    "opportunity": _l("They are considering working with us."),
    "won": _l("They became a customer. Thank you!"),
    "lost": _l("It did not lead to working together this time."),
}


class StageError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def milestones_reached(stage: str) -> list[str]:
    """Reaching a stage means the milestones before it were reached too (won implies a meeting)."""
    if stage not in MILESTONES:
        return []
    return list(MILESTONES[: MILESTONES.index(stage) + 1])


def move(referee: Referee, to_stage: str, by: User, *, from_stage: str, note: str = "", lost_reason: str = "",
         follow_up_on: date | None = None, deal_value_cents: int | None = None,
         expected_value_cents: int | None = None) -> list[tuple[str, int]]:
    """Move a referral, once: a conditional UPDATE on the stage the mover saw. Returns the
    milestones newly awarded as (stage, points).

    Won needs the deal value (cents > 0); a referral that leaves won loses it. An expected value
    may come along from the opportunity on; lost takes no value."""
    if to_stage not in STAGES:
        raise StageError("unknown")
    if referee.flag is not None or not referee.reaches_sales:
        raise StageError("not_in_pipeline")
    if (to_stage == WON) != (deal_value_cents is not None) or (deal_value_cents is not None and deal_value_cents <= 0):
        raise StageError("deal_value")
    if expected_value_cents is not None and (to_stage not in (OPPORTUNITY, WON) or expected_value_cents <= 0):
        raise StageError("expected_value")
    values = dict(stage=to_stage, stage_changed_at=utcnow(), follow_up_on=follow_up_on, deal_value_cents=deal_value_cents)
    if expected_value_cents is not None:
        values["expected_value_cents"] = expected_value_cents
    if to_stage == LOST:
        values["lost_reason"] = lost_reason
    result = db.session.execute(
        update(Referee).where(Referee.id == referee.id, Referee.stage == from_stage)
        .values(**values).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StageError("moved")
    db.session.refresh(referee)
    talked_before = db.session.scalar(
        select(func.count(ReferralEvent.id)).where(ReferralEvent.referee_id == referee.id,
                                                   ReferralEvent.stage.in_((MEETING, OPPORTUNITY, WON)))
    )
    db.session.add(ReferralEvent(referee_id=referee.id, stage=to_stage, by_id=by.id, note=note or lost_reason))
    if to_stage != from_stage:  # a note or a follow-up date on the same stage moves nothing
        publish("referral.stage_changed", referee_id=referee.id, from_stage=from_stage, to_stage=to_stage)
        if to_stage == WON:
            publish("referral.won", referee_id=referee.id)
    awarded = _award_milestones(referee)
    _update_submission(referee)
    _tell_referrer(referee, awarded)
    if to_stage in (MEETING, OPPORTUNITY, WON) and not talked_before:
        _ask_how_it_went(referee)  # once, after the first conversation
    db.session.flush()
    return awarded


def _award_milestones(referee: Referee) -> list[tuple[str, int]]:
    if referee.stage == LOST:
        return []
    settings = programme_settings()
    awarded = []
    for stage in milestones_reached(referee.stage):
        points = settings.milestone_points(stage)
        if points <= 0:
            continue  # a milestone marketing gives no points for leaves no line in the history
        reason_nl, reason_en = in_both_languages(lambda stage=stage: gettext(
            "Introduction of %(name)s: %(stage)s", name=referee.name, stage=str(STAGE_LABELS[stage])))
        # The ledger's unique source makes each milestone count once, also for parallel moves.
        entry = award_points(referee.referrer_id, points, f"referral_{stage}", referee.id, reason_nl, reason_en)
        if entry is not None:
            awarded.append((stage, points))
    return awarded


def _update_submission(referee: Referee) -> None:
    """The introduction challenge counts as completed once the introduction led to a conversation."""
    if referee.submission_id is None:
        return
    if referee.stage in (MEETING, OPPORTUNITY, WON):
        status = APPROVED
    elif referee.stage == LOST:
        status = REJECTED
    else:
        return
    result = db.session.execute(
        update(Submission).where(Submission.id == referee.submission_id, Submission.status == PENDING)
        .values(status=status, reviewed_at=utcnow()).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return
    submission = db.session.get(Submission, referee.submission_id)
    db.session.refresh(submission)
    if status == APPROVED:
        settle(referee.referrer)
        analytics_rollups.approved(submission)  # a closed day's figures gain this answer
        publish("submission.approved", submission_id=submission.id, user_id=submission.user_id)
    else:
        analytics_rollups.rejected(submission)  # a promoter's advocacy on a closed day may lose it


def _tell_referrer(referee: Referee, awarded: list[tuple[str, int]]) -> None:
    total = sum(points for _stage, points in awarded)
    stage = referee.stage
    if stage == CONTACTED and not total:
        return  # a first contact without points is not worth an e-mail; "my referrals" shows it

    def message() -> str:
        plain = str(STAGE_FOR_REFERRER[stage])
        if total:
            return gettext("Thank you for introducing %(name)s! %(stage)s You earned %(points)d points.",
                           name=referee.name, stage=plain, points=total)
        return gettext("News about your introduction of %(name)s: %(stage)s", name=referee.name, stage=plain)

    def subject() -> str:
        if total:
            return gettext("You earned %(points)d points for introducing %(name)s", points=total, name=referee.name)
        return gettext("An update on your introduction of %(name)s", name=referee.name)

    notify(referee.referrer, "referral_stage", *in_both_languages(message), link=external_url("referrals.mine"),
           subject=in_both_languages(subject))


def _ask_how_it_went(referee: Referee) -> None:
    text_nl, text_en = in_both_languages(lambda: gettext(
        "You introduced %(name)s and we have spoken with them. How did it go, from your side? "
        "Tell us on your referrals page.", name=referee.name))
    notify(referee.referrer, "referral_feedback", text_nl, text_en,
           link=external_url("referrals.mine", _anchor=f"referee-{referee.id}"),
           subject=in_both_languages(lambda: gettext("How did your introduction of %(name)s go?", name=referee.name)))
    if referee.email:
        queue_mail(referee.email, "referee_feedback", referee.message_locale, referee=referee,
                   feedback_link=external_url("referrals.feedback", token=referee.token),
                   objection_link=objection_url(referee.token))


def clear_flag(referee: Referee, by: User) -> bool:
    result = db.session.execute(
        update(Referee).where(Referee.id == referee.id, Referee.flag.is_not(None))
        .values(flag=None).execution_options(synchronize_session=False)
    )
    db.session.refresh(referee)
    if result.rowcount == 1:
        db.session.add(ReferralEvent(referee_id=referee.id, stage=referee.stage, by_id=by.id, note="flag cleared"))
        if referee.reaches_sales:
            tell_account_manager(referee)
    return result.rowcount == 1


def reject_flagged(referee: Referee, by: User, reason: str) -> bool:
    from_stage = referee.stage
    result = db.session.execute(
        update(Referee).where(Referee.id == referee.id, Referee.flag.is_not(None))
        .values(stage=LOST, lost_reason=reason, stage_changed_at=utcnow()).execution_options(synchronize_session=False)
    )
    db.session.refresh(referee)
    if result.rowcount == 1:
        db.session.add(ReferralEvent(referee_id=referee.id, stage=LOST, by_id=by.id, note=reason))
        if from_stage != LOST:
            publish("referral.stage_changed", referee_id=referee.id, from_stage=from_stage, to_stage=LOST)
    return result.rowcount == 1


def referral_points(referee_ids: list[int], user_id: int) -> dict[int, dict[str, int]]:
    """Milestone points per referee for one referrer: one query."""
    if not referee_ids:
        return {}
    rows = db.session.execute(
        select(PointsEntry.source_id, PointsEntry.source_type, PointsEntry.points)
        .where(PointsEntry.user_id == user_id, PointsEntry.source_id.in_(referee_ids),
               or_(*[PointsEntry.source_type == f"referral_{s}" for s in MILESTONES]))
    )
    points: dict[int, dict[str, int]] = {}
    for source_id, source_type, value in rows:
        points.setdefault(source_id, {})[source_type.removeprefix("referral_")] = value
    return points
