"""Chat alert channels and the messages queued for them. Flush only; the route (or the operation
that published the event) commits, so a change and the messages about it commit together.

Who hears about what: the customer's account manager (the company's; for an introduction, whoever
in sales owns it, else the referrer's account manager) on their own channel, and their team on the
team channel of the sales lead they report to (a lead's own accounts go to the lead's team channel).
"""
from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, or_, select
from sqlalchemy.orm import joinedload

from app.audit.services import record
from app.auth.models import SALES, User
from app.chat import messages
from app.chat.messages import Text
from app.chat.models import FAILED, PERSONAL, SCOPES, TEAM, ChatChannel, ChatMessage
from app.events import Event, subscribe
from app.extensions import db
from app.integrations.outbound import Answer, post
from app.jobs.kick import after_commit
from app.nps.models import UPSELL, FollowUp, NpsResponse
from app.referrals.models import Referee

TEST_TIMEOUT = 5.0  # seconds the "send test message" button waits for the receiver
FAILURES_SHOWN = 5


# --- channels -----------------------------------------------------------------------------------

def channel_of(owner_id: int, scope: str) -> ChatChannel | None:
    return db.session.scalar(select(ChatChannel).where(ChatChannel.owner_id == owner_id, ChatChannel.scope == scope))


def channels_of(owner_id: int) -> dict[str, ChatChannel]:
    return {c.scope: c for c in db.session.scalars(select(ChatChannel).where(ChatChannel.owner_id == owner_id))}


def leads_a_team(user: User) -> bool:
    return db.session.scalar(select(User.id).where(User.manager_id == user.id).limit(1)) is not None


def scopes_for(user: User, leads: bool | None = None) -> tuple[str, ...]:
    """A sales person sets their own channel; a sales lead also their team's."""
    if leads is None:
        leads = leads_a_team(user)
    return SCOPES if leads else (PERSONAL,)


def mask(url: str) -> str:
    """The saved address as shown again: the host and the last four characters, nothing to post with."""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    return f"{scheme}://{host}/…{url[-4:]}" if len(url) > len(scheme) + len(host) + 8 else f"{scheme}://{host}/…"


def save_channel(owner: User, scope: str, kind: str, url: str | None, enabled: bool, by: User) -> ChatChannel:
    """Create or change a channel; an empty `url` keeps the saved one. The URL was checked by the form
    (check_target) and is checked again before every delivery. Audited without the address."""
    channel = channel_of(owner.id, scope)
    before = {"kind": channel.kind, "enabled": channel.enabled} if channel else {}
    if channel is None:
        channel = ChatChannel(owner_id=owner.id, scope=scope, kind=kind, url=url or "", enabled=enabled)
        db.session.add(channel)
    else:
        channel.kind, channel.enabled = kind, enabled
        if url:
            channel.url = url
    db.session.flush()
    record(by, "chat_channel.save", channel, summary=_l("Chat alert channel saved"), scope=scope,
           before=before, after={"kind": kind, "enabled": enabled}, address_changed=bool(url))
    return channel


def remove_channel(channel: ChatChannel, by: User) -> None:
    """The channel goes, and with it every message queued for it."""
    record(by, "chat_channel.remove", channel, summary=_l("Chat alert channel removed"), scope=channel.scope,
           kind=channel.kind)
    db.session.delete(channel)
    db.session.flush()


def send_test(channel: ChatChannel, locale: str) -> Answer:
    """Post a test message now (the one delivery that waits: the person pressed the button to see it)."""
    text = messages.test_message(locale)
    body = json.dumps(messages.body_for(channel.kind, text)).encode()
    return post(channel.url, body, {"Content-Type": "application/json"}, timeout=TEST_TIMEOUT)


def recent_failures(channel_ids: list[int]) -> list[ChatMessage]:
    """The last messages given up on, newest first (shown on the settings page)."""
    if not channel_ids:
        return []
    return list(db.session.scalars(
        select(ChatMessage).where(ChatMessage.channel_id.in_(channel_ids), ChatMessage.status == FAILED)
        .order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc()).limit(FAILURES_SHOWN)
    ))


def sales_people() -> Select:
    """Every sales person with their manager, for the admin list (by name)."""
    return select(User).where(User.role == SALES).options(joinedload(User.manager)).order_by(User.name, User.id)


def channels_by_owner(owner_ids: list[int]) -> dict[int, dict[str, ChatChannel]]:
    found: dict[int, dict[str, ChatChannel]] = {}
    if owner_ids:
        for channel in db.session.scalars(select(ChatChannel).where(ChatChannel.owner_id.in_(owner_ids))):
            found.setdefault(channel.owner_id, {})[channel.scope] = channel
    return found


