"""API resource: referrals. Entering one as "received" and moving its stage use the services the
sales pages use (app.referrals.entry, app.referrals.stages), so the guards, the milestone points
and the thank-you are the same."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.api.core import actor, page_of, problems, resource_blueprint, secured
from app.api.problems import ApiProblem
from app.api.schemas import ReferralCreate, ReferralFilters, ReferralSchema, StageChange, StageResult, page_schema
from app.audit.services import record
from app.auth.models import CUSTOMER, User
from app.extensions import db
from app.referrals import entry, stages
from app.referrals.intake import Introduction, ReferralRefused
from app.referrals.models import RECEIVED, Referee

blp = resource_blueprint("referrals", "referrals", "People customers introduced, and where each stands in the pipeline.")
ReferralPage = page_schema(ReferralSchema, "ReferralPage")
# Refusals that are about who the person is (already known, objected): a conflict, not bad input.
CONFLICTS = {"duplicate", "objected"}


def referral(referee: Referee) -> dict:
    return {
        "id": referee.id, "referrer_id": referee.referrer_id, "name": referee.name, "company": referee.company,
        "job_role": referee.job_role, "email": referee.email, "benefit": referee.benefit,
        "may_mention": referee.may_mention, "message_locale": referee.message_locale, "stage": referee.stage,
        "origin": referee.origin, "source": referee.source, "waiting_for_review": referee.flag is not None,
        "owner_id": referee.owner_id, "lost_reason": referee.lost_reason, "currency": referee.currency,
        "expected_value_cents": referee.expected_value_cents, "deal_value_cents": referee.deal_value_cents,
        "created_at": referee.created_at, "stage_changed_at": referee.stage_changed_at,
    }


def _referee(referee_id: int) -> Referee:
    referee = db.session.get(Referee, referee_id)
    if referee is None:
        raise ApiProblem(404)
    return referee


@blp.route("", methods=["GET"])
@blp.arguments(ReferralFilters, location="query")
@blp.response(200, ReferralPage)
@blp.doc(**secured("referrals"))
@problems(blp)
def list_referrals(args):
    """List referrals, oldest first."""
    statement = select(Referee)
    if args.get("stage"):
        statement = statement.where(Referee.stage == args["stage"])
    if args.get("origin"):
        statement = statement.where(Referee.origin == args["origin"])
    if args.get("owner_id"):
        statement = statement.where(Referee.owner_id == args["owner_id"])
    if args.get("updated_since"):
        statement = statement.where(Referee.stage_changed_at >= args["updated_since"])
    page = page_of(statement, Referee.id, args)
    return {"items": [referral(r) for r in page["items"]], "next_cursor": page["next_cursor"]}


@blp.route("/<int:referee_id>", methods=["GET"])
@blp.response(200, ReferralSchema)
@blp.doc(**secured("referrals"))
@problems(blp, 404)
def get_referral(referee_id: int):
    """One referral."""
    return referral(_referee(referee_id))


@blp.route("", methods=["POST"])
@blp.arguments(ReferralCreate)
@blp.response(201, ReferralSchema)
@blp.doc(**secured("referrals", write=True))
@problems(blp, 409)
def create_referral(data):
    """Enter a referral a customer gave (origin "received"). Refused as on the sales form: the customer's
    own address, domain or company, themselves (422), someone known already or who objected (409)."""
    referrer = db.session.get(User, data["referrer_id"])
    if referrer is None or referrer.role != CUSTOMER or not referrer.is_active:
        raise ApiProblem(422, slug="invalid", errors={"json": {"referrer_id": [_("Not an active customer.")]}})
    intro = Introduction(name=data["name"].strip(), company=data["company"].strip(), job_role=data["job_role"].strip(),
                         email=data["email"] or None, benefit=data["benefit"].strip(),
                         may_mention=data["may_mention"], message_locale=data["language"])
    try:
        referee = entry.enter_referral(actor(), referrer, intro, origin=RECEIVED)
    except ReferralRefused as exc:
        db.session.rollback()
        message = str(entry.refusal_for_staff(exc))
        if exc.code in CONFLICTS:
            raise ApiProblem(409, message, slug=exc.code) from None
        field = {"email": "email", "company": "company"}.get(exc.field, "name")
        raise ApiProblem(422, message, slug="refused", errors={"json": {field: [message]}}) from None
    record(actor(), "referral.entered", referee, summary=referee.name, origin=referee.origin, referrer=referrer.name)
    db.session.commit()
    return referral(referee), 201, {"Location": url_for(".get_referral", referee_id=referee.id)}


@blp.route("/<int:referee_id>/stage", methods=["POST"])
@blp.arguments(StageChange)
@blp.response(200, StageResult)
@blp.doc(**secured("referrals", write=True))
@problems(blp, 404, 409)
def move(data, referee_id: int):
    """Move a referral to another stage, as the pipeline does: milestone points for the referrer (once
    per stage), their thank-you, and after the first conversation the question how it went. Won needs
    `deal_value_cents`, lost a `lost_reason`. A move that someone else made first answers 409."""
    referee = _referee(referee_id)
    from_stage = data.get("from_stage") or referee.stage
    if data["stage"] == from_stage:
        raise ApiProblem(409, _("The referral is already at this stage."), slug="same-stage")
    try:
        awarded = stages.move(referee, data["stage"], actor(), from_stage=from_stage, note=data.get("note") or "",
                              lost_reason=(data.get("lost_reason") or "").strip(), follow_up_on=data.get("follow_up_on"),
                              deal_value_cents=data.get("deal_value_cents"),
                              expected_value_cents=data.get("expected_value_cents"))
    except stages.StageError as exc:
        db.session.rollback()
        if exc.reason == "moved":
            raise ApiProblem(409, _("Someone moved this referral in the meantime: read it again."), slug="moved") from None
        if exc.reason == "not_in_pipeline":
            raise ApiProblem(409, _("This referral waits for a check by sales and is not in the pipeline yet."),
                             slug="not-in-pipeline") from None
        raise ApiProblem(422, slug="invalid", errors={"json": {"stage": [exc.reason]}}) from None
    after = {"stage": referee.stage}
    after.update({k: f"{getattr(referee, f'{k}_cents') / 100:.2f}" for k in ("deal_value", "expected_value")
                  if getattr(referee, f"{k}_cents") is not None})
    record(actor(), f"referral.{referee.stage}", referee, summary=referee.name, before={"stage": from_stage}, after=after)
    db.session.commit()
    return {"referral": referral(referee), "points_awarded": sum(points for _stage, points in awarded)}
