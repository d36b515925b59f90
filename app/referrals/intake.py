"""Introductions: the keys that recognise a person (the name rule is in names.py, the referee's
token in tokens.py), the guards (self-referral, objection, duplicate, daily cap), adding a referee,
the outreach message, and sign-up through a customer's link with its double opt-in.

Flush only; the route commits once, so a referral, its notifications and its mail are one transaction.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from app import dates, seclog
from app.auth.models import Company, User, normalise_email
from app.dates import utcnow
from app.events import publish
from app.extensions import db
from app.identity.services import identity
from app.mail import queue_mail
from app.referrals.models import (
    FLAG_EXISTING_CUSTOMER,
    FLAG_OWN_DOMAIN,
    FROM_SHARE,
    Referee,
    RefereeObjection,
    ReferralEvent,
    ReferralQuota,
)
from app.referrals.names import legacy_person_key, normalise_name, person_key, same_company
from app.referrals.origin import default_owner, origin_of
from app.referrals.settings import programme_settings
from app.referrals.tokens import TOKEN_PATTERN, new_token
from app.urls import external_url


class ReferralRefused(Exception):
    """An introduction we cannot take; `message` belongs on the form field `field`."""

    def __init__(self, field: str, message, code: str = ""):
        super().__init__(str(message))
        self.field = field
        self.message = message
        self.code = code  # what was refused, for wording addressed to someone else (sales entering it)


# Addresses at these domains say nothing about someone's employer.
FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "live.nl", "hotmail.nl", "yahoo.com",
    "icloud.com", "me.com", "proton.me", "protonmail.com", "ziggo.nl", "kpnmail.nl", "planet.nl", "xs4all.nl",
    "home.nl", "gmx.com", "gmx.net", "aol.com",
})



# --- keys ---------------------------------------------------------------------------------------

def email_key(email: str | None) -> str | None:
    address = normalise_email(email)
    return address or None


def domain_of(email: str | None) -> str:
    address = normalise_email(email)
    return address.rsplit("@", 1)[1] if "@" in address else ""


def key_hash(key: str) -> str:
    """What an objection keeps of a key: enough to recognise the person, nothing to read back."""
    return hashlib.sha256(f"ambassador-journey/referee/{key}".encode()).hexdigest()


def is_objected(*keys: str | None) -> bool:
    """Whether one of these keys (an e-mail key, person keys) belongs to someone who objected."""
    hashes = [key_hash(k) for k in keys if k]
    if not hashes:
        return False
    return db.session.scalar(select(RefereeObjection.id).where(RefereeObjection.key_hash.in_(hashes)).limit(1)) is not None


def with_token(intro: Introduction) -> Introduction:
    """`intro` with a token of its own, so the message made from it carries the real objection link."""
    if not TOKEN_PATTERN.match(intro.token or ""):
        intro.token = new_token()
    return intro


# --- guards -------------------------------------------------------------------------------------

def check_not_self(referrer: User, *, name: str, company: str, email: str | None) -> None:
    """Refuse introducing yourself, your own address or domain, or your own company."""
    if email and email_key(email) == email_key(referrer.email):
        raise ReferralRefused("email", _l("That is your own e-mail address. Introduce someone else."), "own_email")
    own_domain = domain_of(referrer.email)
    if email and own_domain and own_domain not in FREE_MAIL and domain_of(email) == own_domain:
        raise ReferralRefused("email", _l(
            "That address is at your own organisation. Introductions are for people at other companies."), "own_domain")
    if referrer.company and same_company(company, referrer.company.name):
        raise ReferralRefused("company", _l(
            "That is your own company. Introductions are for people at other companies."), "own_company")
    own_name = normalise_name(name, company=False)
    if own_name and own_name == normalise_name(referrer.name, company=False):
        raise ReferralRefused("name", _l("You cannot introduce yourself. Introduce someone else."), "self")


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
            "Please come back tomorrow for the next one.", num=cap), "daily_cap")


def _flag_for(referrer: User, *, company: str, email: str | None, source: str) -> str | None:
    """Not refused, but a person from sales looks first."""
    if source == FROM_SHARE and email:
        own = domain_of(referrer.email)
        if email_key(email) == email_key(referrer.email) or (own and own not in FREE_MAIL and domain_of(email) == own):
            return FLAG_OWN_DOMAIN
    if is_customer_company(company):
        return FLAG_EXISTING_CUSTOMER
    if email and User.by_email(email) is not None:
        return FLAG_EXISTING_CUSTOMER
    return None


def is_customer_company(company: str | None) -> bool:
    """Whether one of our customers' companies has this name, legal form and the like aside.
    The database narrows the candidates (names that contain the longest word, case aside, at most
    50); normalise_name decides. A name whose longest word is written with accents in one place
    and without in the other is not narrowed to, and so not flagged: the flag only asks sales to
    look first, it refuses nothing."""
    key = normalise_name(company)
    if not key:
        return False
    word = max(key.split(), key=len)
    candidates = db.session.scalars(  # `word` is letters and digits only: nothing to escape
        select(Company.name).where(func.lower(Company.name).like(f"%{word}%")).limit(50))
    return any(normalise_name(name) == key for name in candidates)


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
    message: str = ""  # the first message as the referrer approved it


DUPLICATE = _l("Someone already introduced this person to us. Thank you all the same: we are in touch with them.")


def check_introduction(referrer: User, intro: Introduction, *, source: str, count_quota: bool = True) -> None:
    """Everything that refuses an introduction, before anything is written: self-referral, an
    objection, a person we know already, the daily cap (taken here, with a conditional UPDATE)."""
    if source != FROM_SHARE:
        check_not_self(referrer, name=intro.name, company=intro.company, email=intro.email)
    keys = (email_key(intro.email), person_key(intro.name, intro.company))
    if is_objected(*keys, legacy_person_key(intro.name, intro.company)):
        raise ReferralRefused("name", _l(
            "We cannot add this person: they asked us not to contact them. Please respect that."), "objected")
    known = [Referee.email_key == keys[0]] if keys[0] else []
    known += [Referee.person_key == keys[1]] if keys[1] else []
    if known and db.session.scalar(select(Referee.id).where(or_(*known)).limit(1)) is not None:
        raise ReferralRefused("name", DUPLICATE, "duplicate")
    if count_quota:
        take_daily_quota(referrer)


def add_referee(referrer: User, intro: Introduction, *, source: str, channel: str | None = None,
                submission_id: int | None = None, consent: bool = False, count_quota: bool = True,
                checked: bool = False, origin: str | None = None, ask_id: int | None = None,
                entered_by: User | None = None) -> Referee:
    """Store an introduction, or raise ReferralRefused. Nothing is awarded for it. The UNIQUE keys
    decide between two introductions of one person that pass the checks at the same moment.

    Without an `origin` the rule in app.referrals.origin gives it (and the ask it follows); the
    owner is the referrer's account manager. `entered_by` is the sales user who entered it for the
    referrer: the first step of its history is theirs, and they need no e-mail about it."""
    if not checked:
        check_introduction(referrer, intro, source=source, count_quota=count_quota)
    if origin is None:
        origin, ask_id = origin_of(referrer, source)
    owner = default_owner(referrer)
    keys = (email_key(intro.email), person_key(intro.name, intro.company))
    token = intro.token if intro.token and TOKEN_PATTERN.match(intro.token) else new_token()
    referee = Referee(
        referrer_id=referrer.id, submission_id=submission_id, source=source, channel=channel, route=intro.route,
        name=intro.name[:120], company=(intro.company or "")[:200], job_role=(intro.job_role or "")[:120],
        linkedin_url=(intro.linkedin_url or "")[:255], email=email_key(intro.email), benefit=intro.benefit or "",
        message=intro.message or "", may_mention=intro.may_mention, message_locale=intro.message_locale if intro.message_locale in ("nl", "en") else "nl",
        email_key=keys[0], person_key=keys[1], token=token, consent_at=utcnow() if consent else None,
        flag=_flag_for(referrer, company=intro.company, email=intro.email, source=source),
        origin=origin, ask_id=ask_id, owner_id=owner.id if owner is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(referee)
            db.session.flush()
    except IntegrityError:
        raise ReferralRefused("name", DUPLICATE, "duplicate") from None
    db.session.add(ReferralEvent(referee_id=referee.id, stage=referee.stage,
                                 by_id=entered_by.id if entered_by is not None else None))
    db.session.flush()
    publish("referral.created", referee_id=referee.id, origin=referee.origin)
    if referee.reaches_sales and (owner is None or entered_by is None or owner.id != entered_by.id):
        tell_account_manager(referee)
    return referee


def tell_account_manager(referee: Referee) -> None:
    """Tell the referral's owner (else the referrer's account manager) that it is in the pipeline."""
    manager = referee.owner if referee.owner is not None and referee.owner.is_active else default_owner(referee.referrer)
    if manager is None:
        return
    with force_locale(manager.locale):
        text = gettext("%(referrer)s introduced %(name)s (%(company)s). It is in your referral pipeline.",
                       referrer=referee.referrer.name, name=referee.name, company=referee.company or "-")
        subject = gettext("New introduction from %(referrer)s", referrer=referee.referrer.name)
    queue_mail(manager.email, "notification", manager.locale, user=manager, text=text, subject=subject,
               link=external_url("sales_pipeline.referral", referee_id=referee.id))


# --- the outreach message -----------------------------------------------------------------------

def objection_url(token: str) -> str:
    return external_url("referrals.objection", token=token)


def outreach_message(referrer: User, intro: Introduction, locale: str, *, share_link: str | None = None) -> str:
    """The first message the referee reads, in `locale`: who we are, where we got their name,
    what is in it for them, and how to object. The referrer approves it word for word, and the
    approved text is kept on the referee (`Referee.message`, see `approved_message`).

    The referrer's reason (`benefit`) is written to the referee ("what could we do for them?",
    in the second person). Where the referrer speaks (introduce, inbound) it follows as their own
    paragraph; where we speak (contact, LinkedIn) it is quoted as the referrer's note. Without a
    reason the sentence stops after "get in touch": never a "because:" with nothing after it."""
    organisation = identity().name
    token = intro.token or "…"
    benefit = (intro.benefit or "").strip()
    with force_locale(locale):
        first = (intro.name or "").split(" ")[0]
        lines = [gettext("Hello %(name)s,", name=first), ""]
        if intro.route == "introduce":
            lines.append(gettext(
                "I would like to introduce you to %(organisation)s. We work with them at %(company)s and I think "
                "they could help you too.",
                organisation=organisation, company=referrer.company.name if referrer.company else "-"))
            lines += [benefit] if benefit else []
            lines.append(gettext("Shall I put you in touch? A short call of 15 minutes is enough to see if it fits."))
            lines += ["", gettext("Kind regards,"), referrer.name]
        elif intro.route == "inbound":
            lines.append(gettext("We work with %(organisation)s and I think they could help you too.",
                                 organisation=organisation))
            lines += [benefit] if benefit else []
            lines.append(gettext("Have a look, and get in touch with them when it suits you: %(link)s",
                                 link=share_link or "…"))
            lines += ["", gettext("Kind regards,"), referrer.name]
        else:
            if intro.may_mention:
                lines.append(gettext("We are %(organisation)s. %(referrer)s suggested we get in touch with you.",
                                     organisation=organisation, referrer=referrer.name))
                if benefit:
                    lines.append(gettext("%(referrer)s wrote this for you: “%(benefit)s”",
                                         referrer=referrer.name, benefit=benefit))
            else:
                lines.append(gettext(
                    "We are %(organisation)s. Someone in your network suggested we get in touch with you.",
                    organisation=organisation))
                if benefit:
                    lines.append(gettext("They wrote this for you: “%(benefit)s”", benefit=benefit))
            lines.append(gettext("Would a short call of 15 minutes suit you? If not, no problem at all."))
            lines += ["", gettext("Kind regards,"), gettext("The %(organisation)s team", organisation=organisation)]
        lines += ["", gettext(
            "We only keep your name, company and role for this introduction. Rather not hear from us? "
            "Follow this link and we erase your details: %(link)s", link=objection_url(token))]
    return "\n".join(lines)


def approved_message(referee: Referee, *, share_link: str | None = None) -> str:
    """The first message as the referrer approved it; for an introduction from before it was kept,
    the message made from what is stored about it."""
    if referee.message:
        return referee.message
    return outreach_message(referee.referrer, Introduction(
        name=referee.name, company=referee.company, benefit=referee.benefit, route=referee.route or "contact",
        may_mention=referee.may_mention, token=referee.token), referee.message_locale, share_link=share_link)


# --- the referee's own actions ------------------------------------------------------------------

def sign_up_from_link(referrer: User, *, channel: str, name: str, company: str, email: str, need: str,
                      locale: str) -> Referee | None:
    """Someone who opened a customer's link asks to be contacted. They confirm by e-mail (double
    opt-in) before sales sees them. A known person gets no second record (and no hint of one)."""
    intro = Introduction(name=name, company=company, email=email, benefit=need, route="inbound",
                         message_locale=locale, may_mention=False)
    keys = (email_key(email), person_key(name, company))
    if is_objected(*keys, legacy_person_key(name, company)):
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
               confirm_link=external_url("referrals.confirm", token=referee.token),
               objection_link=objection_url(referee.token))


def referee_by_token(token: str) -> Referee | None:
    referee = None
    if TOKEN_PATTERN.match(token or ""):
        referee = db.session.scalar(select(Referee).where(Referee.token == token))
    if referee is None:
        seclog.event("authn_token_invalid", "referee", "invalid")
    return referee


def confirm(referee: Referee) -> bool:
    """The double opt-in. True the first time; the referee now reaches sales."""
    result = db.session.execute(
        update(Referee).where(Referee.id == referee.id, Referee.confirmed_at.is_(None))
        .values(confirmed_at=utcnow()).execution_options(synchronize_session=False)
    )
    db.session.refresh(referee)
    if result.rowcount == 1:
        publish("referee.confirmed", referee_id=referee.id)
        if referee.reaches_sales:
            tell_account_manager(referee)
    return result.rowcount == 1

