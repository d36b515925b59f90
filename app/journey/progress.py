"""Moving along the journey: completing a challenge, reviewing an answer, unlocking levels and badges.

Operations flush and never commit: the route commits once, so an answer, its ledger row, a level
unlock, a badge and any mail are one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.analytics import rollups as analytics_rollups
from app.audit.services import record
from app.auth.models import User
from app.challenges import get_type
from app.dates import utcnow
from app.events import publish
from app.extensions import db
from app.i18n import written_locale
from app.i18n_content import in_both_languages, localized
from app.journey.definition import BadgeDef, ChallengeDef, LevelDef
from app.journey.models import APPROVED, PENDING, REJECTED, Challenge, LevelUnlock, Submission
from app.journey.state import CLOSED, DONE, LOCKED, PAUSED, WAITING, Attempt, JourneyState, journey_state
from app.notifications.services import notify
from app.nps.services import advocacy_paused
from app.points.services import award_once
from app.privacy.consent import record_withdrawal
from app.privacy.models import FROM_CONTRIBUTIONS
from app.rewards.badges import evaluate_badges
from app.unique import insert_once
from app.urls import external_url


class JourneyError(Exception):
    """A completion that cannot happen; `reason` says why, for the customer."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Completion:
    submission: Submission
    challenge: ChallengeDef | Challenge
    points: int
    new_levels: list[LevelDef]
    new_badges: list[BadgeDef]
    state: JourneyState

    @property
    def waiting(self) -> bool:
        return self.submission.status == PENDING


def settle(user: User, state: JourneyState | None = None) -> tuple[JourneyState, list[LevelDef], list[BadgeDef]]:
    """After points or completions changed: record newly unlocked levels and earned badges. A caller
    that already knows the new state (a completion moves it on in memory) hands it in."""
    state = state or journey_state(user)
    unlocked = [level_state.level for level_state in state.levels if level_state.unlocked]
    new_levels = []
    if unlocked:
        known = set(db.session.scalars(select(LevelUnlock.level_id).where(LevelUnlock.user_id == user.id)))
        first_position = state.levels[0].level.position
        for level in unlocked:
            # The UNIQUE (user, level) decides: a parallel request records it once.
            if level.id not in known and insert_once(LevelUnlock.__table__, user_id=user.id, level_id=level.id) \
                    and level.position != first_position:
                new_levels.append(level)
    new_badges = evaluate_badges(user, state)
    return state, new_levels, new_badges


def complete_challenge(user: User, challenge: ChallengeDef | Challenge, data: dict,
                       state: JourneyState | None = None) -> Completion:
    """Store an answer; award points at once unless it waits for review or for sales. The journey state
    is read once (or handed in by the caller) and moved on in memory."""
    state = state or journey_state(user)
    current = state.by_challenge.get(challenge.id)
    if current is None or current.status == CLOSED:
        raise JourneyError("closed")
    if current.status == LOCKED:
        raise JourneyError("locked")
    if current.status == PAUSED:
        raise JourneyError("paused")
    if current.status == WAITING:
        raise JourneyError("waiting")
    if current.status == DONE and not current.repeat_due:
        raise JourneyError("done")
    ctype = get_type(challenge.type_key)
    ctype.check(data, user)
    attempt = current.submission.attempt + 1 if current.submission else 1
    awards_now = ctype.awards_on_submit and not challenge.needs_review
    submission = Submission(
        user_id=user.id, challenge_id=challenge.id, attempt=attempt, data=data,
        status=APPROVED if awards_now else PENDING, locale=written_locale(user),
    )
    try:
        with db.session.begin_nested():
            db.session.add(submission)
    except IntegrityError:
        # A double click or a parallel request stored this attempt first.
        raise JourneyError("done") from None
    ctype.after_submit(submission, user)
    points = award_once(
        user.id, challenge.points, "submission", submission.id, challenge.title_nl, challenge.title_en,
    ) if awards_now else 0
    state = state.after(Attempt(submission.id, attempt, submission.status, submission.created_at), challenge.id,
                        points, paused=advocacy_paused(user.id) if ctype.affects_advocacy else None)
    state, new_levels, new_badges = settle(user, state)
    return Completion(submission, challenge, points, new_levels, new_badges, state)


