"""A referral sales were given (by phone, in a meeting, after an ask), entered for the customer it
came from: choosing the customer, the form, and giving a referral to another owner."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from app.audit.services import record
from app.auth.models import CUSTOMER, SALES, Company, User
from app.extensions import db
from app.htmx import redirect_to, render
from app.pagination import paginate
from app.referrals import entry
from app.referrals.intake import Introduction, ReferralRefused
from app.referrals.models import ASKED, OPPORTUNITY, WON, Ask, Referee
from app.sales import pipeline as pipeline_views
from app.sales.ask_services import customer_in_scope
from app.sales.pipeline_forms import (
    ORIGIN_LABELS,
    EnteredReferralForm,
    ReassignForm,
    ValueForm,
    move_form,
    search_text,
)
from app.sales.scope import in_scope, sales_users_statement, visible_referrals
from app.security import roles

bp = Blueprint("sales_referrals", __name__, url_prefix="/sales")

PER_PAGE = 25


@bp.route("/referrals/new")
@roles(SALES)
def choose_customer():
    """"Add a referral" from the pipeline: first which customer gave it (only the viewer's accounts)."""
    q = search_text(request.args.get("q"))
    statement = (
        select(User).join(Company, Company.id == User.company_id).options(contains_eager(User.company))
        .where(User.role == CUSTOMER, User.is_active.is_(True), in_scope(User.company_id, current_user))
    )
    if q:
        pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(or_(func.lower(User.name).like(pattern, escape="\\"),
                                        func.lower(Company.name).like(pattern, escape="\\")))
    page = paginate(statement.order_by(User.name, User.id), per_page=PER_PAGE, scalars=True)
    return render("sales/choose_customer.html", page=page, q=q)


def _form_page(customer: User, form: EnteredReferralForm, status: int = 200, ask: Ask | None = None):
    return render("sales/enter_referral.html", customer=customer, form=form, status=status, ask=ask)


@bp.route("/customers/<int:customer_id>/referral", methods=["GET", "POST"])
@roles(SALES)
def new(customer_id: int):
    customer = customer_in_scope(current_user, customer_id)
    if customer is None:
        abort(404)
    asks = entry.yes_asks(customer.id)
    if request.method == "GET":
        form = EnteredReferralForm(asks, formdata=None, message_locale=customer.locale or "nl")
        wanted = request.args.get("ask", "")
        if wanted in form.ask_ids:  # "record the introduction" from an ask: asked, and that ask
            form.ask.data, form.origin.data = wanted, ASKED
        return _form_page(customer, form)
    form = EnteredReferralForm(asks)
    if not form.validate_on_submit():
        return _form_page(customer, form, status=422)
    intro = Introduction(name=form.name.data, company=form.company.data, job_role=form.role.data or "",
                         email=form.email.data or None, benefit=form.benefit.data, may_mention=bool(form.may_mention.data),
                         message_locale=form.message_locale.data)
    try:
        referee = entry.enter_referral(current_user, customer, intro, origin=form.origin.data, ask_id=form.ask_id)
    except ReferralRefused as exc:
        db.session.rollback()
        customer = customer_in_scope(current_user, customer_id)
        field = getattr(form, {"company": "company", "email": "email"}.get(exc.field, "name"))
        field.errors = [*field.errors, str(entry.refusal_for_staff(exc))]
        return _form_page(customer, form, status=422)
    record(current_user, "referral.entered", referee, summary=referee.name, origin=referee.origin,
           referrer=customer.name)
    db.session.commit()
    if referee.flag:
        flash(_("The referral of %(name)s is saved. It waits on the list to check before it enters the pipeline.",
                name=referee.name), "warning")
        return redirect_to(url_for("sales_pipeline.review"))
    flash(_("The referral of %(name)s from %(customer)s is in the pipeline (%(origin)s).", name=referee.name,
            customer=customer.name, origin=ORIGIN_LABELS[referee.origin]), "success")
    return redirect_to(url_for("sales_pipeline.referral", referee_id=referee.id))


def _referee_or_404(referee_id: int, *, in_pipeline: bool) -> Referee:
    referee = db.session.scalar(visible_referrals(select(Referee), current_user, in_pipeline=in_pipeline)
                                .where(Referee.id == referee_id))
    if referee is None:
        abort(404)
    return referee


def _euros(cents: int | None) -> str:
    return f"{cents / 100:.2f}" if cents is not None else ""


@bp.route("/referrals/<int:referee_id>/value", methods=["POST"])
@roles(SALES)
def value(referee_id: int):
    """The expected value of an opportunity, or the values of a won referral, without moving it."""
    referee = _referee_or_404(referee_id, in_pipeline=True)
    if referee.stage not in (OPPORTUNITY, WON):
        abort(404)  # nothing to value before the opportunity; a lost one has no value
    form = ValueForm(referee.stage)
    if not form.validate_on_submit():
        return pipeline_views.render_referral(referee, move_form(referee), status=422, value_form=form)
    before = {k: _euros(getattr(referee, f"{k}_cents")) for k in ("expected_value", "deal_value")}
    if not entry.set_values(referee, expected_value_cents=form.expected_value.data, deal_value_cents=form.deal_value.data):
        db.session.rollback()
        flash(_("Someone moved this referral in the meantime. Here is where it stands now."), "warning")
        return redirect_to(url_for("sales_pipeline.referral", referee_id=referee_id))
    after = {k: _euros(getattr(referee, f"{k}_cents")) for k in ("expected_value", "deal_value")}
    record(current_user, "referral.value", referee, summary=referee.name,
           before={k: v for k, v in before.items() if v != after[k]}, after={k: v for k, v in after.items() if v != before[k]})
    db.session.commit()
    flash(_("The values of %(name)s are saved.", name=referee.name), "success")
    return redirect_to(url_for("sales_pipeline.referral", referee_id=referee.id, _anchor="values"))


@bp.route("/referrals/<int:referee_id>/owner", methods=["POST"])
@roles(SALES)
def reassign(referee_id: int):
    referee = _referee_or_404(referee_id, in_pipeline=False)
    owners = list(db.session.scalars(sales_users_statement(current_user)))
    form = ReassignForm(owners)
    if not form.validate_on_submit():
        return pipeline_views.render_referral(referee, move_form(referee), status=422, reassign_form=form)
    owner = next(u for u in owners if str(u.id) == form.owner.data)
    before = referee.owner.name if referee.owner else ""
    if entry.reassign(referee, owner):
        record(current_user, "referral.owner", referee, summary=referee.name, before={"owner": before},
               after={"owner": owner.name})
        db.session.commit()
        flash(_("%(owner)s now owns the referral of %(name)s.", owner=owner.name, name=referee.name), "success")
    else:
        flash(_("%(owner)s owns it already.", owner=owner.name), "info")
    return redirect_to(url_for("sales_pipeline.referral", referee_id=referee.id, _anchor="owner"))
