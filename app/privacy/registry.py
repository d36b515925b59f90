"""Every table that holds something about a person, and how it is exported and erased.

A new model that refers to a user (a foreign key to users.id, or an e-mail column) must be added
here: tests/privacy/test_registry.py walks the metadata and fails on any table missing.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, or_, select, update

from app.analytics.models import ChallengeCustomer, ChallengeView, LastActive
from app.analytics.programme_models import Goal, OtherWins, ProgrammeCost
from app.api.models import ApiToken
from app.audit.models import AuditEntry
from app.auth.models import Company, User
from app.chat.models import ChatChannel, ChatMessage
from app.extensions import db
from app.feedback.models import Feedback
from app.journey.models import LevelUnlock, Submission
from app.mail import OutboxMessage
from app.notifications.models import Notification
from app.nps.models import Alert, FollowUp, NpsResponse, Survey
from app.points.models import CORRECTION, PointsCorrection, PointsEntry
from app.privacy.models import ConsentRecord
from app.privacy.scrub import PLACEHOLDER, forget_referee_mentions, redact_mentions
from app.referrals.models import Ask, AskStatus, Referee, ReferenceCall, ReferralEvent, ReferralQuota, ShareClick
from app.rewards.models import Redemption, UserBadge
from app.terms.models import TermsAcceptance, TermsVersion
from app.webhooks.models import WebhookMessage
from app.webhooks.services import forget_person

# How a table's rows about the person end up after an erasure (said in the README and the docs).
DELETE = "delete"  # the rows go
SCRUB = "scrub"  # the rows stay for the figures; every personal text in them is emptied
KEEP = "keep"  # nothing personal in them: ids, dates, counts; they stay with the anonymous account
SHELL = "shell"  # the account itself: an anonymous, deactivated shell


@dataclass
class Erasure:
    """What an erasure knows while it runs: whose data, and the strings that identify them."""
    user: User
    words: list[str]


@dataclass(frozen=True)
class Coverage:
    table: str
    file: str  # the JSON file in the export
    about: object  # what the file holds, for the README (a lazy string)
    rows: Callable[[User], Select]  # the rows about this person
    erasure: str  # DELETE / SCRUB / KEEP / SHELL
    fields: tuple[str, ...] | None = None  # exported columns; None: every column
    erase: Callable[[Erasure], None] | None = None  # what SCRUB / DELETE / SHELL does


def _their(model, column: str = "user_id") -> Callable[[User], Select]:
    return lambda user: select(model).where(getattr(model, column) == user.id).order_by(model.id)


def _responses(user: User):
    return select(NpsResponse.id).where(NpsResponse.user_id == user.id)


def _referees(user: User):
    return select(Referee.id).where(Referee.referrer_id == user.id)


# --- erasing, table by table ---------------------------------------------------------------------

# An answer keeps what the figures read (scores, choices, yes/no, counts); free text goes. A
# machine key ("video_call", "option_2") is not personal; anything with capitals, spaces or
# punctuation may be.
_MACHINE_KEY = re.compile(r"^[a-z0-9_]{1,40}$")


def _impersonal(value) -> bool:
    if value is None or isinstance(value, (bool, int, float)):
        return True
    if isinstance(value, str):
        return bool(_MACHINE_KEY.match(value))
    if isinstance(value, list):
        return all(isinstance(v, str) and _MACHINE_KEY.match(v) for v in value)
    return False


def scrub_answer(data: dict | None) -> dict:
    kept = {key: value for key, value in (data or {}).items() if _impersonal(value)}
    return {**kept, "erased": True}


def _erase_submissions(e: Erasure) -> None:
    for submission in db.session.scalars(select(Submission).where(Submission.user_id == e.user.id)):
        submission.data = scrub_answer(submission.data)
        submission.review_note = None


def _set(model, where, **values) -> Callable[[Erasure], None]:
    def erase(e: Erasure) -> None:
        db.session.execute(update(model).where(where(e)).values(**values).execution_options(synchronize_session=False))
    return erase


def _delete(model, where) -> Callable[[Erasure], None]:
    def erase(e: Erasure) -> None:
        db.session.execute(delete(model).where(where(e)).execution_options(synchronize_session=False))
    return erase


def anonymise_referee(referee: Referee) -> None:
    """A person the erased customer named: the record stays for the pipeline figures (stage,
    source, dates) but nothing of the person does; their unique keys go, so they may be named again.
    What other rows say about them goes first (forget_referee_mentions)."""
    referee.name, referee.company, referee.job_role, referee.linkedin_url = PLACEHOLDER, "", "", ""
    referee.email = referee.email_key = referee.person_key = None
    referee.benefit = referee.lost_reason = referee.message = ""
    db.session.execute(update(ReferralEvent).where(ReferralEvent.referee_id == referee.id).values(note="")
                       .execution_options(synchronize_session=False))


def _erase_referees(e: Erasure) -> None:
    referees = list(db.session.scalars(select(Referee).where(Referee.referrer_id == e.user.id)))
    forget_referee_mentions(referees)  # one pass over the free text for all of them
    for referee in referees:
        anonymise_referee(referee)


def _erase_audit(e: Erasure) -> None:
    # Entries whose subject is the account: their summaries may name the person in any words.
    redact_mentions(AuditEntry, ("summary", "details"), e.words)
    db.session.execute(update(AuditEntry).where(AuditEntry.target_type == "User", AuditEntry.target_id == e.user.id)
                       .values(summary=PLACEHOLDER).execution_options(synchronize_session=False))


def _erase_account(e: Erasure) -> None:
    user = e.user
    user.email = f"erased-{user.id}@invalid"
    user.name = PLACEHOLDER
    user.password_hash = None
    user.job_title = user.linkedin_url = user.display_name = user.referral_code = None
    user.leaderboard_opt_in = user.referral_show_name = False
    user.is_active = False
    user.manager_id = None
    user.invited_at = user.last_login_at = None
    user.end_sessions()


def _erase_corrections(e: Erasure) -> None:
    # The reason was written about the person; the points stay for the balance, with a neutral line.
    db.session.execute(update(PointsCorrection).where(PointsCorrection.user_id == e.user.id).values(reason="")
                       .execution_options(synchronize_session=False))
    db.session.execute(update(PointsEntry).where(PointsEntry.user_id == e.user.id, PointsEntry.source_type == CORRECTION)
                       .values(reason_nl="Correctie", reason_en="Correction").execution_options(synchronize_session=False))


def _addresses(user: User):
    return OutboxMessage.to_address == user.email


REGISTRY: tuple[Coverage, ...] = (
    Coverage("users", "account.json", _l("Your account: name, e-mail address, language, profile and settings."),
             lambda u: select(User).where(User.id == u.id), SHELL,
             fields=("id", "email", "name", "role", "locale", "created_at", "invited_at", "last_login_at",
                     "job_title", "linkedin_url", "leaderboard_opt_in", "display_name", "referral_code",
                     "referral_show_name", "is_active"),
             erase=_erase_account),
    Coverage("companies", "company.json", _l("The name of the company you belong to."),
             lambda u: select(Company).where(Company.id == u.company_id), KEEP, fields=("name",)),
    Coverage("submissions", "answers.json", _l("Your answers to challenges, with their review and consent status."),
             _their(Submission), SCRUB,
             fields=("id", "challenge_id", "attempt", "data", "status", "review_note", "created_at", "reviewed_at",
                     "consent_withdrawn_at"),
             erase=_erase_submissions),
    Coverage("consent_records", "consents.json",
             _l("Every consent you gave or withdrew: what, when, in which language and the version of the text."),
             _their(ConsentRecord), KEEP),
    Coverage("points_entries", "points.json", _l("Your points history: every award and spend, with its reason."),
             _their(PointsEntry), KEEP),
    Coverage("points_corrections", "points_corrections.json",
             _l("Corrections our team made to your points, with the reason they gave."),
             lambda u: select(PointsCorrection).where(or_(PointsCorrection.user_id == u.id, PointsCorrection.author_id == u.id))
             .order_by(PointsCorrection.id), SCRUB, fields=("id", "user_id", "points", "reason", "created_at"),
             erase=_erase_corrections),
    Coverage("terms_acceptances", "terms_acceptances.json",
             _l("The versions of the programme terms you accepted: which, in which language and when."),
             _their(TermsAcceptance), KEEP, fields=("id", "version_id", "locale", "accepted_at")),
    Coverage("terms_versions", "terms_versions.json",
             _l("The versions of the programme terms you accepted (or published): number, kind of change, date."),
             lambda u: select(TermsVersion).where(or_(
                 TermsVersion.published_by_id == u.id,
                 TermsVersion.id.in_(select(TermsAcceptance.version_id).where(TermsAcceptance.user_id == u.id)),
             )).order_by(TermsVersion.id), KEEP, fields=("id", "number", "kind", "published_at")),
    Coverage("user_badges", "badges.json", _l("The badges you earned."), _their(UserBadge), KEEP),
    Coverage("redemptions", "redemptions.json", _l("The rewards you claimed."), _their(Redemption), KEEP),
    Coverage("level_unlocks", "level_unlocks.json", _l("When you reached each level."), _their(LevelUnlock), KEEP),
    Coverage("challenge_views", "challenge_views.json", _l("The days you opened a challenge."),
             _their(ChallengeView), KEEP),
    Coverage("analytics_last_active", "last_active.json",
             _l("The last day you took part (for our programme figures)."),
             lambda u: select(LastActive).where(LastActive.user_id == u.id), KEEP),
    Coverage("analytics_challenge_customers", "challenge_activity.json",
             _l("Per challenge, the last day you opened it and the last day you gave an approved answer "
                "(for our programme figures)."),
             lambda u: select(ChallengeCustomer).where(ChallengeCustomer.user_id == u.id)
             .order_by(ChallengeCustomer.challenge_id), KEEP),
    Coverage("nps_surveys", "surveys.json", _l("The survey links we sent you."), _their(Survey), SCRUB,
             fields=("id", "occasion", "created_at", "expires_at", "used_at"),
             erase=_set(Survey, lambda e: Survey.user_id == e.user.id, occasion="")),
    Coverage("nps_responses", "nps_responses.json", _l("Your recommendation scores and what you told us."),
             _their(NpsResponse), SCRUB,
             erase=_set(NpsResponse, lambda e: NpsResponse.user_id == e.user.id, reason="")),
    Coverage("nps_alerts", "nps_alerts.json", _l("The alerts your answers raised for our team."),
             lambda u: select(Alert).where(Alert.response_id.in_(_responses(u))).order_by(Alert.id), KEEP,
             fields=("id", "response_id", "created_at", "read_at")),
    Coverage("nps_follow_ups", "nps_follow_ups.json", _l("How our team followed up on your answers."),
             lambda u: select(FollowUp).where(FollowUp.response_id.in_(_responses(u))).order_by(FollowUp.id), SCRUB,
             fields=("id", "response_id", "kind", "trigger", "due_at", "status", "outcome", "note", "created_at",
                     "closed_at"),
             erase=_set(FollowUp, lambda e: FollowUp.response_id.in_(_responses(e.user)), note="")),
    Coverage("referees", "referrals.json", _l("The people you introduced, as you told us about them, and where each stands."),
             _their(Referee, "referrer_id"), SCRUB,
             fields=("id", "source", "channel", "route", "name", "company", "job_role", "linkedin_url", "email",
                     "benefit", "may_mention", "message_locale", "message", "stage", "created_at",
                     "stage_changed_at"),
             erase=_erase_referees),
    Coverage("referral_events", "referral_history.json", _l("The stages your introductions reached."),
             lambda u: select(ReferralEvent).where(ReferralEvent.referee_id.in_(_referees(u)))
             .order_by(ReferralEvent.id), SCRUB, fields=("id", "referee_id", "stage", "created_at")),
    Coverage("share_clicks", "share_clicks.json", _l("How often your referral link was opened, per channel."),
             _their(ShareClick, "referrer_id"), KEEP),
    Coverage("referral_quota", "referral_quota.json", _l("How many introductions you made per day (the daily limit)."),
             lambda u: select(ReferralQuota).where(ReferralQuota.user_id == u.id).order_by(ReferralQuota.day), KEEP),
    Coverage("ask_status", "ask_status.json", _l("When our team last asked you for an introduction."),
             lambda u: select(AskStatus).where(AskStatus.customer_id == u.id), KEEP,
             fields=("claimed_at", "last_asked_at")),
    Coverage("asks", "asks.json", _l("Our team's requests to you for an introduction, and their notes."),
             _their(Ask, "customer_id"), SCRUB,
             fields=("id", "asked_on", "channel", "outcome", "follow_up_on", "note", "created_at"),
             erase=_set(Ask, lambda e: Ask.customer_id == e.user.id, note="")),
    Coverage("reference_calls", "reference_calls.json",
             _l("The reference calls you took for us: when, with whom, and our notes."),
             _their(ReferenceCall, "customer_id"), SCRUB,
             fields=("id", "quarter", "called_on", "prospect", "note", "created_at"),
             erase=_set(ReferenceCall, lambda e: ReferenceCall.customer_id == e.user.id, prospect="", note="")),
    Coverage("feedback", "feedback.json", _l("The ideas, problems and praise you sent us through “Tell us”, and our answers."),
             _their(Feedback), DELETE, fields=("id", "kind", "message", "locale", "page", "status", "reply", "created_at",
                                               "answered_at", "closed_at"),
             erase=_delete(Feedback, lambda e: Feedback.user_id == e.user.id)),
    Coverage("notifications", "notifications.json", _l("The messages we showed you in the portal."),
             _their(Notification), DELETE, erase=_delete(Notification, lambda e: Notification.user_id == e.user.id)),
    Coverage("outbox_messages", "emails.json", _l("The e-mails we sent you or are about to send."),
             lambda u: select(OutboxMessage).where(_addresses(u)).order_by(OutboxMessage.id), DELETE,
             fields=("id", "to_address", "subject", "body_text", "kind", "status", "created_at", "sent_at"),
             erase=_delete(OutboxMessage, lambda e: _addresses(e.user))),
    # Chat alerts about the customer (or an introduction they made) as queued or posted to Slack or
    # Teams; what left for the chat app is the receiving company's to erase there.
    Coverage("chat_messages", "chat_alerts.json",
             _l("The chat alerts (Slack or Microsoft Teams) about you that we sent or are about to send to our team."),
             lambda u: select(ChatMessage).where(ChatMessage.subject_user_id == u.id).order_by(ChatMessage.id), DELETE,
             fields=("id", "topic", "kind", "body", "status", "created_at", "sent_at"),
             erase=_delete(ChatMessage, lambda e: ChatMessage.subject_user_id == e.user.id)),
    # A sales person's own channel settings; the webhook address is a secret and never exported.
    Coverage("chat_channels", "chat_channels.json", _l("The chat channels (Slack or Microsoft Teams) you set for alerts."),
             _their(ChatChannel, "owner_id"), KEEP, fields=("id", "scope", "kind", "enabled", "created_at", "updated_at")),
    # What webhooks told other systems about the person (ids, company, stages, scores): payloads and
    # logged answers are emptied and what still waits is cancelled; the rows stay for the delivery log.
    Coverage("webhook_messages", "webhooks.json",
             _l("The messages about you we sent (or are about to send) to our other systems through webhooks."),
             _their(WebhookMessage), SCRUB,
             fields=("id", "event_type", "payload", "status", "created_at", "delivered_at"),
             erase=lambda e: forget_person(e.user.id)),
    Coverage("audit_entries", "audit.json", _l("Changes our team made to your account, from the audit log."),
             lambda u: select(AuditEntry).where(or_(
                 AuditEntry.actor_id == u.id,
                 (AuditEntry.target_type == "User") & (AuditEntry.target_id == u.id),
             )).order_by(AuditEntry.id), SCRUB, fields=("id", "action", "summary", "created_at"),
             erase=_erase_audit),
    # The programme's economics and goals: only who entered a number is about a person (staff); the
    # link is cleared when their account goes (SET NULL).
    Coverage("programme_costs", "programme_costs_entered.json", _l("The monthly running costs you entered."),
             _their(ProgrammeCost, "entered_by_id"), KEEP, fields=("id", "month", "updated_at")),
    Coverage("non_referral_wins", "other_wins_entered.json",
             _l("The monthly counts of deals won without a referral you entered."),
             _their(OtherWins, "entered_by_id"), KEEP, fields=("id", "month", "updated_at")),
    # REST API tokens are an admin's (staff accounts are not erased this way); the secret is never stored.
    Coverage("api_tokens", "api_tokens.json", _l("The API tokens you made: name, scopes and dates (never the token itself)."),
             _their(ApiToken, "owner_id"), KEEP,
             fields=("id", "name", "scopes", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")),
    Coverage("goals", "goals_entered.json", _l("The quarterly goals you set."),
             _their(Goal, "entered_by_id"), KEEP, fields=("id", "quarter", "metric", "updated_at")),
)
BY_TABLE = {coverage.table: coverage for coverage in REGISTRY}
