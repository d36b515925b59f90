"""What an audit entry is about: each object type's name, how to find the objects of a page of
entries in one query per type, what to call one, and where its page is.

Programme objects (levels, challenges, badges, rewards, companies) keep a label snapshot in both
languages on the entry, so a deleted one is still named. People and introductions never do: their
names are personal data, read live, so an erased person is shown as erased and nothing else.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api.models import ApiToken
from app.auth.models import CUSTOMER, Company, User
from app.chat.models import ChatChannel
from app.extensions import db
from app.feedback.models import Feedback
from app.i18n_content import localized
from app.identity.models import ProgrammeIdentity
from app.journey.models import Challenge, Level, Submission
from app.mail import OutboxMessage
from app.nps.models import FollowUp
from app.referrals.models import Ask, ProgrammeSettings, Referee
from app.rewards.models import Badge, Redemption, Reward
from app.terms.models import TermsVersion
from app.webhooks.models import WebhookEndpoint

# The action whose "object" is the import report kept in the entry itself.
IMPORT_ACTION = "participants.import"


def _endpoint(*candidates: str) -> str | None:
    """The first endpoint of these that the app has (pages other areas add are linked once they exist)."""
    return next((name for name in candidates if name in current_app.view_functions), None)


def _link(endpoint_names: tuple[str, ...], **values) -> str | None:
    endpoint = _endpoint(*endpoint_names)
    return url_for(endpoint, **values) if endpoint else None


def _user_link(user: User) -> str | None:
    if user.role == CUSTOMER:
        return _link(("participant.page",), user_id=user.id)
    return _link(("admin_staff.index_person",), user_id=user.id)


def _bilingual(field: str) -> Callable[[object], dict]:
    return lambda obj: {"nl": getattr(obj, f"{field}_nl") or getattr(obj, f"{field}_en"),
                        "en": getattr(obj, f"{field}_en") or getattr(obj, f"{field}_nl")}


@dataclass(frozen=True)
class ObjectType:
    key: str  # AuditEntry.target_type: the model's class name
    label: LazyString
    model: type | None = None
    name: Callable[[object], str] | None = None  # its name in the viewer's language
    link: Callable[[object], str | None] | None = None
    snapshot: Callable[[object], dict] | None = None  # {"nl": …, "en": …}, programme objects only
    options: tuple = ()  # loader options so naming one needs no further query


OBJECT_TYPES: dict[str, ObjectType] = {t.key: t for t in (
    ObjectType("Level", _l("Level"), Level, lambda o: localized(o, "name"),
               lambda o: url_for("admin_designer.levels_edit", level_id=o.id), _bilingual("name")),
    ObjectType("Challenge", _l("Challenge"), Challenge, lambda o: localized(o, "title"),
               lambda o: url_for("admin_designer.challenges_edit", challenge_id=o.id), _bilingual("title")),
    ObjectType("Badge", _l("Badge"), Badge, lambda o: localized(o, "name"),
               lambda o: url_for("admin_designer.badges_edit", badge_id=o.id), _bilingual("name")),
    ObjectType("Reward", _l("Reward"), Reward, lambda o: localized(o, "name"),
               lambda o: url_for("admin_designer.rewards_edit", reward_id=o.id), _bilingual("name")),
    ObjectType("Company", _l("Company"), Company, lambda o: o.name,
               lambda o: _link(("admin_companies.index_company",),
                               company_id=o.id),
               lambda o: {"nl": o.name, "en": o.name}),
    ObjectType("User", _l("Person"), User, lambda o: o.name, _user_link),
    ObjectType("Referee", _l("Introduction"), Referee, lambda o: o.name,
               lambda o: url_for("sales_pipeline.referral", referee_id=o.id)),
    ObjectType("Submission", _l("Answer"), Submission, None,
               lambda o: url_for("admin_moderation.queue_review", submission_id=o.id)),
    ObjectType("Redemption", _l("Reward claim"), Redemption, lambda o: localized(o.reward, "name"),
               lambda o: url_for("admin_moderation.fulfilment"), options=(selectinload(Redemption.reward),)),
    ObjectType("Ask", _l("Referral ask"), Ask, None, None),
    ObjectType("FollowUp", _l("NPS follow-up"), FollowUp, None,
               lambda o: url_for("nps.upsell" if o.kind == "upsell" else "nps.follow_up", response_id=o.response_id)),
    ObjectType("OutboxMessage", _l("E-mail"), OutboxMessage, None, lambda o: url_for("admin_outbox.index")),
    ObjectType("Feedback", _l("Customer feedback"), Feedback, None,
               lambda o: _link(("admin_feedback.queue",), status="all", _anchor=f"feedback-{o.id}")),
    ObjectType("ProgrammeSettings", _l("Programme settings"), ProgrammeSettings, None,
               lambda o: url_for("admin_programme.settings")),
    ObjectType("ProgrammeIdentity", _l("Our organisation"), ProgrammeIdentity, None,
               lambda o: url_for("admin_programme.identity")),
    ObjectType("ChatChannel", _l("Chat alert channel"), ChatChannel, lambda o: o.owner.name,
               lambda o: _link(("admin_chat.person",), user_id=o.owner_id), options=(selectinload(ChatChannel.owner),)),
    ObjectType("ApiToken", _l("API token"), ApiToken, lambda o: o.name, lambda o: url_for("admin_api_tokens.index"),
               lambda o: {"nl": o.name, "en": o.name}),
    ObjectType("TermsVersion", _l("Programme terms"), TermsVersion, lambda o: f"v{o.number}",
               lambda o: url_for("terms.edit")),
    # An endpoint's address is no one's personal data; its snapshot names it once it is deleted.
    ObjectType("WebhookEndpoint", _l("Webhook"), WebhookEndpoint, lambda o: o.description or o.url,
               lambda o: _link(("admin_webhooks.edit",), endpoint_id=o.id),
               lambda o: {"nl": o.description or o.url, "en": o.description or o.url}),
)}


def object_type_label(key: str | None) -> str:
    known = OBJECT_TYPES.get(key or "")
    return str(known.label) if known else humanise(key or "")


def humanise(word: str) -> str:
    """"ProgrammeSettings" / "points_correction" → "Programme settings" / "Points correction"."""
    spaced = "".join(f" {ch.lower()}" if ch.isupper() and i else ch for i, ch in enumerate(word))
    text = spaced.replace("_", " ").replace(".", " · ").strip()
    return text[:1].upper() + text[1:]


def label_snapshot(target) -> dict | None:
    """The name to keep on the entry, for programme objects only (never a person's)."""
    known = OBJECT_TYPES.get(type(target).__name__) if target is not None else None
    if known is None or known.snapshot is None:
        return None
    return {locale: (text or "")[:200] for locale, text in known.snapshot(target).items()}


@dataclass
class ObjectRef:
    type_label: str
    name: str | None  # None: shown by type and number only
    url: str | None
    gone: bool = False


def load_objects(keys: Iterable[tuple[str | None, int | None]]) -> dict[tuple[str, int], object]:
    """The live objects behind a page of entries: one query per object type on the page."""
    ids_by_type: dict[str, set[int]] = {}
    for key, ident in keys:
        if key in OBJECT_TYPES and OBJECT_TYPES[key].model is not None and ident is not None:
            ids_by_type.setdefault(key, set()).add(ident)
    found: dict[tuple[str, int], object] = {}
    for key, ids in ids_by_type.items():
        model = OBJECT_TYPES[key].model
        query = select(model).where(model.id.in_(sorted(ids))).options(*OBJECT_TYPES[key].options)
        for obj in db.session.scalars(query):
            found[(key, obj.id)] = obj
    return found


def describe(entry, found: dict[tuple[str, int], object], locale: str) -> ObjectRef | None:
    """How the log names an entry's object and where it links (no link once the object is gone)."""
    if entry.action == IMPORT_ACTION:
        return ObjectRef(str(_l("Import report")), None,
                         url_for("admin_participants.index_import_report", report_id=entry.id))
    if entry.target_type is None:
        return None
    known = OBJECT_TYPES.get(entry.target_type)
    type_label = object_type_label(entry.target_type)
    obj = found.get((entry.target_type, entry.target_id))
    if known is None or known.model is None:
        return ObjectRef(type_label, _snapshot_text(entry, locale), None)
    if obj is None:
        return ObjectRef(type_label, _snapshot_text(entry, locale), None, gone=True)
    name = known.name(obj) if known.name else None
    return ObjectRef(type_label, name or _snapshot_text(entry, locale), known.link(obj) if known.link else None)


def _snapshot_text(entry, locale: str) -> str | None:
    label = entry.object_label
    if not isinstance(label, dict):
        return None
    return label.get(locale) or next((text for text in label.values() if text), None)
