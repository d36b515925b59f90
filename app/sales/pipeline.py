"""The referral pipeline (board and table), a referral's page and its stage moves, the review list
of flagged referrals, follow-ups due, and the CSV export."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, selectinload

from app import dates
from app.audit.services import record
from app.auth.models import SALES, Company, User
from app.dates import utcnow
from app.extensions import db
from app.forms import Form
from app.htmx import redirect_to, render, wants_fragment
from app.journey.models import Submission
from app.nps.services import open_upsells
from app.pagination import paginate
from app.referrals import intake, links, stages
from app.referrals.entry import ENTERED_ROUTE, linked_referrals, open_yes_asks_statement
from app.referrals.models import FROM_SHARE, LOST, OPEN_STAGES, STAGES, Ask, Referee, ReferralEvent
from app.referrals.origin import ASK_LINK_DAYS
from app.sales.ask_services import due_ask_follow_ups, mark_ask_follow_up_done
from app.sales.pipeline_forms import (
    ORIGIN_LABELS,
    Filters,
    FlagForm,
    MoveForm,
    ReassignForm,
    ValueForm,
    money,
    move_form,
)
from app.sales.scope import Scope, in_scope, sales_users_statement, scope_of, visible_referrals
from app.security import roles
from app.spreadsheet import csv_download

bp = Blueprint("sales_pipeline", __name__, url_prefix="/sales")

BOARD_CARDS = 20  # per column; the table has them all
VIEWS = ("board", "table")

FLAG_LABELS = {
    "own_domain": _l("Signed up with an address at the referrer's own organisation"),
    "existing_customer": _l("Looks like an existing customer or contact"),
}


# --- scope --------------------------------------------------------------------------------------

def _referee_or_404(referee_id: int, *, in_pipeline: bool = True) -> Referee:
    referee = db.session.scalar(visible_referrals(select(Referee), current_user, in_pipeline=in_pipeline).where(Referee.id == referee_id))
    if referee is None:
        abort(404)
    return referee


def _written_in(referees: list[Referee]) -> dict[int, str]:
    """The language each referrer wrote their introduction in (their answer's), by referee id, in one query.
    A share-link sign-up wrote its own words, and old answers may not know it: those are left out."""
    ids = {r.submission_id for r in referees if r.submission_id and r.source != FROM_SHARE}
    if not ids:
        return {}
    locales = dict(db.session.execute(select(Submission.id, Submission.locale).where(Submission.id.in_(ids))).all())
    return {r.id: locales[r.submission_id] for r in referees if locales.get(r.submission_id)}


def _view() -> str:
    view = request.values.get("view", "board")
    return view if view in VIEWS else "board"


def _stage_filter() -> str | None:
    stage = request.values.get("stage")
    return stage if stage in STAGES else None


def _filters() -> Filters:
    return Filters.from_args(request.values)  # a move from the pipeline posts them along


def filtered(statement: Select, filters: Filters) -> Select:
    """`statement` (over referrals joined to their referrer) narrowed to the filters: a search in
    the referee's name and company and the referrer's name, an origin, an owner."""
    if filters.q:
        pattern = "%" + filters.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(or_(*(func.lower(column).like(pattern, escape="\\")
                                          for column in (Referee.name, Referee.company, User.name))))
    if filters.origin:
        statement = statement.where(Referee.origin == filters.origin)
    if filters.owner == "none":
        statement = statement.where(Referee.owner_id.is_(None))
    elif filters.owner:
        statement = statement.where(Referee.owner_id == int(filters.owner))
    return statement


# --- the pipeline -------------------------------------------------------------------------------

Owner = aliased(User, name="owner")
NO_FILTERS = Filters()


def _board_ids_statement(scope: Scope, filters: Filters = NO_FILTERS) -> Select:
    """The ids of up to BOARD_CARDS newest-moved referrals per stage."""
    ranked = filtered(visible_referrals(select(
        Referee.id.label("id"),
        func.row_number().over(partition_by=Referee.stage, order_by=(Referee.stage_changed_at.desc(), Referee.id.desc()))
        .label("rank"),
    ), scope), filters).subquery()
    return select(ranked.c.id).where(ranked.c.rank <= BOARD_CARDS)


def _with_people(statement: Select) -> Select:
    """Referrals (joined to their referrer) with the referrer's company and the owner loaded in the same statement."""
    return (statement.outerjoin(Company, Company.id == User.company_id).outerjoin(Owner, Owner.id == Referee.owner_id)
            .options(contains_eager(Referee.referrer).contains_eager(User.company), contains_eager(Referee.owner.of_type(Owner))))


def _cards_statement(ids) -> Select:
    return _with_people(select(Referee).where(Referee.id.in_(ids)).join(User, User.id == Referee.referrer_id)).order_by(
        Referee.stage_changed_at.desc(), Referee.id.desc())


def board_statements(scope: Scope, card_ids: list[int], filters: Filters = NO_FILTERS) -> list[tuple[str, Select]]:
    """The board's statements, named (the EXPLAIN tool prints them); the cards' ids come first,
    the cards (`card_ids`, what the first gave) are then loaded by id: a handful of primary-key
    lookups, not a join of every referral."""
    return [("card ids", _board_ids_statement(scope, filters)), ("cards", _cards_statement(card_ids)),
            ("counts per stage", _counts_statement(scope, filters)), ("waiting for a check", _review_count_statement(scope))]


def _counts_statement(scope: Scope, filters: Filters = NO_FILTERS) -> Select:
    return filtered(visible_referrals(select(Referee.stage, func.count(Referee.id)), scope), filters).group_by(Referee.stage)


def _review_count_statement(scope: Scope) -> Select:
    return visible_referrals(select(func.count(Referee.id)), scope, in_pipeline=False).where(Referee.flag.is_not(None))


def _board(scope: Scope, filters: Filters):
    """Up to BOARD_CARDS newest-moved cards per stage and the count per stage: three queries."""
    ids = list(db.session.scalars(_board_ids_statement(scope, filters)))
    cards = list(db.session.scalars(_cards_statement(ids)).unique())
    counts = dict(db.session.execute(_counts_statement(scope, filters)).all())
    columns = [(stage, [c for c in cards if c.stage == stage], counts.get(stage, 0)) for stage in STAGES]
    return columns, counts


def _table(scope: Scope, filters: Filters):
    statement = _with_people(filtered(visible_referrals(select(Referee), scope), filters))
    if stage := _stage_filter():
        statement = statement.where(Referee.stage == stage)
    return paginate(statement.order_by(Referee.stage_changed_at.desc(), Referee.id.desc()), per_page=25, scalars=True)


def _render_pipeline(status: int = 200):
    view, scope, filters = _view(), scope_of(current_user), _filters()
    context = dict(view=view, labels=stages.STAGE_LABELS, stage=_stage_filter(), move_form=move_form,
                   today=dates.today(), review_count=db.session.scalar(_review_count_statement(scope)) or 0,
                   filters=filters, origin_labels=ORIGIN_LABELS, owners=list(db.session.scalars(sales_users_statement(scope))))
    if view == "board":
        context["columns"], context["counts"] = _board(scope, filters)
    else:
        context["page"] = _table(scope, filters)
        context["counts"] = dict(db.session.execute(_counts_statement(scope, filters)).all())
    return render("sales/pipeline.html", status=status, **context)


@bp.route("/pipeline")
@roles(SALES)
def pipeline():
    return _render_pipeline()


@bp.route("/referrals/<int:referee_id>")
@roles(SALES)
def referral(referee_id: int):
    referee = _referee_or_404(referee_id, in_pipeline=False)
    return render_referral(referee, move_form(referee))


def render_referral(referee: Referee, form: MoveForm, status: int = 200, reassign_form: ReassignForm | None = None,
                    value_form: ValueForm | None = None):
    events = list(db.session.scalars(
        select(ReferralEvent).where(ReferralEvent.referee_id == referee.id)
        .options(selectinload(ReferralEvent.by)).order_by(ReferralEvent.id)
    ))
    message = None
    if referee.source != FROM_SHARE and referee.route != ENTERED_ROUTE:
        message = intake.approved_message(
            referee, share_link=links.share_link(referee.referrer, "email") if referee.route == "inbound" and not referee.message else None)
    points = stages.referral_points([referee.id], referee.referrer_id).get(referee.id, {})
    owners = list(db.session.scalars(sales_users_statement(current_user)))
    if reassign_form is None:
        reassign_form = ReassignForm(owners, formdata=None, owner=str(referee.owner_id or current_user.id))
    ask = db.session.get(Ask, referee.ask_id) if referee.ask_id else None
    if value_form is None:
        value_form = ValueForm(referee.stage, formdata=None, expected_value=referee.expected_value_cents,
                               deal_value=referee.deal_value_cents)
    return render("sales/referral.html", referee=referee, form=form, events=events, message=message,
                  written_in=_written_in([referee]).get(referee.id), ask=ask, origin_labels=ORIGIN_LABELS,
                  labels=stages.STAGE_LABELS, points=points, flag_labels=FLAG_LABELS, status=status,
                  flag_form=FlagForm(), reassign_form=reassign_form, value_form=value_form, money=money)


def _back_to_pipeline():
    return redirect_to(url_for(".pipeline", view=_view(), **_filters().args()))


@bp.route("/referrals/<int:referee_id>/stage", methods=["POST"])
@roles(SALES)
def move(referee_id: int):
    referee = _referee_or_404(referee_id)
    form = move_form(referee, formdata=request.form)
    back = request.form.get("back")
    if not form.validate():
        if back == "pipeline" and wants_fragment():
            flash(_("Not moved: %(errors)s", errors=" ".join(str(e) for errs in form.errors.values() for e in errs)), "error")
            return _render_pipeline(status=422)
        return render_referral(referee, form, status=422)
    try:
        awarded = stages.move(referee, form.to_stage.data, current_user, from_stage=form.from_stage.data,
                              note=form.note.data or "", lost_reason=form.lost_reason.data or "",
                              follow_up_on=form.follow_up_on.data, deal_value_cents=form.deal_value.data,
                              expected_value_cents=form.expected_value.data)
    except stages.StageError:
        db.session.rollback()
        flash(_("Someone moved this referral in the meantime. Here is where it stands now."), "warning")
        if back == "pipeline":
            return _render_pipeline(status=409) if wants_fragment() else _back_to_pipeline()
        return redirect_to(url_for(".referral", referee_id=referee_id))
    after = {"stage": referee.stage}
    after.update({k: _euros(getattr(referee, f"{k}_cents")) for k in ("deal_value", "expected_value")
                  if getattr(referee, f"{k}_cents") is not None})
    record(current_user, f"referral.{referee.stage}", referee, summary=referee.name,
           before={"stage": form.from_stage.data}, after=after)
    db.session.commit()
    points = sum(p for _s, p in awarded)
    if points:
        flash(_("Moved to %(stage)s. %(name)s earned %(points)d points and has been thanked.",
                stage=stages.STAGE_LABELS[referee.stage], name=referee.referrer.name, points=points), "success")
    else:
        flash(_("Moved to %(stage)s.", stage=stages.STAGE_LABELS[referee.stage]), "success")
    if back == "pipeline":
        return _render_pipeline() if wants_fragment() else _back_to_pipeline()
    return redirect_to(url_for(".referral", referee_id=referee.id))


def _euros(cents: int | None) -> str:
    return f"{cents / 100:.2f}" if cents is not None else ""


@bp.route("/pipeline.csv")
@roles(SALES)
def pipeline_csv():
    rows = db.session.scalars(
        _with_people(filtered(visible_referrals(select(Referee), current_user), _filters()))
        .order_by(Referee.created_at, Referee.id)
    )
    header = [_("Name"), _("Company"), _("Role"), _("Stage"), _("Referred by"), _("Referrer's company"),
              _("Source"), _("Introduced on"), _("Stage since"), _("Next follow-up"), _("Lost reason"),
              _("Origin"), _("Owner"), _("Currency"), _("Expected value"), _("Deal value")]
    body = ([r.name, r.company, r.job_role, str(stages.STAGE_LABELS[r.stage]), r.referrer.name,
             r.referrer.company.name if r.referrer.company else "", r.source, r.created_at.date().isoformat(),
             r.stage_changed_at.date().isoformat(), r.follow_up_on.isoformat() if r.follow_up_on else "", r.lost_reason,
             str(ORIGIN_LABELS.get(r.origin, r.origin)), r.owner.name if r.owner else "", r.currency,
             _euros(r.expected_value_cents), _euros(r.deal_value_cents)]
            for r in rows)
    return csv_download(header, body, f"referral-pipeline-{dates.today().isoformat()}.csv")


# --- review list of flagged referrals -----------------------------------------------------------

def _render_review(form: FlagForm | None = None, form_for: int | None = None, status: int = 200):
    page = paginate(
        visible_referrals(select(Referee), current_user, in_pipeline=False).where(Referee.flag.is_not(None), Referee.stage != LOST)
        .outerjoin(Company, Company.id == User.company_id)
        .options(contains_eager(Referee.referrer).contains_eager(User.company))
        .order_by(Referee.created_at, Referee.id), per_page=25, scalars=True,
    )
    return render("sales/review.html", page=page, flag_labels=FLAG_LABELS, form=form, form_for=form_for,
                  written_in=_written_in(page.items), status=status)


@bp.route("/review")
@roles(SALES)
def review():
    return _render_review()


def _flagged_or_404(referee_id: int) -> Referee:
    referee = _referee_or_404(referee_id, in_pipeline=False)
    if referee.flag is None or referee.stage == LOST:
        abort(404)
    return referee


@bp.route("/referrals/<int:referee_id>/clear", methods=["POST"])
@roles(SALES)
def clear(referee_id: int):
    referee = _flagged_or_404(referee_id)
    form = FlagForm()
    if not form.validate_on_submit():
        return _render_review(form, referee.id, status=422)
    stages.clear_flag(referee, current_user)
    record(current_user, "referral.flag_cleared", referee, summary=referee.name)
    db.session.commit()
    flash(_("%(name)s is in the pipeline now.", name=referee.name), "success")
    return redirect_to(url_for(".review"))


@bp.route("/referrals/<int:referee_id>/reject", methods=["POST"])
@roles(SALES)
def reject(referee_id: int):
    referee = _flagged_or_404(referee_id)
    form = FlagForm()
    valid = form.validate_on_submit()
    if valid and not form.reason.data:
        form.reason.errors = [_("Say why you reject it.")]
        valid = False
    if not valid:
        return _render_review(form, referee.id, status=422)
    stages.reject_flagged(referee, current_user, form.reason.data)
    record(current_user, "referral.flag_rejected", referee, summary=referee.name)
    db.session.commit()
    flash(_("The referral of %(name)s is rejected.", name=referee.name), "success")
    return redirect_to(url_for(".review"))


# --- follow-ups ---------------------------------------------------------------------------------

@bp.route("/follow-ups")
@roles(SALES)
def follow_ups():
    today = dates.today()  # the same day the ask follow-ups use
    referrals = list(db.session.scalars(
        visible_referrals(select(Referee), current_user).where(Referee.follow_up_on.is_not(None), Referee.follow_up_on <= today,
                                        Referee.stage.in_(OPEN_STAGES))
        .outerjoin(Company, Company.id == User.company_id)
        .options(contains_eager(Referee.referrer).contains_eager(User.company))
        .order_by(Referee.follow_up_on, Referee.id).limit(200)
    ))
    asks = due_ask_follow_ups(current_user, today)
    promised = list(db.session.scalars(open_yes_asks_statement(current_user, today)).unique())
    upsells = open_upsells(current_user)
    return render("sales/follow_ups.html", referrals=referrals, asks=asks, upsells=upsells, now=utcnow(), today=today,
                  labels=stages.STAGE_LABELS, promised=promised, linked=linked_referrals([a.id for a in asks]),
                  promised_days=ASK_LINK_DAYS)




@bp.route("/follow-ups/asks/<int:ask_id>/done", methods=["POST"])
@roles(SALES)
def ask_follow_up_done(ask_id: int):
    ask = db.session.scalar(
        select(Ask).join(User, User.id == Ask.customer_id)
        .where(Ask.id == ask_id, in_scope(User.company_id, current_user))
    )
    if ask is None:
        abort(404)
    if not Form().validate_on_submit():
        flash(_("This form has expired. Submit it again."), "error")
        return redirect_to(url_for(".follow_ups"))
    mark_ask_follow_up_done(ask, current_user)
    record(current_user, "sales_ask.follow_up_done", ask)
    db.session.commit()
    flash(_("Follow-up with %(name)s done.", name=ask.customer.name), "success")
    return redirect_to(url_for(".follow_ups"))

