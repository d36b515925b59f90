"""API resource: the points ledger (read) and corrections (through app.points.corrections, as marketing's form)."""
from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.api.core import actor, page_of, problems, resource_blueprint, secured
from app.api.problems import ApiProblem
from app.api.schemas import CorrectionCreate, CorrectionResult, LedgerEntrySchema, LedgerFilters, page_schema
from app.auth.models import CUSTOMER, User
from app.extensions import db
from app.points.corrections import BELOW_ZERO, CorrectionError, correct_points
from app.points.models import CORRECTION, PointsEntry

blp = resource_blueprint("points", "points", "The points ledger: every award and spend, and corrections.")
LedgerPage = page_schema(LedgerEntrySchema, "LedgerPage")


@blp.route("", methods=["GET"])
@blp.arguments(LedgerFilters, location="query")
@blp.response(200, LedgerPage)
@blp.doc(**secured("points"))
@problems(blp)
def list_entries(args):
    """List ledger rows, oldest first. The balance of a customer is the sum of their rows."""
    statement = select(PointsEntry)
    if args.get("user_id"):
        statement = statement.where(PointsEntry.user_id == args["user_id"])
    if args.get("since"):
        statement = statement.where(PointsEntry.created_at >= args["since"])
    return page_of(statement, PointsEntry.id, args)


@blp.route("/corrections", methods=["POST"])
@blp.arguments(CorrectionCreate)
@blp.response(201, CorrectionResult)
@blp.doc(**secured("points", write=True))
@problems(blp)
def correct(data):
    """Correct a customer's points (negative to take away) with a reason they read. Never below a zero
    balance (422). The same `request_key` corrects once."""
    customer = db.session.get(User, data["user_id"])
    if customer is None or customer.role != CUSTOMER:
        raise ApiProblem(422, slug="invalid", errors={"json": {"user_id": [_("Not a customer.")]}})
    key = data.get("request_key") or secrets.token_hex(16)
    try:
        correction = correct_points(customer, actor(), data["points"], data["reason"].strip(), f"api:{key}")
    except CorrectionError as exc:
        db.session.rollback()
        message = (_("That would take the balance below zero: it is %(balance)d.", balance=exc.balance)
                   if exc.reason == BELOW_ZERO else _("A correction of 0 points changes nothing."))
        raise ApiProblem(422, message, slug="invalid", errors={"json": {"points": [message]}}) from None
    db.session.commit()
    entry = db.session.scalar(select(PointsEntry).where(PointsEntry.source_type == CORRECTION,
                                                        PointsEntry.source_id == correction.id))
    balance = db.session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0))
                                .where(PointsEntry.user_id == customer.id))
    return {"correction_id": correction.id, "entry": entry, "balance": int(balance)}
