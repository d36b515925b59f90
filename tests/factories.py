"""One-line test data for every model: `make_<thing>(...)` adds it, flushes, and returns it.

Anything a thing needs and the caller leaves out is made on the spot (a customer for an answer, a
level for a challenge), so a test names only what it is about. Nothing commits.
"""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from flask import g
from werkzeug.security import generate_password_hash

from app.analytics.models import (
    AccountFirst,
    ActivityDay,
    ChallengeCustomer,
    ChallengeView,
    ClickDay,
    CompletionDay,
    DurationMonth,
    LastActive,
    NpsDay,
    PointsDay,
    PromoterDay,
    ReferralDay,
    RollupState,
    UnlockDay,
    UnlockDuration,
    ViewDay,
    WonDay,
)
from app.analytics.programme_models import Goal, OtherWins, ProgrammeCost
from app.api.models import ApiToken
from app.api.tokens import PREFIX, hash_secret
from app.audit.models import AuditEntry
from app.auth.models import ADMIN, CUSTOMER, MARKETER, SALES, Company, User
from app.chat.models import DETRACTOR_ALERT, PERSONAL, SLACK, ChatChannel, ChatMessage
from app.dates import today, utcnow
from app.extensions import db
from app.feedback.models import ANSWERED, CLOSED, IDEA, Feedback
from app.identity.models import ProgrammeIdentity
from app.identity.services import IDENTITY_ID
from app.jobs.models import WorkerHeartbeat
from app.journey.models import APPROVED, Challenge, Level, LevelUnlock, Submission
from app.mail import OutboxMessage
from app.notifications.models import Notification
from app.nps.models import Alert, FollowUp, NpsResponse, Survey, category_for
from app.points.models import CORRECTION, PointsCorrection, PointsEntry
from app.privacy.consent import text_hash
from app.privacy.models import FROM_CHALLENGE, QUOTE_PUBLICATION, ConsentRecord
from app.referrals.models import (
    NEW,
    Ask,
    AskStatus,
    ProgrammeSettings,
    Referee,
    RefereeObjection,
    ReferenceCall,
    ReferralEvent,
    ReferralQuota,
    ShareClick,
)
from app.referrals.settings import SETTINGS_ID
from app.rewards.models import POINTS_AT_LEAST, REQUESTED, Badge, Redemption, Reward, UserBadge
from app.terms.models import MATERIAL, TermsAcceptance, TermsVersion
from app.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from app.webhooks.signing import new_message_id, new_secret

PASSWORD = "correct horse battery"
# Tests share one hash of the default password (hashing is slow on purpose, even cheapened in conftest).
_HASH = generate_password_hash(PASSWORD)
_seq = itertools.count(1)


def _add(thing):
    db.session.add(thing)
    db.session.flush()
    return thing


# --- people ---------------------------------------------------------------------------------------

def make_user(role: str = CUSTOMER, *, email: str | None = None, name: str | None = None, locale: str = "nl",
              company: Company | None = None, password: str | None = PASSWORD, **fields) -> User:
    n = next(_seq)
    if role == CUSTOMER and company is None and "company_id" not in fields:
        company = make_company()
    return _add(User(
        email=(email or f"{role}{n}@example.com").lower(),
        name=name or f"{role.title()} {n}",
        role=role,
        locale=locale,
        company=company,
        password_hash=(_HASH if password == PASSWORD else generate_password_hash(password)) if password else None,
        **fields,
    ))


def make_api_token(owner: User | None = None, *, scopes: str = "referrals:read", secret: str | None = None,
                   **fields) -> ApiToken:
    """A token whose secret is `secret` (default: a fresh one, kept on the object as `.secret`)."""
    secret = secret or f"{PREFIX}test-{next(_seq)}-{'x' * 32}"
    fields.setdefault("expires_at", utcnow() + timedelta(days=30))
    token = _add(ApiToken(name=fields.pop("name", "Test token"), owner_id=(owner or make_user(ADMIN)).id, scopes=scopes,
                          prefix=secret[:12], secret_hash=hash_secret(secret), **fields))
    token.secret = secret
    return token


def make_company(name: str | None = None, account_manager: User | None = None) -> Company:
    n = next(_seq)
    return _add(Company(name=name or f"Company {n}", account_manager=account_manager or make_user(SALES)))


# --- the journey ----------------------------------------------------------------------------------

