"""A customer's personal referral link: the code, a link per channel, its QR code, the clicks and
what each channel brought; and reading "name — company" contact lines."""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re

import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app import dates
from app.auth.models import User, new_referral_code
from app.extensions import db, limiter
from app.referrals.models import CHANNELS, FROM_SHARE, Referee, ShareClick
from app.urls import external_url

SHARE_CHANNELS = {"linkedin": _l("LinkedIn"), "email": _l("E-mail"), "whatsapp": _l("WhatsApp"), "qr": _l("QR code"),
                  "other": _l("Other (the plain link)")}


def ensure_referral_code(user) -> str:
    """The customer's personal referral code. Customers get one when their account is made; this
    makes one for an account that has none yet.

    A conditional UPDATE (only while the user has none) keeps two parallel first visits from
    handing out two different links; the UNIQUE column makes a clash draw another code.
    """
    user = user._get_current_object() if hasattr(user, "_get_current_object") else user
    if user.referral_code:
        return user.referral_code
    if user.id is None:
        # Not in the database yet, so nobody else can be giving it a code: it goes in with the INSERT.
        user.referral_code = new_referral_code()
        return user.referral_code
    for _attempt in range(5):
        try:
            with db.session.begin_nested():
                db.session.execute(
                    update(User).where(User.id == user.id, User.referral_code.is_(None))
                    .values(referral_code=new_referral_code()).execution_options(synchronize_session=False)
                )
        except IntegrityError:
            continue  # someone else has this code: draw another
        break
    db.session.refresh(user, ["referral_code"])
    return user.referral_code


def share_link(user: User, channel: str) -> str:
    return external_url("referrals.landing", code=ensure_referral_code(user), c=channel)


def qr_data_uri(text: str) -> str:
    """A QR code of `text` as an SVG data URI, for an <img> that needs no extra request."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=4, border=2, light="#fff", xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def visitor_key(address: str | None, user_agent: str | None) -> str:
    """Who opened a link, for today only: a keyed hash of address, browser and day. Nothing that
    identifies the visitor is kept, and tomorrow the same visitor has another key."""
    day = dates.today().isoformat()
    message = f"{day}|{address or '-'}|{user_agent or '-'}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()[:32]


def first_open_today(code: str, channel: str, visitor: str) -> bool:
    """True once per (link, channel, visitor, day): an atomic counter in the rate-limit storage
    (Redis in production, shared by every worker), expiring after a day."""
    key = f"link-open/{code}/{channel}/{visitor}"
    if not limiter.enabled:
        return True  # RATELIMIT_ENABLED=0: no counter store to remember visitors in
    try:
        return limiter.storage.incr(key, 24 * 60 * 60) == 1
    except Exception:  # the counter store is down: count the open rather than fail the page
        current_app.logger.warning("Link-open counter unavailable; counted without de-duplication", exc_info=True)
        return True


def record_click(referrer: User, channel: str, visitor: str | None = None) -> bool:
    """Count an open of a customer's link; a visitor's repeat opens on one day count once."""
    channel = channel if channel in CHANNELS else "other"
    if visitor is not None and not first_open_today(referrer.referral_code or str(referrer.id), channel, visitor):
        return False
    db.session.add(ShareClick(referrer_id=referrer.id, channel=channel))
    db.session.flush()
    return True


def channel_counts(referrer_id: int) -> dict[str, dict[str, int]]:
    """Per channel: link opened, signed up (confirmed), in two queries."""
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


def split_contact(line: str) -> tuple[str, str]:
    """ "Anna de Vries — Bouw BV" (or with -, – , | or a comma) → ("Anna de Vries", "Bouw BV")."""
    parts = re.split(r"\s+[—–|-]\s+|\s*[,|]\s*", line, maxsplit=1)
    name = parts[0].strip()
    company = parts[1].strip() if len(parts) > 1 else ""
    return name, company