def team_leads(user_ids: list[int]) -> set[int]:
    """Which of these people lead a team (one query)."""
    if not user_ids:
        return set()
    return set(db.session.scalars(select(User.manager_id).where(User.manager_id.in_(user_ids)).distinct()))


# --- queueing ---------------------------------------------------------------------------------------

def channels_for(manager: User) -> list[ChatChannel]:
    """The enabled channels that hear about `manager`'s accounts: their own (while they are active)
    and their team's (their lead's team channel, or their own team's when they lead one)."""
    lead_id = manager.manager_id or manager.id
    conditions = [(ChatChannel.owner_id == lead_id) & (ChatChannel.scope == TEAM)]
    if manager.is_active:
        conditions.append((ChatChannel.owner_id == manager.id) & (ChatChannel.scope == PERSONAL))
    found = db.session.scalars(
        select(ChatChannel).options(joinedload(ChatChannel.owner))
        .where(ChatChannel.enabled.is_(True), or_(*conditions)).order_by(ChatChannel.id)
    )
    seen, channels = set(), []
    for channel in found:  # one message per address, when both are the same channel
        if channel.url not in seen:
            seen.add(channel.url)
            channels.append(channel)
    return channels


def queue(channel: ChatChannel, text: Text, subject_user_id: int | None = None,
          referee_id: int | None = None) -> ChatMessage:
    """Add one message to the outbox (flush only).

    This is the one place a message is queued: once the transaction commits, the job runner is asked to
    deliver (app.jobs.kick); its minute sweep picks up anything due meanwhile."""
    message = ChatMessage(channel_id=channel.id, kind=channel.kind, topic=text.topic,
                          body=messages.body_for(channel.kind, text), subject_user_id=subject_user_id,
                          referee_id=referee_id)
    db.session.add(message)
    db.session.flush()
    after_commit("chat")
    return message


def _tell(manager: User | None, make, subject_user_id: int | None, referee_id: int | None = None) -> list[ChatMessage]:
    """`make(locale)` builds the text in the language of the channel's owner (the account manager on
    their own channel, the lead on the team's)."""
    if manager is None:
        return []
    return [queue(channel, make(channel.owner.locale), subject_user_id, referee_id) for channel in channels_for(manager)]


def _account_manager(response: NpsResponse) -> User | None:
    return response.company.account_manager if response.company is not None else None


def _referral_manager(referee: Referee) -> User | None:
    if referee.owner is not None:
        return referee.owner
    company = referee.referrer.company
    return company.account_manager if company is not None else None


@subscribe
def on_event(event: Event) -> None:
    handler = HANDLERS.get(event.name)
    if handler is not None:
        handler(event.data)


def _alert_raised(data: dict) -> None:
    task = db.session.get(FollowUp, data["follow_up_id"])
    if task is None:
        return
    response = task.response
    _tell(_account_manager(response), lambda locale: messages.nps_alert(locale, response, task), response.user_id)


def _followup_created(data: dict) -> None:
    if data.get("kind") != UPSELL:
        return  # an alert's follow-up is told by nps.alert_raised
    task = db.session.get(FollowUp, data["follow_up_id"])
    if task is None:
        return
    response = task.response
    _tell(_account_manager(response), lambda locale: messages.upsell(locale, response), response.user_id)


def _referral(make):
    def handle(data: dict) -> None:
        referee = db.session.get(Referee, data["referee_id"])
        if referee is None or referee.flag is not None:  # a flagged one waits for sales' check first
            return
        _tell(_referral_manager(referee), lambda locale: make(locale, referee), referee.referrer_id, referee.id)
    return handle


def _referee_erased(data: dict) -> None:
    forget_referee(data["referee_id"])


HANDLERS = {
    "nps.alert_raised": _alert_raised,
    "followup.created": _followup_created,
    "referee.confirmed": _referral(messages.introduction),
    "referral.won": _referral(messages.won),
    "referee.erased": _referee_erased,
}


# --- personal data ----------------------------------------------------------------------------------

def messages_about(user_id: int) -> Select:
    return select(ChatMessage).where(ChatMessage.subject_user_id == user_id).order_by(ChatMessage.id)


def forget_person(user_id: int) -> None:
    """Every message about this customer (or an introduction they made) goes, queued or sent."""
    db.session.execute(delete(ChatMessage).where(ChatMessage.subject_user_id == user_id)
                       .execution_options(synchronize_session=False))


def forget_referee(referee_id: int) -> None:
    db.session.execute(delete(ChatMessage).where(ChatMessage.referee_id == referee_id)
                       .execution_options(synchronize_session=False))