def make_level(position: int = 1, threshold: int = 0, required=(), name: str | None = None, **fields) -> Level:
    level = Level(position=position, name_nl=name or f"Niveau {position}", name_en=name or f"Level {position}",
                  description_nl=fields.pop("description_nl", ""), description_en=fields.pop("description_en", ""),
                  points_threshold=threshold, **fields)
    level.required_challenges = list(required)
    return _add(level)


def make_challenge(level=None, type_key: str = "question", points: int = 10, config: dict | None = None,
                   **fields) -> Challenge:
    n = next(_seq)
    return _add(Challenge(
        level=level or make_level(position=100 + n), type_key=type_key, points=points,
        title_nl=fields.pop("title_nl", f"Uitdaging {n}"), title_en=fields.pop("title_en", f"Challenge {n}"),
        body_nl=fields.pop("body_nl", "Vertel het ons."), body_en=fields.pop("body_en", "Tell us."),
        config=config if config is not None else ({"options": [{"nl": "Ja", "en": "Yes"}, {"nl": "Nee", "en": "No"}]}
                                                  if type_key == "poll" else {}),
        position=fields.pop("position", n), **fields,
    ))


def make_submission(user: User | None = None, challenge: Challenge | None = None, *, status: str = APPROVED,
                    data: dict | None = None, **fields) -> Submission:
    """A customer's answer; approved unless `status` says otherwise. No points: see make_points_entry."""
    return _add(Submission(user=user or make_user(), challenge=challenge or make_challenge(), status=status,
                           data=data if data is not None else {"answer": "Because it works."}, **fields))


def make_level_unlock(user: User | None = None, level: Level | None = None, **fields) -> LevelUnlock:
    return _add(LevelUnlock(user_id=(user or make_user()).id, level=level or make_level(200 + next(_seq)), **fields))


def make_challenge_view(user: User | None = None, challenge: Challenge | None = None,
                        day: date | None = None) -> ChallengeView:
    return _add(ChallengeView(user_id=(user or make_user()).id, challenge_id=(challenge or make_challenge()).id,
                              day=day or today()))


def make_points_entry(user: User | None = None, points: int = 10, *, source_type: str = "manual",
                      source_id: int | None = None, **fields) -> PointsEntry:
    """A ledger row; each call has a source of its own unless `source_id` is given."""
    return _add(PointsEntry(user_id=(user or make_user()).id, points=points, source_type=source_type,
                            source_id=source_id if source_id is not None else next(_seq),
                            reason_nl=fields.pop("reason_nl", "Punten"), reason_en=fields.pop("reason_en", "Points"),
                            **fields))


# --- recognition and rewards ----------------------------------------------------------------------

def make_badge(rule: str = POINTS_AT_LEAST, rule_value: int | None = 10, *, key: str | None = None,
               **fields) -> Badge:
    n = next(_seq)
    return _add(Badge(key=key or f"badge-{n}", name_nl=fields.pop("name_nl", f"Badge {n}"),
                      name_en=fields.pop("name_en", f"Badge {n}"), rule=rule, rule_value=rule_value, **fields))


def make_user_badge(user: User | None = None, badge: Badge | None = None, **fields) -> UserBadge:
    return _add(UserBadge(user_id=(user or make_user()).id, badge=badge or make_badge(), **fields))


def make_reward(name: str | None = None, *, kind: str = "recognition", point_cost: int | None = 0,
                stock: int | None = None, **fields) -> Reward:
    n = next(_seq)
    return _add(Reward(name_nl=fields.pop("name_nl", name or f"Beloning {n}"),
                       name_en=fields.pop("name_en", name or f"Reward {n}"),
                       kind=kind, point_cost=point_cost, stock=stock, **fields))


def make_redemption(user: User | None = None, reward: Reward | None = None, *, status: str = REQUESTED,
                    **fields) -> Redemption:
    """A claim as it is stored; the points it spends are not written to the ledger here."""
    reward = reward or make_reward()
    fields.setdefault("points_spent", reward.point_cost or 0)
    fields.setdefault("unit_cost_cents", reward.unit_cost_cents or 0)
    return _add(Redemption(user=user or make_user(), reward=reward, status=status, **fields))


# --- NPS ------------------------------------------------------------------------------------------

