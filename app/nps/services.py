"""Recording an NPS answer and everything it sets in motion, in the same transaction:
alerts to the account manager and their manager (in-app and e-mail), a follow-up task with a
due date, the pause of advocacy asks for an unhappy customer, the onward invitation for a
happy one, and an upsell follow-up when the customer wants more services. Flush only; the route
commits.

The alert's style comes from the score and the survey's satisfaction together: "dissatisfied"
alerts like a detractor whatever the score, "more than satisfied" like a promoter; when the two
disagree the unhappy signal wins. One answer raises at most one alert."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, func, select
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.dates import utcnow
from app.events import publish
from app.extensions import db
from app.i18n import written_locale
from app.mail import queue_mail
from app.notifications.services import notify
from app.nps.labels import trigger_label
from app.nps.models import (
    ALERT,
    CLOSED,
    DETRACTOR,
    DETRACTOR_STYLE,
    DISSATISFIED,
    MORE_THAN_SATISFIED,
    PROMOTER,
    UPSELL,
    WANTS_MORE,
    Alert,
    FollowUp,
    NpsResponse,
    category_for,
)
from app.urls import external_url

# Working days to follow up: an unhappy customer first.
FOLLOW_UP_DAYS = {DETRACTOR: 2, PROMOTER: 5}
UPSELL_DAYS = 3  # working days to get back to a customer who wants more services


def alert_trigger(category: str, satisfaction: str | None) -> str | None:
    """What raises the answer's alert, if anything: the score's segment, or the survey's satisfaction
    when that says more. The unhappy signal wins; a detractor score that is also dissatisfied is one
    detractor alert."""
    if category == DETRACTOR:
        return DETRACTOR
    if satisfaction == DISSATISFIED:
        return DISSATISFIED
    if category == PROMOTER:
        return PROMOTER
    if satisfaction == MORE_THAN_SATISFIED:
        return MORE_THAN_SATISFIED
    return None


def style_of(trigger: str) -> str:
    """Detractor- or promoter-style: how urgent the follow-up is and what the alert says."""
    return DETRACTOR if trigger in DETRACTOR_STYLE else PROMOTER


def add_working_days(start: datetime, days: int) -> datetime:
    """`days` working days (Monday to Friday) after `start`, at the same time of day."""
    current = start
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current


def record_answer(user: User, score: int, reason: str = "", source: str = "challenge", submission_id: int | None = None,
                  survey_id: int | None = None, satisfaction: str | None = None,
                  wants_more: bool | None = None) -> NpsResponse:
    response = NpsResponse(
        user_id=user.id, company_id=user.company_id, score=score, category=category_for(score),
        reason=(reason or "")[:2000], source=source, submission_id=submission_id, survey_id=survey_id,
        satisfaction=satisfaction, wants_more=wants_more, locale=written_locale(user),
    )
    db.session.add(response)
    db.session.flush()
    publish("nps.answered", response_id=response.id, user_id=user.id)
    trigger = alert_trigger(response.category, satisfaction)
    if trigger is not None:
        _raise_alerts(user, response, trigger)
    if trigger == PROMOTER:  # a promoter who also said "dissatisfied" is not thanked for recommending us
        _invite_onward(user)
    if wants_more:
        open_upsell(user, response)
    return response


def _recipients(user: User) -> list[User]:
    manager = user.company.account_manager if user.company else None
    people = [p for p in (manager, manager.manager if manager else None) if p is not None and p.is_active]
    return list({p.id: p for p in people}.values())


def _raise_alerts(customer: User, response: NpsResponse, trigger: str) -> None:
    recipients = _recipients(customer)
    account_manager = customer.company.account_manager if customer.company else None
    due = add_working_days(response.created_at, FOLLOW_UP_DAYS[style_of(trigger)])
    task = FollowUp(response_id=response.id, kind=ALERT, trigger=trigger,
                    assignee_id=account_manager.id if account_manager else None, due_at=due)
    db.session.add(task)
    db.session.flush()
    publish("followup.created", follow_up_id=task.id, kind=ALERT)
    publish("nps.alert_raised", follow_up_id=task.id, response_id=response.id)
    link = external_url("nps.follow_up", response_id=response.id)
    for person in recipients:
        db.session.add(Alert(response_id=response.id, recipient_id=person.id))
        queue_mail(person.email, "nps_alert", person.locale, person=person, customer=customer, response=response,
                   task=task, style=style_of(trigger), trigger_label=trigger_label, link=link, due=due)
    db.session.flush()


def upsell_assignee(customer: User) -> User | None:
    """Who follows up on interest in more services: the company's account manager while active; else
    nobody, and marketing and admins see the lead unassigned on the NPS follow-up list."""
    manager = customer.company.account_manager if customer.company else None
    return manager if manager is not None and manager.is_active else None


def open_upsell(customer: User, response: NpsResponse) -> FollowUp:
    """The upsell follow-up of an answer, in-app and by e-mail to the account manager in their language.
    The database allows one per answer (unique response and kind); a second call raises IntegrityError."""
    manager = upsell_assignee(customer)
    due = add_working_days(response.created_at, UPSELL_DAYS)
    task = FollowUp(response_id=response.id, kind=UPSELL, trigger=WANTS_MORE,
                    assignee_id=manager.id if manager else None, due_at=due)
    db.session.add(task)
    db.session.flush()
    publish("followup.created", follow_up_id=task.id, kind=UPSELL)
    if manager is not None:
        company = customer.company.name
        notify(
            manager, "nps_upsell",
            f"{customer.name} ({company}) is geïnteresseerd in meer van onze diensten. "
            f"Neem vóór {due:%d-%m-%Y} contact op en leg de uitkomst vast.",
            f"{customer.name} ({company}) is interested in more of our services. "
            f"Get in touch before {due:%Y-%m-%d} and record the outcome.",
            link=external_url("nps.upsell", response_id=response.id),
            subject=(f"Interesse in meer diensten: {customer.name}", f"Interested in more services: {customer.name}"),
        )
    return task


def _invite_onward(customer: User) -> None:
    notify(
        customer, "nps_onward",
        "Fijn dat je ons zou aanbevelen! Er staat een volgende stap voor je klaar op je reis.",
        "Glad you would recommend us! A next step is waiting for you on your journey.",
        link=external_url("main.home"),
        subject=("Bedankt dat je ons zou aanbevelen", "Thank you for recommending us"),
    )


def latest_response(user_id: int) -> NpsResponse | None:
    return db.session.scalar(
        select(NpsResponse).where(NpsResponse.user_id == user_id)
        .order_by(NpsResponse.created_at.desc(), NpsResponse.id.desc()).limit(1)
    )


def advocacy_paused_expression(user_id):
    """SQL for advocacy_paused: 1 when the customer's latest NPS answer raised a detractor-style alert
    whose follow-up is not closed, else 0 or NULL (no answer). `user_id` may be a bound parameter, so
    other reads can carry it in their own statement (the journey state does)."""
    return (
        select(case((and_(FollowUp.status.is_not(None), FollowUp.trigger.in_(DETRACTOR_STYLE),
                          FollowUp.status != CLOSED), 1), else_=0))
        .select_from(NpsResponse)
        .outerjoin(FollowUp, and_(FollowUp.response_id == NpsResponse.id, FollowUp.kind == ALERT))  # at most one
        .where(NpsResponse.user_id == user_id)
        .order_by(NpsResponse.created_at.desc(), NpsResponse.id.desc()).limit(1)
        .scalar_subquery()
    )


_PAUSED = select(advocacy_paused_expression(bindparam("user_id")))


def advocacy_paused(user_id: int) -> bool:
    """An unhappy customer is not asked for advocacy until their follow-up is closed."""
    return bool(db.session.execute(_PAUSED, {"user_id": user_id}).scalar())


def paused_customer_ids():
    """A select of customer ids whose advocacy asks are paused (for excluding them from ask lists)."""
    latest = (
        select(NpsResponse.user_id, func.max(NpsResponse.id).label("latest_id"))
        .group_by(NpsResponse.user_id).subquery()
    )
    return (
        select(NpsResponse.user_id)
        .join(latest, latest.c.latest_id == NpsResponse.id)
        .join(FollowUp, FollowUp.response_id == NpsResponse.id)
        .where(FollowUp.unhappy_open())
    )


def close_follow_up(follow_up: FollowUp, by: User, note: str, outcome: str | None = None) -> None:
    was_closed = follow_up.status == CLOSED
    follow_up.status = CLOSED
    follow_up.note = note
    follow_up.outcome = outcome
    follow_up.closed_at = utcnow()
    follow_up.closed_by_id = by.id
    db.session.flush()
    if not was_closed:  # a note added to a closed follow-up closes nothing
        publish("followup.closed", follow_up_id=follow_up.id, kind=follow_up.kind)


UPSELLS_SHOWN = 50  # on the sales follow-up page; the NPS follow-up list pages through them all


def open_upsells(viewer: User, limit: int = UPSELLS_SHOWN) -> list[FollowUp]:
    """Upsell follow-ups not closed yet, of the viewer and of their team, soonest due first. One statement."""
    team = select(User.id).where(User.manager_id == viewer.id)
    return list(db.session.scalars(
        select(FollowUp)
        .where(FollowUp.kind == UPSELL, FollowUp.status != CLOSED,
               (FollowUp.assignee_id == viewer.id) | FollowUp.assignee_id.in_(team))
        .options(joinedload(FollowUp.response).joinedload(NpsResponse.user),
                 joinedload(FollowUp.response).joinedload(NpsResponse.company),
                 joinedload(FollowUp.assignee))
        .order_by(FollowUp.due_at, FollowUp.id).limit(limit)
    ))
