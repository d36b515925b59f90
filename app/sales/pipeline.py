"""The referral pipeline (board and table), a referral's page and its stage moves, the review list
of flagged referrals, follow-ups due, and the CSV export."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, selectinload
from wtforms import DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app import dates
from app.audit.services import record
from app.auth.models import SALES, Company, User
from app.dates import utcnow
from app.extensions import db
from app.forms import Form, choices, strip
from app.htmx import redirect_to, render, wants_fragment
from app.journey.models import Submission
from app.nps.services import open_upsells
from app.pagination import paginate
from app.referrals import intake, links, stages
from app.referrals.models import FROM_SHARE, LOST, OPEN_STAGES, STAGES, Ask, Referee, ReferralEvent
from app.sales.ask_services import due_ask_follow_ups, mark_ask_follow_up_done
from app.sales.scope import Scope, in_scope, scope_of, visible_referrals
from app.security import roles
from app.spreadsheet import csv_download

bp = Blueprint("sales_pipeline", __name__, url_prefix="/sales")

BOARD_CARDS = 20  # per column; the table has them all
VIEWS = ("board", "table")

FLAG_LABELS = {
    "own_domain": _l("Signed up with an address at the referrer's own organisation"),
    "existing_customer": _l("Looks like an existing customer or contact"),
}


class MoveForm(Form):
    from_stage = HiddenField()
    to_stage = SelectField(_l("Move to"), choices=choices([(s, stages.STAGE_LABELS[s]) for s in STAGES]),
                           validators=[InputRequired(_l("Choose a stage."))])
    lost_reason = TextAreaField(_l("Why was it lost?"), filters=[strip], render_kw={"rows": 2},
                                validators=[Length(max=500, message=_l("Keep it to %(max)d characters."))])
    note = TextAreaField(_l("Note (optional)"), filters=[strip], render_kw={"rows": 2},
                         validators=[Length(max=2000, message=_l("Keep it to %(max)d characters."))])
    follow_up_on = DateField(_l("Next follow-up (optional)"), validators=[Optional()],
                             format="%Y-%m-%d")

    def validate_lost_reason(form, field):
        if form.to_stage.data == LOST and not field.data:
            raise ValidationError(_l("Say why it was lost: it helps the next introduction."))

    def validate_to_stage(form, field):
        if field.data == form.from_stage.data:
            raise ValidationError(_l("The referral is already at this stage."))

    def validate_follow_up_on(form, field):
        if field.data and not (date(2000, 1, 1) <= field.data <= date(2100, 1, 1)):
            raise ValidationError(_l("Choose a date between 2000 and 2100."))


class FlagForm(Form):
    reason = TextAreaField(_l("Reason (for a rejection)"), filters=[strip], render_kw={"rows": 2},
                           validators=[Length(max=500, message=_l("Keep it to %(max)d characters."))])


def _move_form(referee: Referee, formdata=None) -> MoveForm:
    form = MoveForm(formdata=formdata, from_stage=referee.stage)
    if formdata is None:
        following = STAGES[min(STAGES.index(referee.stage) + 1, len(STAGES) - 2)] if referee.stage in OPEN_STAGES else LOST
        form.to_stage.data = following
        form.follow_up_on.data = referee.follow_up_on
    return form


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
    stage = request.args.get("stage")
    return stage if stage in STAGES else None


# --- the pipeline -------------------------------------------------------------------------------

def _board_ids_statement(scope: Scope) -> Select:
    """The ids of up to BOARD_CARDS newest-moved referrals per stage."""
    ranked = visible_referrals(select(
        Referee.id.label("id"),
        func.row_number().over(partition_by=Referee.stage, order_by=(Referee.stage_changed_at.desc(), Referee.id.desc()))
        .label("rank"),
    ), scope).subquery()
    return select(ranked.c.id).where(ranked.c.rank <= BOARD_CARDS)


def _cards_statement(ids) -> Select:
    return (
        select(Referee).where(Referee.id.in_(ids))
        .join(User, User.id == Referee.referrer_id).outerjoin(Company, Company.id == User.company_id)
        .options(contains_eager(Referee.referrer).contains_eager(User.company))
        .order_by(Referee.stage_changed_at.desc(), Referee.id.desc())
    )


def board_statements(scope: Scope, card_ids: list[int]) -> list[tuple[str, Select]]:
    """The board's statements, named (the EXPLAIN tool prints them); the cards' ids come first,
    the cards (`card_ids`, what the first gave) are then loaded by id: a handful of primary-key
    lookups, not a join of every referral."""
    return [("card ids", _board_ids_statement(scope)), ("cards", _cards_statement(card_ids)),
            ("counts per stage", _counts_statement(scope)), ("waiting for a check", _review_count_statement(scope))]


def _counts_statement(scope: Scope) -> Select:
    return visible_referrals(select(Referee.stage, func.count(Referee.id)), scope).group_by(Referee.stage)


def _review_count_statement(scope: Scope) -> Select:
    return visible_referrals(select(func.count(Referee.id)), scope, in_pipeline=False).where(Referee.flag.is_not(None))


def _board(scope: Scope):
    """Up to BOARD_CARDS newest-moved cards per stage and the count per stage: three queries."""
    ids = list(db.session.scalars(_board_ids_statement(scope)))
    cards = list(db.session.scalars(_cards_statement(ids)).unique())
    counts = dict(db.session.execute(_counts_statement(scope)).all())
    columns = [(stage, [c for c in cards if c.stage == stage], counts.get(stage, 0)) for stage in STAGES]
    return columns, counts


def _table(scope: Scope):
    statement = visible_referrals(select(Referee), scope).outerjoin(Company, Company.id == User.company_id).options(
        contains_eager(Referee.referrer).contains_eager(User.company))
    if stage := _stage_filter():
        statement = statement.where(Referee.stage == stage)
    return paginate(statement.order_by(Referee.stage_changed_at.desc(), Referee.id.desc()), per_page=25, scalars=True)


def _render_pipeline(status: int = 200):
    view, scope = _view(), scope_of(current_user)
    context = dict(view=view, labels=stages.STAGE_LABELS, stage=_stage_filter(), move_form=_move_form,
                   today=dates.today(), review_count=db.session.scalar(_review_count_statement(scope)) or 0)
    if view == "board":
        context["columns"], context["counts"] = _board(scope)
    else:
        context["page"] = _table(scope)
        context["counts"] = dict(db.session.execute(_counts_statement(scope)).all())
    return render("sales/pipeline.html", status=status, **context)


@bp.route("/pipeline")
@roles(SALES)
def pipeline():
    return _render_pipeline()


@bp.route("/referrals/<int:referee_id>")
@roles(SALES)
def referral(referee_id: int):
    referee = _referee_or_404(referee_id, in_pipeline=False)
    return _render_referral(referee, _move_form(referee))


def _render_referral(referee: Referee, form: MoveForm, status: int = 200):
    events = list(db.session.scalars(
        select(ReferralEvent).where(ReferralEvent.referee_id == referee.id)
        .options(selectinload(ReferralEvent.by)).order_by(ReferralEvent.id)
    ))
    message = None
    if referee.source != FROM_SHARE:
        message = intake.approved_message(
            referee, share_link=links.share_link(referee.referrer, "email") if referee.route == "inbound" and not referee.message else None)
    points = stages.referral_points([referee.id], referee.referrer_id).get(referee.id, {})
    return render("sales/referral.html", referee=referee, form=form, events=events, message=message,
                  written_in=_written_in([referee]).get(referee.id),
                  labels=stages.STAGE_LABELS, points=points, flag_labels=FLAG_LABELS, status=status,
                  flag_form=FlagForm())


@bp.route("/referrals/<int:referee_id>/stage", methods=["POST"])
@roles(SALES)
def move(referee_id: int):
    referee = _referee_or_404(referee_id)
    form = _move_form(referee, formdata=request.form)
    back = request.form.get("back")
    if not form.validate():
        if back == "pipeline" and wants_fragment():
            flash(_("Not moved: %(errors)s", errors=" ".join(str(e) for errs in form.errors.values() for e in errs)), "error")
            return _render_pipeline(status=422)
        return _render_referral(referee, form, status=422)
    try:
        awarded = stages.move(referee, form.to_stage.data, current_user, from_stage=form.from_stage.data,
                              note=form.note.data or "", lost_reason=form.lost_reason.data or "",
                              follow_up_on=form.follow_up_on.data)
    except stages.StageError:
        db.session.rollback()
        flash(_("Someone moved this referral in the meantime. Here is where it stands now."), "warning")
        if back == "pipeline":
            return _render_pipeline(status=409) if wants_fragment() else redirect_to(url_for(".pipeline", view=_view()))
        return redirect_to(url_for(".referral", referee_id=referee_id))
    record(current_user, f"referral.{referee.stage}", referee, summary=referee.name,
           before={"stage": form.from_stage.data}, after={"stage": referee.stage})
    db.session.commit()
    points = sum(p for _s, p in awarded)
    if points:
        flash(_("Moved to %(stage)s. %(name)s earned %(points)d points and has been thanked.",
                stage=stages.STAGE_LABELS[referee.stage], name=referee.referrer.name, points=points), "success")
    else:
        flash(_("Moved to %(stage)s.", stage=stages.STAGE_LABELS[referee.stage]), "success")
    if back == "pipeline":
        if wants_fragment():
            return _render_pipeline()
        return redirect_to(url_for(".pipeline", view=_view()))
    return redirect_to(url_for(".referral", referee_id=referee.id))


@bp.route("/pipeline.csv")
@roles(SALES)
def pipeline_csv():
    rows = db.session.scalars(
        visible_referrals(select(Referee), current_user).outerjoin(Company, Company.id == User.company_id)
        .options(contains_eager(Referee.referrer).contains_eager(User.company))
        .order_by(Referee.created_at, Referee.id)
    )
    header = [_("Name"), _("Company"), _("Role"), _("Stage"), _("Referred by"), _("Referrer's company"),
              _("Source"), _("Introduced on"), _("Stage since"), _("Next follow-up"), _("Lost reason")]
    body = ([r.name, r.company, r.job_role, str(stages.STAGE_LABELS[r.stage]), r.referrer.name,
             r.referrer.company.name if r.referrer.company else "", r.source, r.created_at.date().isoformat(),
             r.stage_changed_at.date().isoformat(), r.follow_up_on.isoformat() if r.follow_up_on else "", r.lost_reason]
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
    upsells = open_upsells(current_user)
    return render("sales/follow_ups.html", referrals=referrals, asks=asks, upsells=upsells, now=utcnow(), today=today,
                  labels=stages.STAGE_LABELS)




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