def make_survey(user: User | None = None, *, sent_by: User | None = None, occasion: str = "Project closed",
                **fields) -> Survey:
    fields.setdefault("expires_at", utcnow() + timedelta(days=14))
    return _add(Survey(user=user or make_user(), sent_by=sent_by, occasion=occasion, **fields))


def make_nps_response(user: User | None = None, score: int = 9, **fields) -> NpsResponse:
    """An answer as stored, without the alerts and follow-up the app raises (make_follow_up, make_alert)."""
    user = user or make_user()
    fields.setdefault("company_id", user.company_id)
    return _add(NpsResponse(user=user, score=score, category=category_for(score), **fields))


def make_follow_up(response: NpsResponse | None = None, *, assignee: User | None = None, **fields) -> FollowUp:
    """The account manager's task for an answer, assigned to the customer's account manager by default."""
    response = response or make_nps_response()
    if assignee is None and response.user.company is not None:
        assignee = response.user.company.account_manager
    fields.setdefault("due_at", utcnow() + timedelta(days=2))
    fields.setdefault("trigger", response.category if response.category != "passive" else "detractor")
    return _add(FollowUp(response=response, assignee=assignee, **fields))


def make_alert(response: NpsResponse | None = None, recipient: User | None = None, **fields) -> Alert:
    response = response or make_nps_response()
    if recipient is None:
        recipient = response.user.company.account_manager if response.user.company else make_user(SALES)
    return _add(Alert(response=response, recipient=recipient, **fields))


# --- referrals and the sales ask ------------------------------------------------------------------

def make_referee(referrer: User | None = None, name: str | None = None, *, stage: str = NEW, **fields) -> Referee:
    n = next(_seq)
    return _add(Referee(referrer=referrer or make_user(), name=name or f"Referee {n}", stage=stage,
                        company=fields.pop("company", f"Prospect {n} BV"), token=fields.pop("token", f"token{n:027d}"),
                        **fields))


def make_referral_event(referee: Referee | None = None, stage: str = "contacted", *, by: User | None = None,
                        **fields) -> ReferralEvent:
    return _add(ReferralEvent(referee=referee or make_referee(), stage=stage, by=by, **fields))


def make_share_click(referrer: User | None = None, channel: str = "email", **fields) -> ShareClick:
    return _add(ShareClick(referrer_id=(referrer or make_user()).id, channel=channel, **fields))


def make_referee_objection(key_hash: str | None = None) -> RefereeObjection:
    return _add(RefereeObjection(key_hash=key_hash or f"{next(_seq):064x}"))


def make_referral_quota(user: User | None = None, used: int = 1, day: date | None = None) -> ReferralQuota:
    return _add(ReferralQuota(user_id=(user or make_user()).id, day=day or today(), used=used))


def make_ask_status(customer: User | None = None, *, claimed_by: User | None = None,
                    last_asked_at: datetime | None = None) -> AskStatus:
    return _add(AskStatus(customer_id=(customer or make_user()).id, claimed_by=claimed_by,
                          claimed_at=utcnow() if claimed_by else None, last_asked_at=last_asked_at))


def make_ask(customer: User | None = None, *, asked_by: User | None = None, outcome: str = "yes",
             channel: str = "phone", **fields) -> Ask:
    customer = customer or make_user()
    if asked_by is None:
        asked_by = customer.company.account_manager if customer.company else make_user(SALES)
    fields.setdefault("asked_on", today())
    return _add(Ask(customer=customer, asked_by=asked_by, outcome=outcome, channel=channel, **fields))


def make_reference_offer(customer: User | None = None, calls_per_quarter: int = 2, *, topics: str = "Our rollout",
                         contact: str = "video_call", challenge: Challenge | None = None, **fields) -> Submission:
    """A customer's answer to a reference-call challenge: an offer to talk to prospects."""
    return make_submission(customer or make_user(), challenge or make_challenge(type_key="reference_call"),
                           data={"calls_per_quarter": str(calls_per_quarter), "topics": topics, "contact": contact,
                                 "agree": True}, **fields)


def make_reference_call(customer: User | None = None, *, seq: int = 1, calls_limit: int = 2,
                        called_on: date | None = None, prospect: str = "Pia Prospect, Prospect BV",
                        **fields) -> ReferenceCall:
    """A reference call as stored (the n-th of its quarter is `seq`); no offer, cap or audit."""
    called_on = called_on or today()
    quarter = f"{called_on.year}-Q{(called_on.month - 1) // 3 + 1}"
    return _add(ReferenceCall(customer_id=(customer or make_user()).id, quarter=quarter, seq=seq,
                              calls_limit=calls_limit, called_on=called_on, prospect=prospect, **fields))


