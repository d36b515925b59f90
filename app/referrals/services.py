"""Referral work: adding referees (with the self-referral, duplicate, objection and daily-cap
guards), the outreach message, the double opt-in, objection and erasure, the pipeline's stage
moves with their milestone points, and the retention purge.

Flush only; the route commits once, so a referral, its ledger rows, its notifications and its
mail are one transaction.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.challenges.registry import AnswerRefused
from app.auth.models import Company, User, normalise_email
from app import dates
from app.dates import utcnow
from app.extensions import db
from app.mail import queue_mail
from app.notifications.services import notify
from app.points.services import award_points
from app.referrals.models import (
    CONTACTED, FLAG_EXISTING_CUSTOMER, FLAG_OWN_DOMAIN, FROM_SHARE, LOST, MEETING, MILESTONES, OPPORTUNITY, STAGES,
    WON, Referee, RefereeObjection, ReferralEvent, ReferralQuota,
)
from app.referrals.settings import programme_settings
from app.urls import external_url

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,32}$")
# Addresses at these domains say nothing about someone's employer.
FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "live.nl", "hotmail.nl", "yahoo.com",
    "icloud.com", "me.com", "proton.me", "protonmail.com", "ziggo.nl", "kpnmail.nl", "planet.nl", "xs4all.nl",
    "home.nl", "gmx.com", "gmx.net", "aol.com",
})

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


class ReferralRefused(AnswerRefused):
    """An introduction we cannot take; `field` is the form field the message belongs to."""


# --- keys ---------------------------------------------------------------------------------------

def _fold(text: str | None) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def person_key(name: str | None, company: str | None) -> str | None:
    """Name + company, folded: "Anna de Vries, Bouw B.V." and "anna  de vries / bouw bv" match."""
    name_part, company_part = _fold(name), _fold(company)
    if not name_part or not company_part:
        return None
    return f"{name_part}|{company_part}"[:330]


def email_key(email: str | None) -> str | None:
    address = normalise_email(email)
    return address or None


def domain_of(email: str | None) -> str:
    address = normalise_email(email)
    return address.rsplit("@", 1)[1] if "@" in address else ""


def _hash(key: str) -> str:
    return hashlib.sha256(f"ambassador-journey/referee/{key}".encode()).hexdigest()


def is_objected(*keys: str | None) -> bool:
    hashes = [_hash(k) for k in keys if k]
    if not hashes:
        return False
    return db.session.scalar(select(RefereeObjection.id).where(RefereeObjection.key_hash.in_(hashes)).limit(1)) is not None


def new_token() -> str:
    return secrets.token_urlsafe(18)[:24]


# --- guards -------------------------------------------------------------------------------------

def check_not_self(referrer: User, *, name: str, company: str, email: str | None) -> None:
    """Refuse introducing yourself, your own address or domain, or your own company."""
    if email and email_key(email) == email_key(referrer.email):
        raise ReferralRefused("email", _l("That is your own e-mail address. Introduce someone else."))
    own_domain = domain_of(referrer.email)
    if email and own_domain and own_domain not in FREE_MAIL and domain_of(email) == own_domain:
        raise ReferralRefused("email", _l(
            "That address is at your own organisation. Introductions are for people at other companies."))
    if referrer.company and _fold(company) and _fold(company) == _fold(referrer.company.name):
        raise ReferralRefused("company", _l(
            "That is your own company. Introductions are for people at other companies."))
    if _fold(name) == _fold(referrer.name) and _fold(name):
        raise ReferralRefused("name", _l("You cannot introduce yourself. Introduce someone else."))


def take_daily_quota(referrer: User) -> None:
    """One of today's introductions, with a conditional UPDATE: the cap holds under concurrency."""
    cap = programme_settings().daily_referral_cap
    today = dates.today()
    try:
        with db.session.begin_nested():
            db.session.execute(insert(ReferralQuota).values(user_id=referrer.id, day=today, used=0))
    except IntegrityError:
        pass  # today's row exists already
    result = db.session.execute(
        update(ReferralQuota)
        .where(ReferralQuota.user_id == referrer.id, ReferralQuota.day == today, ReferralQuota.used < cap)
        .values(used=ReferralQuota.used + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ReferralRefused("name", _l(
            "You have made %(num)d introductions today, the most we take in one day. Thank you! "
            "Please come back tomorrow for the next one.", num=cap))


def _flag_for(referrer: User, *, company: str, email: str | None, source: str) -> str | None:
    """Not refused, but a person from sales looks first."""
    if source == FROM_SHARE and email:
        own = domain_of(referrer.email)
        if email_key(email) == email_key(referrer.email) or (own and own not in FREE_MAIL and domain_of(email) == own):
            return FLAG_OWN_DOMAIN
    name = (company or "").strip().lower()
    if name and db.session.scalar(select(Company.id).where(func.lower(Company.name) == name).limit(1)) is not None:
        return FLAG_EXISTING_CUSTOMER
    if email and User.by_email(email) is not None:
        return FLAG_EXISTING_CUSTOMER
    return None


# --- adding referees ----------------------------------------------------------------------------

@dataclass
class Introduction:
    name: str
    company: str
    job_role: str = ""
    linkedin_url: str = ""
    email: str | None = None
    benefit: str = ""
    may_mention: bool = False
    route: str | None = None
    token: str | None = None
    message_locale: str = "nl"


DUPLICATE = _l("Someone already introduced this person to us. Thank you all the same: we are in touch with them.")


def check_introduction(referrer: User, intro: Introduction, *, source: str, count_quota: bool = True) -> None:
    """Everything that refuses an introduction, before anything is written: self-referral, an
    objection, a person we know already, the daily cap (taken here, with a conditional UPDATE)."""
    if source != FROM_SHARE:
        check_not_self(referrer, name=intro.name, company=intro.company, email=intro.email)
    keys = (email_key(intro.email), person_key(intro.name, intro.company))
    if is_objected(*keys):
        raise ReferralRefused("name", _l(
            "We cannot add this person: they asked us not to contact them. Please respect that."))
    known = [Referee.email_key == keys[0]] if keys[0] else []
    known += [Referee.person_key == keys[1]] if keys[1] else []
    if known and db.session.scalar(select(Referee.id).where(or_(*known)).limit(1)) is not None:
        raise ReferralRefused("name", DUPLICATE)
    if count_quota:
        take_daily_quota(referrer)


def add_referee(referrer: User, intro: Introduction, *, source: str, channel: str | None = None,
                submission_id: int | None = None, consent: bool = False, count_quota: bool = True,
                checked: bool = False) -> Referee:
    """Store an introduction, or raise ReferralRefused. Nothing is awarded for it. The UNIQUE keys
    decide between two introductions of one person that pass the checks at the same moment."""
    if not checked:
        check_introduction(referrer, intro, source=source, count_quota=count_quota)
    keys = (email_key(intro.email), person_key(intro.name, intro.company))
    token = intro.token if intro.token and TOKEN_PATTERN.match(intro.token) else new_token()
    referee = Referee(
        referrer_id=referrer.id, submission_id=submission_id, source=source, channel=channel, route=intro.route,
        name=intro.name[:120], company=(intro.company or "")[:200], job_role=(intro.job_role or "")[:120],
        linkedin_url=(intro.linkedin_url or "")[:255], email=email_key(intro.email), benefit=intro.benefit or "",
        may_mention=intro.may_mention, message_locale=intro.message_locale if intro.message_locale in ("nl", "en") else "nl",
        email_key=keys[0], person_key=keys[1], token=token, consent_at=utcnow() if consent else None,
        flag=_flag_for(referrer, company=intro.company, email=intro.email, source=source),
    )
    try:
        with db.session.begin_nested():
            db.session.add(referee)
            db.session.flush()
    except IntegrityError:
        raise ReferralRefused("name", DUPLICATE) from None
    db.session.add(ReferralEvent(referee_id=referee.id, stage=referee.stage, by_id=None))
    db.session.flush()
    if referee.reaches_sales:
        _tell_account_manager(referee)
    return referee


def _account_manager(referrer: User) -> User | None:
    company = referrer.company
    manager = company.account_manager if company else None
    return manager if manager is not None and manager.is_active else None


def _tell_account_manager(referee: Referee) -> None:
    manager = _account_manager(referee.referrer)
    if manager is None:
        return
    with force_locale(manager.locale):
        text = gettext("%(referrer)s introduced %(name)s (%(company)s). It is in your referral pipeline.",
                       referrer=referee.referrer.name, name=referee.name, company=referee.company or "-")
    queue_mail(manager.email, "notification", manager.locale, user=manager, text=text,
               link=external_url("sales_pipeline.referral", referee_id=referee.id))


# --- the outreach message -----------------------------------------------------------------------

def objection_url(token: str) -> str:
    return external_url("referrals.objection", token=token)


def outreach_message(referrer: User, intro: Introduction, locale: str, *, share_link: str | None = None) -> str:
    """The first message the referee reads, in `locale`: who we are, where we got their name,
    what is in it for them, and how to object. The referrer approves it word for word."""
    organisation = current_app.config["ORGANISATION_NAME"]
    token = intro.token or "…"
    with force_locale(locale):
        first = (intro.name or "").split(" ")[0]
        lines = [gettext("Hello %(name)s,", name=first), ""]
        if intro.route == "introduce":
            lines.append(gettext(
                "I would like to introduce you to %(organisation)s. We work with them at %(company)s and I think "
                "they could help you too: %(benefit)s",
                organisation=organisation, company=referrer.company.name if referrer.company else "-", benefit=intro.benefit))
            lines.append(gettext("Shall I put you in touch? A short call of 15 minutes is enough to see if it fits."))
            lines += ["", gettext("Kind regards,"), referrer.name]
        elif intro.route == "inbound":
            lines.append(gettext(
                "We work with %(organisation)s and I think they could help you too: %(benefit)s",
                organisation=organisation, benefit=intro.benefit))
            lines.append(gettext("Have a look, and get in touch with them when it suits you: %(link)s",
                                 link=share_link or "…"))
            lines += ["", gettext("Kind regards,"), referrer.name]
        else:
            if intro.may_mention:
                lines.append(gettext(
                    "We are %(organisation)s. %(referrer)s suggested we get in touch, because: %(benefit)s",
                    organisation=organisation, referrer=referrer.name, benefit=intro.benefit))
            else:
                lines.append(gettext(
                    "We are %(organisation)s. Someone in your network suggested we get in touch, because: %(benefit)s",
                    organisation=organisation, benefit=intro.benefit))
            lines.append(gettext("Would a short call of 15 minutes suit you? If not, no problem at all."))
            lines += ["", gettext("Kind regards,"), gettext("The %(organisation)s team", organisation=organisation)]
        lines += ["", gettext(
            "We only keep your name, company and role for this introduction. Rather not hear from us? "
            "Follow this link and we erase your details: %(link)s", link=objection_url(token))]
    return "\n".join(lines)


# --- the referee's own actions ------------------------------------------------------------------

def sign_up_from_link(referrer: User, *, channel: str, name: str, company: str, email: str, need: str,
                      locale: str) -> Referee | None:
    """Someone who opened a customer's link asks to be contacted. They confirm by e-mail (double
    opt-in) before sales sees them. A known person gets no second record (and no hint of one)."""
    intro = Introduction(name=name, company=company, email=email, benefit=need, route="inbound",
                         message_locale=locale, may_mention=False)
    keys = (email_key(email), person_key(name, company))
    if is_objected(*keys):
        return None
    existing = db.session.scalar(select(Referee).where(Referee.email_key == keys[0]))
    if existing is not None:
        if existing.source == FROM_SHARE and existing.confirmed_at is None:
            _send_confirmation(existing)
        return None
    try:
        referee = add_referee(referrer, intro, source=FROM_SHARE, channel=channel, consent=True, count_quota=False)
    except ReferralRefused:
        return None  # the same person by name and company: the first record stands
    _send_confirmation(referee)
    return referee


def _send_confirmation(referee: Referee) -> None:
    queue_mail(referee.email, "referee_confirm", referee.message_locale, referee=referee,
               organisation=current_app.config["ORGANISATION_NAME"],
               confirm_link=external_url("referrals.confirm", token=referee.token),
               objection_link=objection_url(referee.token))


def referee_by_token(token: str) -> Referee | None:
    if not TOKEN_PATTERN.match(token or ""):
        return None
    return db.session.scalar(select(Referee).where(Referee.token == token))


def confirm(referee: Referee) -> bool:
    """The double opt-in. True the first time; the referee now reaches sales."""
    result = db.session.execute(
        update(Referee).where(Referee.id == referee.id, Referee.confirmed_at.is_(None))
        .values(confirmed_at=utcnow()).execution_options(synchronize_session=False)
    )
    db.session.refresh(referee)
    if result.rowcount == 1 and referee.reaches_sales:
        _tell_account_manager(referee)
    return result.rowcount == 1


def erase(referee: Referee) -> None:
    """Objection: the record goes; a hash of the e-mail and of name + company stays, so the person
    is not added again. Points the referrer already earned stay theirs."""
    for key in (referee.email_key, referee.person_key):
        if key:
            try:
                with db.session.begin_nested():
                    db.session.add(RefereeObjection(key_hash=_hash(key)))
            except IntegrityError:
                pass  # objected before (an earlier record)
    _scrub_submissions([referee])
    # Its history goes with it (ON DELETE CASCADE).
    db.session.execute(delete(Referee).where(Referee.id == referee.id))
    db.session.flush()


def _scrub_submissions(referees: list[Referee]) -> None:
    """The referrers' answers that named these people keep nothing of them (one query)."""
    from app.journey.models import Submission

    ids = {r.submission_id for r in referees if r.submission_id}
    submissions = {s.id: s for s in db.session.scalars(select(Submission).where(Submission.id.in_(ids)))} if ids else {}
    for referee in referees:
        if referee.submission_id in submissions:
            _scrub(submissions[referee.submission_id], referee)


def _scrub(submission, referee: Referee) -> None:
    data = dict(submission.data or {})
    if isinstance(data.get("contacts"), list):  # LinkedIn: several people, drop this one
        from app.challenges.types import split_contact

        data["contacts"] = [line for line in data["contacts"]
                            if person_key(*split_contact(line)) != referee.person_key]
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
    _scrub_submissions(list(db.session.scalars(
        select(Referee).where(Referee.id.in_(ids), Referee.submission_id.is_not(None)))))
    db.session.execute(delete(Referee).where(Referee.id.in_(ids)))  # events go with them (CASCADE)
    return len(ids)


# --- the pipeline -------------------------------------------------------------------------------

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
         follow_up_on: date | None = None) -> list[tuple[str, int]]:
    """Move a referral, once: a conditional UPDATE on the stage the mover saw. Returns the
    milestones newly awarded as (stage, points)."""
    if to_stage not in STAGES:
        raise StageError("unknown")
    if referee.flag is not None or not referee.reaches_sales:
        raise StageError("not_in_pipeline")
    values = dict(stage=to_stage, stage_changed_at=utcnow(), follow_up_on=follow_up_on)
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
        with force_locale("nl"):
            reason_nl = gettext("Introduction of %(name)s: %(stage)s", name=referee.name, stage=str(STAGE_LABELS[stage]))
        with force_locale("en"):
            reason_en = gettext("Introduction of %(name)s: %(stage)s", name=referee.name, stage=str(STAGE_LABELS[stage]))
        # The ledger's unique source makes each milestone count once, also for parallel moves.
        entry = award_points(referee.referrer_id, points, f"referral_{stage}", referee.id, reason_nl, reason_en)
        if entry is not None:
            awarded.append((stage, points))
    return awarded


def _update_submission(referee: Referee) -> None:
    """The introduction challenge counts as completed once the introduction led to a conversation."""
    from app.journey.models import APPROVED, PENDING, REJECTED, Submission
    from app.journey.progress import settle

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
    if result.rowcount == 1 and status == APPROVED:
        settle(referee.referrer)


def _tell_referrer(referee: Referee, awarded: list[tuple[str, int]]) -> None:
    total = sum(points for _stage, points in awarded)
    stage = referee.stage
    texts = {}
    for locale in ("nl", "en"):
        with force_locale(locale):
            plain = str(STAGE_FOR_REFERRER[stage])
            if total:
                texts[locale] = gettext("Thank you for introducing %(name)s! %(stage)s You earned %(points)d points.",
                                        name=referee.name, stage=plain, points=total)
            else:
                texts[locale] = gettext("News about your introduction of %(name)s: %(stage)s", name=referee.name, stage=plain)
    if stage == CONTACTED and not total:
        return  # a first contact without points is not worth an e-mail; "my referrals" shows it
    notify(referee.referrer, "referral_stage", texts["nl"], texts["en"], link=external_url("referrals.mine"))


def _ask_how_it_went(referee: Referee) -> None:
    texts = {}
    for locale in ("nl", "en"):
        with force_locale(locale):
            texts[locale] = gettext("You introduced %(name)s and we have spoken with them. How did it go, from your side? "
                                    "Tell us on your referrals page.", name=referee.name)
    notify(referee.referrer, "referral_feedback", texts["nl"], texts["en"],
           link=external_url("referrals.mine", _anchor=f"referee-{referee.id}"))
    if referee.email:
        queue_mail(referee.email, "referee_feedback", referee.message_locale, referee=referee,
                   organisation=current_app.config["ORGANISATION_NAME"],
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
            _tell_account_manager(referee)
    return result.rowcount == 1


def reject_flagged(referee: Referee, by: User, reason: str) -> bool:
    result = db.session.execute(
        update(Referee).where(Referee.id == referee.id, Referee.flag.is_not(None))
        .values(stage=LOST, lost_reason=reason, stage_changed_at=utcnow()).execution_options(synchronize_session=False)
    )
    db.session.refresh(referee)
    if result.rowcount == 1:
        db.session.add(ReferralEvent(referee_id=referee.id, stage=LOST, by_id=by.id, note=reason))
    return result.rowcount == 1


def referral_points(referee_ids: list[int], user_id: int) -> dict[int, dict[str, int]]:
    """Milestone points per referee for one referrer: one query."""
    from app.points.models import PointsEntry

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


# --- share links --------------------------------------------------------------------------------

def share_link(user: User, channel: str) -> str:
    from app.challenges.types import ensure_referral_code

    return external_url("referrals.landing", code=ensure_referral_code(user), c=channel)


def record_click(referrer_id: int, channel: str) -> None:
    from app.referrals.models import CHANNELS, ShareClick

    db.session.add(ShareClick(referrer_id=referrer_id, channel=channel if channel in CHANNELS else "other"))
    db.session.flush()


def channel_counts(referrer_id: int) -> dict[str, dict[str, int]]:
    """Per channel: link opened, signed up (confirmed), in two queries."""
    from app.referrals.models import CHANNELS, ShareClick

    counts = {channel: {"clicks": 0, "signups": 0} for channel in CHANNELS}
    for channel, n in db.session.execute(
        select(ShareClick.channel, func.count(ShareClick.id)).where(ShareClick.referrer_id == referrer_id)
        .group_by(ShareClick.channel)
    ):
        counts.setdefault(channel, {"clicks": 0, "signups": 0})["clicks"] = n
    for channel, n in db.session.execute(
        select(Referee.channel, func.count(Referee.id))
        .where(Referee.referrer_id == referrer_id, Referee.source == FROM_SHARE, Referee.confirmed_at.is_not(None))
        .group_by(Referee.channel)
    ):
        counts.setdefault(channel or "other", {"clicks": 0, "signups": 0})["signups"] = n
    return counts
