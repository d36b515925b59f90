"""The short survey sent by link at a natural moment (project close): the forms to send and answer
it, the signed personal link, and the services. Services flush only; the route commits."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from app.audit.services import record
from app.auth.models import CUSTOMER, Company, User
from app.dates import utcnow
from app.extensions import db
from app.forms import Form, RadioOne, SelectOne, choices, optional_int, strip
from app.mail import queue_mail
from app.nps.access import visible_companies
from app.nps.models import SATISFACTION, NpsResponse, Survey
from app.nps.services import record_answer
from app.urls import external_url

SURVEY_SALT = "nps-survey"
MAX_VALIDITY_DAYS = 60
DEFAULT_VALIDITY_DAYS = 14
# Nobody is asked again while an open survey from the last 30 days is waiting for them.
ASK_AGAIN_AFTER = timedelta(days=30)
OCCASION_MAX = 120
REASON_MAX = 1000
ALL = ""  # the customer choice "all active customers of the company"

INVALID, EXPIRED, USED = "invalid", "expired", "used"


# --- the signed link ---------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SURVEY_SALT)


def make_survey_token(survey: Survey) -> str:
    return _serializer().dumps(survey.id)


def survey_from_token(token: str) -> tuple[Survey | None, str | None]:
    """The survey a link is for and what is wrong with it, if anything: (None, 'invalid') for a
    link we did not sign, (survey, 'expired' or 'used') for one that can no longer be answered."""
    try:
        # The database has the real expiry; the signature's age is a backstop for deleted rows.
        survey_id = _serializer().loads(token, max_age=(MAX_VALIDITY_DAYS + 1) * 86400)
    except SignatureExpired:
        return None, EXPIRED
    except (BadSignature, UnicodeError, ValueError, TypeError):
        return None, INVALID
    if type(survey_id) is not int:
        return None, INVALID
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey.user is None or not survey.user.is_active:
        return None, INVALID
    if survey.used_at is not None:
        return survey, USED
    if survey.expires_at <= utcnow():
        return survey, EXPIRED
    return survey, None


# --- sending -----------------------------------------------------------------------------------

class SurveySendForm(Form):
    company = SelectOne(_l("Company"), coerce=optional_int, validators=[InputRequired(_l("Choose a company."))])
    customer = SelectOne(_l("Who"), coerce=str, default=ALL)
    occasion = StringField(
        _l("Occasion"), filters=[strip],
        description=_l("The natural moment you ask at, for example “Project close”. The customer sees it."),
        validators=[
            InputRequired(_l("Describe the occasion.")),
            Length(max=OCCASION_MAX, message=_l("Use at most %(max)d characters.", max=OCCASION_MAX)),
        ],
        render_kw={"maxlength": OCCASION_MAX},
    )
    days = IntegerField(
        _l("Valid for (days)"), default=DEFAULT_VALIDITY_DAYS,
        validators=[
            InputRequired(_l("Enter for how many days the link works.")),
            NumberRange(min=1, max=MAX_VALIDITY_DAYS, message=_l("Enter a whole number from 1 to %(max)d.", max=MAX_VALIDITY_DAYS)),
        ],
        render_kw={"min": 1, "max": MAX_VALIDITY_DAYS, "inputmode": "numeric"},
    )

    def validate_occasion(form, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("Describe the occasion."))

    def fill_choices(self, viewer: User, company_id: int | None) -> Company | None:
        """Companies this viewer may send to, and the active customers of the chosen one."""
        companies = list(db.session.scalars(sendable_companies(viewer).order_by(Company.name)))
        self.company.choices = choices([("", _l("Choose a company"))] + [(c.id, c.name) for c in companies])
        chosen = next((c for c in companies if c.id == company_id), None)
        people = active_customers(chosen) if chosen else []
        self.customer.choices = choices([(ALL, _l("All active customers of the company"))] + [
            (str(p.id), f"{p.name} <{p.email}>") for p in people
        ])
        return chosen


def sendable_companies(viewer: User):
    query = select(Company)
    visible = visible_companies(viewer)
    if visible is not None:
        query = query.where(Company.id.in_(visible))
    return query


def active_customers(company: Company) -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.company_id == company.id, User.role == CUSTOMER, User.is_active.is_(True))
        .order_by(User.name, User.id)
    ))


def asked_too_recently(user_ids: list[int]) -> set[int]:
    """Customers with an unused, unexpired survey sent in the last 30 days."""
    if not user_ids:
        return set()
    now = utcnow()
    return set(db.session.scalars(
        select(Survey.user_id).where(
            Survey.user_id.in_(user_ids), Survey.used_at.is_(None), Survey.expires_at > now,
            Survey.created_at >= now - ASK_AGAIN_AFTER,
        )
    ))


@dataclass
class SendResult:
    sent: list[User] = field(default_factory=list)
    skipped: list[User] = field(default_factory=list)


def send_surveys(sender: User, company: Company, customers: list[User], occasion: str, days: int) -> SendResult:
    """One survey and one e-mail per customer, in the customer's language; those asked too recently
    are skipped. Flush only."""
    result = SendResult()
    recent = asked_too_recently([c.id for c in customers])
    now = utcnow()
    expires_at = now + timedelta(days=days)
    for customer in customers:
        if customer.id in recent:
            result.skipped.append(customer)
            continue
        survey = Survey(user_id=customer.id, sent_by_id=sender.id, occasion=occasion[:OCCASION_MAX],
                        created_at=now, expires_at=expires_at)
        db.session.add(survey)
        db.session.flush()
        link = external_url("nps.survey", token=make_survey_token(survey))
        queue_mail(customer.email, "nps_survey", customer.locale, user=customer, link=link, occasion=survey.occasion,
                   expires_at=expires_at, sender=sender)
        result.sent.append(customer)
    record(sender, "nps_survey.send", company, summary=f"{occasion} — {company.name}"[:255],
           occasion=occasion, days=days, sent=[c.id for c in result.sent], skipped=[c.id for c in result.skipped])
    return result


# --- answering ---------------------------------------------------------------------------------

SCORES = choices((n, str(n)) for n in range(11))


class SurveyAnswerForm(Form):
    satisfaction = RadioOne(
        _l("How satisfied are you?"),
        choices=choices(zip(SATISFACTION, (_l("Dissatisfied"), _l("Satisfied"), _l("More than satisfied")), strict=True)),
        validators=[InputRequired(_l("Choose how satisfied you are."))],
        message=_l("Choose how satisfied you are."),
    )
    reason = TextAreaField(
        _l("Why?"), filters=[strip],
        validators=[Length(max=REASON_MAX, message=_l("Use at most %(max)d characters.", max=REASON_MAX))],
        render_kw={"rows": 4, "maxlength": REASON_MAX},
    )
    score = RadioOne(
        _l("How likely are you to recommend us to a colleague? (0 = not at all, 10 = extremely likely)"),
        choices=SCORES, coerce=int,
        validators=[InputRequired(_l("Choose a number from 0 to 10."))],
        message=_l("Choose a number from 0 to 10."),
    )
    wants_more = RadioOne(
        _l("Are you interested in more of our services?"),
        choices=choices([("yes", _l("Yes")), ("no", _l("No"))]),
        validators=[InputRequired(_l("Choose yes or no."))],
        message=_l("Choose yes or no."),
    )


def answer_survey(survey_id: int, score: int, reason: str, satisfaction: str, wants_more: bool) -> NpsResponse | None:
    """Use the link once: a conditional UPDATE claims it, so of two simultaneous answers only one
    gets through (the unique survey_id on the answer is the second guard). None when the survey was
    already answered or has expired. Flush only."""
    now = utcnow()
    claimed = db.session.execute(
        update(Survey)
        .where(Survey.id == survey_id, Survey.used_at.is_(None), Survey.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    survey = db.session.get(Survey, survey_id)
    db.session.refresh(survey)
    return record_answer(survey.user, score, reason, source="survey", survey_id=survey.id,
                         satisfaction=satisfaction, wants_more=wants_more)