def make_programme_settings(**fields) -> ProgrammeSettings:
    """The one settings row with the given knobs (the app makes it with the defaults when it is missing)."""
    settings = db.session.get(ProgrammeSettings, SETTINGS_ID) or ProgrammeSettings(id=SETTINGS_ID)
    for name, value in fields.items():
        setattr(settings, name, value)
    return _add(settings)


def make_programme_identity(**fields) -> ProgrammeIdentity:
    """The one identity row: a fictional supplier unless told otherwise (fields override)."""
    row = db.session.get(ProgrammeIdentity, IDENTITY_ID) or ProgrammeIdentity(id=IDENTITY_ID, logo_version=0)
    values = {"organisation_name": "Van Houten Installatietechniek", "pitch_nl": "Klimaat en energie in kantoren, zonder gedoe.",
              "pitch_en": "Climate and energy for offices, without the hassle.", "about_nl": "", "about_en": "",
              "ideal_customer_nl": "", "ideal_customer_en": "", "sender_name": "", "reply_to": ""}
    for name, value in {**values, **fields}.items():
        if name in fields or not getattr(row, name, None):
            setattr(row, name, value)
    g.pop("identity", None)  # the request's cached identity is stale now
    return _add(row)


# --- messages and the record ----------------------------------------------------------------------

def make_notification(user: User | None = None, text: str = "Something happened.", *, kind: str = "info",
                      **fields) -> Notification:
    return _add(Notification(user_id=(user or make_user()).id, kind=kind, text_nl=fields.pop("text_nl", text),
                             text_en=fields.pop("text_en", text), **fields))


def make_outbox_message(to_address: str | None = None, *, kind: str = "invitation", **fields) -> OutboxMessage:
    n = next(_seq)
    return _add(OutboxMessage(to_address=to_address or f"recipient{n}@example.com",
                              subject=fields.pop("subject", f"Message {n}"),
                              body_text=fields.pop("body_text", f"Hello, this is message {n}."), kind=kind, **fields))


def make_audit_entry(actor: User | None = None, action: str = "challenge.publish", target=None,
                     **fields) -> AuditEntry:
    actor = actor or make_user(MARKETER)
    return _add(AuditEntry(actor_id=actor.id, action=action,
                           target_type=type(target).__name__ if target is not None else None,
                           target_id=getattr(target, "id", None), **fields))


def make_consent_record(user: User | None = None, *, kind: str = QUOTE_PUBLICATION, granted: bool = True,
                        submission: Submission | None = None, **fields) -> ConsentRecord:
    return _add(ConsentRecord(user_id=(user or make_user()).id, kind=kind, granted=granted,
                              submission_id=submission.id if submission else None,
                              text_hash=fields.pop("text_hash", text_hash("I agree.")), locale=fields.pop("locale", "en"),
                              source=fields.pop("source", FROM_CHALLENGE), **fields))


# --- points corrections and programme terms -------------------------------------------------------

def make_points_correction(user: User | None = None, points: int = 10, *, author: User | None = None,
                           reason: str = "Points for the webinar we forgot", ledger: bool = True,
                           **fields) -> PointsCorrection:
    """A correction with its ledger row (unless `ledger=False`)."""
    user = user or make_user()
    correction = _add(PointsCorrection(user_id=user.id, author_id=(author or make_user(MARKETER)).id, points=points,
                                       reason=reason, request_key=fields.pop("request_key", f"key-{next(_seq):012d}"),
                                       **fields))
    if ledger:
        make_points_entry(user, points, source_type=CORRECTION, source_id=correction.id,
                          reason_nl=f"Correctie: {reason}", reason_en=f"Correction: {reason}")
    return correction


def make_terms_version(number: int | None = None, *, kind: str = MATERIAL, body_nl: str = "# Voorwaarden\n\nTekst.",
                       body_en: str = "# Terms\n\nText.", published_by: User | None = None, **fields) -> TermsVersion:
    """The next version (numbered after the latest) unless `number` is given."""
    if number is None:
        latest = db.session.scalar(db.select(db.func.max(TermsVersion.number)))
        number = (latest or 0) + 1
    return _add(TermsVersion(number=number, kind=kind, body_nl=body_nl, body_en=body_en,
                             published_by_id=published_by.id if published_by else None, **fields))


