"""Recording an NPS answer and everything it sets in motion, in the same transaction:
alerts to the account manager and their manager (in-app and e-mail), a follow-up task with a
due date, the pause of advocacy asks for an unhappy customer, and the onward invitation for a
happy one. Flush only; the route commits."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, func, select

from app.auth.models import User
from app.dates import utcnow
from app.extensions import db
from app.i18n import written_locale
from app.mail import queue_mail
from app.notifications.services import notify
from app.nps.models import CLOSED, DETRACTOR, PROMOTER, Alert, FollowUp, NpsResponse, category_for
from app.urls import external_url

# Working days to follow up: an unhappy customer first.
FOLLOW_UP_DAYS = {DETRACTOR: 2, PROMOTER: 5}


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
    if response.category in FOLLOW_UP_DAYS:
        _raise_alerts(user, response)
    if response.category == PROMOTER:
        _invite_onward(user)
    return response


def _recipients(user: User) -> list[User]:
    manager = user.company.account_manager if user.company else None
    people = [p for p in (manager, manager.manager if manager else None) if p is not None and p.is_active]
    return list({p.id: p for p in people}.values())


def _raise_alerts(customer: User, response: NpsResponse) -> None:
    recipients = _recipients(customer)
    account_manager = customer.company.account_manager if customer.company else None
    db.session.add(FollowUp(
        response_id=response.id, assignee_id=account_manager.id if account_manager else None,
        due_at=add_working_days(response.created_at, FOLLOW_UP_DAYS[response.category]),
    ))
    link = external_url("nps.follow_up", response_id=response.id)
    for person in recipients:
        db.session.add(Alert(response_id=response.id, recipient_id=person.id))
        queue_mail(person.email, "nps_alert", person.locale, person=person, customer=customer, response=response,
                   link=link, due=add_working_days(response.created_at, FOLLOW_UP_DAYS[response.category]))
    db.session.flush()


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
    """SQL for advocacy_paused: 1 when the customer's latest NPS answer is a detractor's whose
    follow-up is not closed, else 0 or NULL (no answer). `user_id` may be a bound parameter, so other
    reads can carry it in their own statement (the journey state does)."""
    return (
        select(case((and_(NpsResponse.category == DETRACTOR, FollowUp.status.is_not(None),
                          FollowUp.status != CLOSED), 1), else_=0))
        .select_from(NpsResponse)
        .outerjoin(FollowUp, FollowUp.response_id == NpsResponse.id)  # a response has at most one
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
        .where(NpsResponse.category == DETRACTOR, FollowUp.status != CLOSED)
    )


def close_follow_up(follow_up: FollowUp, by: User, note: str) -> None:
    follow_up.status = CLOSED
    follow_up.note = note
    follow_up.closed_at = utcnow()
    follow_up.closed_by_id = by.id
    db.session.flush()
