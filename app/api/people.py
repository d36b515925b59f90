"""API resources: participants (list, get, invite, change language and company) and companies (list,
get, hand to another account manager). Each write goes through the service the admin pages use."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.api.core import actor, page_of, problems, resource_blueprint, secured
from app.api.problems import ApiProblem
from app.api.schemas import (
    CompanyFilters,
    CompanySchema,
    CompanyUpdate,
    ParticipantCreate,
    ParticipantFilters,
    ParticipantSchema,
    ParticipantUpdate,
    page_schema,
)
from app.auth.models import CUSTOMER, Company, User, normalise_email
from app.auth.services import AccountError
from app.extensions import db
from app.participants import accounts
from app.participants.companies import CompanyError, set_account_manager
from app.participants.directory import Columns
from app.participants.profile import update_participant

participants = resource_blueprint("participants", "participants", "Customers in the programme.")
companies = resource_blueprint("companies", "companies", "The companies customers belong to.")

ParticipantPage = page_schema(ParticipantSchema, "ParticipantPage")
CompanyPage = page_schema(CompanySchema, "CompanyPage")


def _level():
    return Columns().level.label("level")


def _participant(user: User, level: int) -> dict:
    return {"id": user.id, "name": user.name, "email": user.email, "locale": user.locale, "company_id": user.company_id,
            "level": int(level or 1), "is_active": user.is_active, "invited_at": user.invited_at,
            "created_at": user.created_at, "updated_at": user.updated_at}


def _customer_row(user_id: int):
    row = db.session.execute(select(User, _level()).where(User.id == user_id, User.role == CUSTOMER)).first()
    if row is None:
        raise ApiProblem(404)
    return row


def _company(company_id: int, field: str = "company_id") -> Company:
    company = db.session.get(Company, company_id)
    if company is None:
        raise ApiProblem(422, slug="invalid", errors={"json": {field: [_("No company with this id.")]}})
    return company


@participants.route("", methods=["GET"])
@participants.arguments(ParticipantFilters, location="query")
@participants.response(200, ParticipantPage)
@participants.doc(**secured("participants"))
@problems(participants)
def list_participants(args):
    """List participants (customers), oldest first."""
    level = Columns().level
    statement = select(User, level.label("level")).where(User.role == CUSTOMER)
    if args.get("company_id"):
        statement = statement.where(User.company_id == args["company_id"])
    if args.get("level"):
        statement = statement.where(level == args["level"])
    if args.get("language"):
        statement = statement.where(User.locale == args["language"])
    if args.get("updated_since"):
        statement = statement.where(User.updated_at >= args["updated_since"])
    page = page_of(statement, User.id, args, scalars=False)
    return {"items": [_participant(user, lvl) for user, lvl in page["items"]], "next_cursor": page["next_cursor"]}


@participants.route("/<int:user_id>", methods=["GET"])
@participants.response(200, ParticipantSchema)
@participants.doc(**secured("participants"))
@problems(participants, 404)
def get_participant(user_id: int):
    """One participant."""
    return _participant(*_customer_row(user_id))


@participants.route("", methods=["POST"])
@participants.arguments(ParticipantCreate)
@participants.response(201, ParticipantSchema)
@participants.doc(**secured("participants", write=True))
@problems(participants, 409)
def create_participant(data):
    """Invite a participant: the account is made and the invitation e-mail sent, as from the admin page."""
    company = _company(data["company_id"])
    if User.by_email(data["email"]) is not None:
        raise ApiProblem(409, _("There is already an account with this e-mail address."), slug="taken")
    try:
        user = accounts.invite_participant(actor(), data["email"], data["name"].strip() or data["email"],
                                           data["language"], company)
        db.session.commit()
    except (AccountError, IntegrityError):
        db.session.rollback()
        if User.by_email(normalise_email(data["email"])) is not None:
            raise ApiProblem(409, _("There is already an account with this e-mail address."), slug="taken") from None
        raise ApiProblem(422, slug="invalid", errors={"json": {"email": [_("Not a usable e-mail address.")]}}) from None
    return _participant(*_customer_row(user.id)), 201, {"Location": url_for(".get_participant", user_id=user.id)}


@participants.route("/<int:user_id>", methods=["PATCH"])
@participants.arguments(ParticipantUpdate)
@participants.response(200, ParticipantSchema)
@participants.doc(**secured("participants", write=True))
@problems(participants, 404)
def update(data, user_id: int):
    """Change a participant's language and/or company."""
    user, _level_now = _customer_row(user_id)
    company = _company(data["company_id"]) if data.get("company_id") else user.company
    if company is None:
        raise ApiProblem(422, slug="invalid", errors={"json": {"company_id": [_("Give the participant a company.")]}})
    update_participant(actor(), user, user.name, company, data.get("language") or user.locale)
    db.session.commit()
    return _participant(*_customer_row(user_id))


# --- companies ------------------------------------------------------------------------------------

@companies.route("", methods=["GET"])
@companies.arguments(CompanyFilters, location="query")
@companies.response(200, CompanyPage)
@companies.doc(**secured("companies"))
@problems(companies)
def list_companies(args):
    """List companies, oldest first."""
    statement = select(Company)
    if args.get("account_manager_id"):
        statement = statement.where(Company.account_manager_id == args["account_manager_id"])
    return page_of(statement, Company.id, args)


@companies.route("/<int:company_id>", methods=["GET"])
@companies.response(200, CompanySchema)
@companies.doc(**secured("companies"))
@problems(companies, 404)
def get_company(company_id: int):
    """One company."""
    company = db.session.get(Company, company_id)
    if company is None:
        raise ApiProblem(404)
    return company


@companies.route("/<int:company_id>", methods=["PATCH"])
@companies.arguments(CompanyUpdate)
@companies.response(200, CompanySchema)
@companies.doc(**secured("companies", write=True))
@problems(companies, 404)
def set_manager(data, company_id: int):
    """Hand the company to another account manager (an active sales user), with its open work."""
    company = db.session.get(Company, company_id)
    if company is None:
        raise ApiProblem(404)
    manager = db.session.get(User, data["account_manager_id"])
    try:
        if manager is None:
            raise CompanyError(_("No user with this id."))
        set_account_manager(actor(), company, manager)
    except CompanyError as exc:
        db.session.rollback()
        raise ApiProblem(422, str(exc), slug="invalid",
                         errors={"json": {"account_manager_id": [str(exc)]}}) from None
    db.session.commit()
    return db.session.get(Company, company_id)