def make_terms_acceptance(user: User | None = None, version: TermsVersion | None = None, *, locale: str = "nl",
                          **fields) -> TermsAcceptance:
    return _add(TermsAcceptance(user_id=(user or make_user()).id, version_id=(version or make_terms_version()).id,
                                locale=locale, **fields))


# --- analytics rollups (normally built by app.analytics.rollups) ---------------------------------

def make_rollup_state(closed_through: date | None = None) -> RollupState:
    state = db.session.get(RollupState, 1)
    if state is None:
        state = _add(RollupState(id=1, closed_through=closed_through))
    return state


def make_points_day(challenge: Challenge | None = None, points: int = 10, day: date | None = None) -> PointsDay:
    return _add(PointsDay(challenge_id=(challenge or make_challenge()).id, points=points, day=day or today()))


def make_view_day(challenge: Challenge | None = None, views: int = 1, day: date | None = None,
                  prev_day: date | None = None) -> ViewDay:
    return _add(ViewDay(challenge_id=(challenge or make_challenge()).id, views=views, day=day or today(),
                        prev_day=prev_day))


def make_completion_day(challenge: Challenge | None = None, completions: int = 1, day: date | None = None,
                        **fields) -> CompletionDay:
    day = day or today()
    return _add(CompletionDay(challenge_id=(challenge or make_challenge()).id, completions=completions, day=day,
                              last_view=fields.pop("last_view", day), **fields))


def make_activity_day(customers: int = 1, day: date | None = None, prev_day: date | None = None) -> ActivityDay:
    return _add(ActivityDay(customers=customers, day=day or today(), prev_day=prev_day))


def make_unlock_day(level: Level | None = None, unlocks: int = 1, day: date | None = None) -> UnlockDay:
    return _add(UnlockDay(level_id=(level or make_level(300 + next(_seq))).id, unlocks=unlocks, day=day or today()))


# --- feedback ---------------------------------------------------------------------------------------

def make_feedback(user: User | None = None, message: str = "The points page could show what is next.", *,
                  kind: str = IDEA, locale: str | None = "nl", answered_by: User | None = None, **fields) -> Feedback:
    """A customer's message; `answered_by` makes it answered (or closed, with status=CLOSED)."""
    if answered_by is not None:
        fields.setdefault("status", ANSWERED)
        fields.setdefault("reply", "Thank you, we will look at it.")
        fields.setdefault("answered_at", utcnow())
        fields["answered_by_id"] = answered_by.id
        if fields["status"] == CLOSED:
            fields.setdefault("closed_at", utcnow())
            fields.setdefault("closed_by_id", answered_by.id)
    return _add(Feedback(user_id=(user or make_user()).id, kind=kind, message=message, locale=locale, **fields))


