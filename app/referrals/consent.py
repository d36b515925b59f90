"""A referee's objection and the retention purge: their details go, and only a hash that keeps
them from being added again stays."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.analytics import rollups as analytics_rollups
from app.dates import utcnow
from app.events import publish
from app.extensions import db
from app.journey.models import Submission
from app.privacy.scrub import forget_referee_mentions
from app.referrals.intake import key_hash, person_key
from app.referrals.links import split_contact
from app.referrals.models import FROM_SHARE, OPPORTUNITY, WON, Referee, RefereeObjection
from app.referrals.settings import programme_settings


def erase(referee: Referee) -> None:
    """Objection: the record goes, and so does every mention of the person elsewhere (ledger reasons,
    notifications, mail, audit); a hash of the e-mail and of name + company stays, so the person is
    not added again. Points the referrer already earned stay theirs (their reason no longer names them)."""
    for key in (referee.email_key, referee.person_key):
        if key:
            try:
                with db.session.begin_nested():
                    db.session.add(RefereeObjection(key_hash=key_hash(key)))
            except IntegrityError:
                pass  # objected before (an earlier record)
    _scrub_submissions([referee])
    forget_referee_mentions([referee])
    publish("referee.erased", referee_id=referee.id)
    analytics_rollups.referrals_removed([referee])  # the referrer's rolled-up activity and advocacy without it
    # Its history goes with it (ON DELETE CASCADE).
    db.session.execute(delete(Referee).where(Referee.id == referee.id))
    db.session.flush()


def _scrub_submissions(referees: list[Referee]) -> None:
    """The referrers' answers that named these people keep nothing of them (one query)."""
    ids = {r.submission_id for r in referees if r.submission_id}
    submissions = {s.id: s for s in db.session.scalars(select(Submission).where(Submission.id.in_(ids)))} if ids else {}
    for referee in referees:
        if referee.submission_id in submissions:
            _scrub(submissions[referee.submission_id], referee)


def _scrub(submission, referee: Referee) -> None:
    data = dict(submission.data or {})
    if isinstance(data.get("contacts"), list):  # LinkedIn: several people, drop this one
        # Made from the name and company, not read from the record: a record may have lost its key
        # (a later duplicate when the keys were made anew) and still be named in the answer.
        key = person_key(referee.name, referee.company)
        data["contacts"] = [line for line in data["contacts"] if person_key(*split_contact(line)) != key]
        data["erased"] = int(data.get("erased") or 0) + 1
    else:
        data = {"erased": True, "route": data.get("route")}
    submission.data = data


def purge_unconverted(now=None) -> int:
    """Remove referees that did not convert within the retention period (and unconfirmed sign-ups)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=programme_settings().referee_retention_days)
    stale = select(Referee.id).where(
        Referee.stage.not_in((OPPORTUNITY, WON)), Referee.stage_changed_at < cutoff,
    )
    unconfirmed = select(Referee.id).where(
        Referee.source == FROM_SHARE, Referee.confirmed_at.is_(None), Referee.created_at < now - timedelta(days=14),
    )
    ids = list(db.session.scalars(stale.union(unconfirmed)))
    if not ids:
        return 0
    referees = list(db.session.scalars(select(Referee).where(Referee.id.in_(ids))))
    _scrub_submissions([r for r in referees if r.submission_id])
    forget_referee_mentions(referees)  # retention ends the same way as an objection, hash aside
    for referee in referees:
        publish("referee.erased", referee_id=referee.id)
    analytics_rollups.referrals_removed(referees)
    db.session.execute(delete(Referee).where(Referee.id.in_(ids)))  # events go with them (CASCADE)
    return len(ids)