# --- review ----------------------------------------------------------------------------------------

def decide_submission(submission: Submission, reviewer: User, approve: bool, note: str | None = None) -> bool:
    """Approve (award the points, unlock what follows) or reject a pending submission, without telling
    anyone. False if someone else already decided: the UPDATE is conditional on it still pending, so
    two marketers' clicks decide it once and award once."""
    result = db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.status == PENDING)
        .values(status=APPROVED if approve else REJECTED, reviewer_id=reviewer.id, review_note=note,
                reviewed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(submission)
    if approve:
        challenge = submission.challenge
        award_once(submission.user_id, challenge.points, "submission", submission.id,
                   challenge.title_nl, challenge.title_en)
        settle(submission.user)
        analytics_rollups.approved(submission)  # a closed day's figures gain this answer
        publish("submission.approved", submission_id=submission.id, user_id=submission.user_id)
    else:
        analytics_rollups.rejected(submission)  # a promoter's advocacy on a closed day may lose it
    return True


def review_submission(submission: Submission, reviewer: User, approve: bool, note: str | None = None) -> bool:
    """A marketer's decision on a pending submission: points once, the customer told in the app and
    by e-mail (with the note), the decision audited. False if someone else already decided."""
    if not decide_submission(submission, reviewer, approve, note):
        return False
    tell_customer(submission, approve, note)
    title = submission.challenge.title_en
    record(reviewer, "submission.approve" if approve else "submission.reject", submission,
           _("Approved “%(title)s” by %(name)s", title=title, name=submission.user.name) if approve
           else _("Rejected “%(title)s” by %(name)s", title=title, name=submission.user.name),
           challenge_id=submission.challenge_id, customer_id=submission.user_id, note=note,
           points=submission.challenge.points if approve else 0)
    return True



def tell_customer(submission: Submission, approved: bool, note: str | None) -> None:
    """The review's outcome for the customer, in the app and by e-mail, linking to where they see it."""
    challenge = submission.challenge
    if get_type(challenge.type_key).contribution:
        link = external_url("customer.contributions")
    else:
        link = external_url("journey.challenge", challenge_id=challenge.id)
    points = challenge.points

    def message() -> str:
        title = localized(challenge, "title")
        if approved:
            text = (ngettext("Your contribution to “%(title)s” is approved. You earned %(num)d point.",
                             "Your contribution to “%(title)s” is approved. You earned %(num)d points.",
                             points, title=title)
                    if points else _("Your contribution to “%(title)s” is approved. Thank you!", title=title))
        else:
            text = _("Your contribution to “%(title)s” was not accepted.", title=title)
        if note:
            text += " " + _("Note from our team: %(note)s", note=note)
        return text

    def subject() -> str:
        kind, title = get_type(challenge.type_key).label, localized(challenge, "title")
        if approved:
            return _("%(kind)s approved: “%(title)s”", kind=kind, title=title)
        return _("%(kind)s not accepted: “%(title)s”", kind=kind, title=title)

    text_nl, text_en = in_both_languages(message)
    notify(submission.user, "review", text_nl, text_en, link, subject=in_both_languages(subject))


# --- consent ---------------------------------------------------------------------------------------

def withdraw_consent(submission: Submission, user: User, source: str = FROM_CONTRIBUTIONS) -> bool:
    """The customer takes back a publication consent: the item is unpublished at once."""
    if submission.user_id != user.id or not get_type(submission.challenge.type_key).consent:
        return False
    # Conditional, so the first withdrawal's moment stands when two arrive at once.
    result = db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.consent_withdrawn_at.is_(None))
        .values(consent_withdrawn_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(submission)
    if result.rowcount != 1:
        return False
    record = record_withdrawal(submission, source)  # the consent record: a withdrawal is a new row
    publish("consent.withdrawn", user_id=user.id, submission_id=submission.id, what=record.kind)
    return True