def _unused_month() -> date:
    """A month no other factory call has used (each call its own), from January 2001 on."""
    n = next(_seq)
    return date(2001 + n // 12, n % 12 + 1, 1)


def make_programme_cost(month: date | None = None, amount_cents: int = 150_000, *, by: User | None = None,
                        **fields) -> ProgrammeCost:
    """A month's running cost (default €1,500)."""
    return _add(ProgrammeCost(month=(month or _unused_month()).replace(day=1), amount_cents=amount_cents,
                              entered_by_id=by.id if by else None, **fields))


def make_other_wins(month: date | None = None, won: int = 4, *, by: User | None = None, **fields) -> OtherWins:
    """Deals won in a month without a referral."""
    return _add(OtherWins(month=(month or _unused_month()).replace(day=1), won=won,
                          entered_by_id=by.id if by else None, **fields))


def make_goal(quarter: str | None = None, metric: str = "introductions", target: int = 10, *,
              by: User | None = None) -> Goal:
    """A quarter's target for one metric (each call its own quarter unless given)."""
    if quarter is None:
        n = next(_seq)
        quarter = f"{2001 + n // 4}-Q{n % 4 + 1}"
    return _add(Goal(quarter=quarter, metric=metric, target=target, entered_by_id=by.id if by else None))
def make_nps_day(category: str = "promoter", answers: int = 1, day: date | None = None) -> NpsDay:
    return _add(NpsDay(category=category, answers=answers, day=day or today()))


def make_promoter_day(customers: int = 1, day: date | None = None, acted: bool = False, **fields) -> PromoterDay:
    return _add(PromoterDay(customers=customers, day=day or today(), acted=acted, **fields))


def make_last_active(user: User | None = None, day: date | None = None) -> LastActive:
    return _add(LastActive(user_id=(user or make_user()).id, day=day or today()))


def make_challenge_customer(user: User | None = None, challenge: Challenge | None = None, **fields) -> ChallengeCustomer:
    return _add(ChallengeCustomer(user_id=(user or make_user()).id, challenge_id=(challenge or make_challenge()).id,
                                  **fields))


def make_unlock_duration(level: Level | None = None, days: float = 1.0, day: date | None = None) -> UnlockDuration:
    return _add(UnlockDuration(level_id=(level or make_level(400 + next(_seq))).id, days=days, bucket=int(days),
                               day=day or today()))


def make_duration_month(level: Level | None = None, bucket: int = 1, unlocks: int = 1,
                        month: date | None = None) -> DurationMonth:
    return _add(DurationMonth(level_id=(level or make_level(500 + next(_seq))).id, bucket=bucket, unlocks=unlocks,
                              month=month or today().replace(day=1)))


def make_account_first(company: Company | None = None, **fields) -> AccountFirst:
    fields.setdefault("first_joined", utcnow())
    return _add(AccountFirst(company_id=(company or make_company()).id, **fields))


def make_referral_day(referrers: int = 1, referrals: int = 1, day: date | None = None, **fields) -> ReferralDay:
    return _add(ReferralDay(referrers=referrers, referrals=referrals, day=day or today(), **fields))


def make_won_day(referees: int = 1, day: date | None = None, **fields) -> WonDay:
    return _add(WonDay(referees=referees, day=day or today(), **fields))


def make_click_day(channel: str = "email", clicks: int = 1, day: date | None = None) -> ClickDay:
    return _add(ClickDay(channel=channel, clicks=clicks, day=day or today()))


# --- chat alerts --------------------------------------------------------------------------------

def make_chat_channel(owner: User | None = None, *, scope: str = PERSONAL, kind: str = SLACK,
                      url: str | None = None, **fields) -> ChatChannel:
    """A sales person's channel (the team's with scope=TEAM); the address points nowhere unless given."""
    n = next(_seq)
    return _add(ChatChannel(owner_id=(owner or make_user(SALES)).id, scope=scope, kind=kind,
                            url=url or f"https://hooks.example.com/services/T{n:08d}", **fields))


def make_chat_message(channel: ChatChannel | None = None, *, subject: User | None = None, topic: str = DETRACTOR_ALERT,
                      **fields) -> ChatMessage:
    channel = channel or make_chat_channel()
    fields.setdefault("body", {"text": "Detractor alert: Customer (Company) gave 3"})
    return _add(ChatMessage(channel_id=channel.id, kind=channel.kind, topic=topic,
                            subject_user_id=subject.id if subject is not None else None, **fields))
# --- webhooks -------------------------------------------------------------------------------------

def make_webhook_endpoint(url: str = "http://127.0.0.1:9/hook", *, events=("referral.won",), **fields) -> WebhookEndpoint:
    fields.setdefault("secret", new_secret())
    return _add(WebhookEndpoint(url=url, events=list(events), **fields))


def make_webhook_message(endpoint: WebhookEndpoint | None = None, *, event_type: str = "referral.won",
                         **fields) -> WebhookMessage:
    fields.setdefault("msg_id", new_message_id())
    fields.setdefault("payload", '{"data":{},"timestamp":"2026-01-05T09:30:00Z","type":"referral.won"}')
    return _add(WebhookMessage(endpoint_id=(endpoint or make_webhook_endpoint()).id, event_type=event_type, **fields))


def make_webhook_attempt(message: WebhookMessage | None = None, *, number: int = 1, **fields) -> WebhookAttempt:
    fields.setdefault("status_code", 200)
    fields.setdefault("ok", True)
    return _add(WebhookAttempt(message_id=(message or make_webhook_message()).id, number=number, **fields))


# --- the job runner -------------------------------------------------------------------------------

def make_worker_heartbeat(worker: str | None = None, **fields) -> WorkerHeartbeat:
    """A worker's heartbeat row (the worker writes these; /healthz and the outbox page read them)."""
    return _add(WorkerHeartbeat(worker=worker or f"worker-{next(_seq)}", **fields))
