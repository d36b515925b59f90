"""NPS pages for staff: the overview, the alert inbox, the follow-up list, the follow-ups of one answer
(its alert's and its upsell's) and the comments (app/nps/comments.py); the survey by link."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import nav_counts
from app.audit.services import record
from app.auth.models import ADMIN, MARKETER, SALES, Company, User
from app.dates import utcnow
from app.extensions import db, limiter
from app.htmx import redirect_to, render
from app.i18n import speak_to
from app.nps import comments, labels, stats
from app.nps import survey as surveys
from app.nps.access import can_see, visible_companies
from app.nps.forms import FollowUpForm, NpsScopeForm, UpsellForm
from app.nps.labels import PERIODS, period_labels
from app.nps.models import ALERT, CLOSED, CONTACTED, FOLLOW_UP_KINDS, OPEN, UPSELL, Alert, FollowUp, NpsResponse
from app.nps.services import close_follow_up
from app.nps.stats import Segments, segment_sums
from app.pagination import paginate
from app.security import public, public_form_limit, roles

bp = Blueprint("nps", __name__)
bp.add_url_rule("/nps/comments", "comments", comments.comments)
bp.add_url_rule("/nps/comments.csv", "comments_csv", comments.comments_csv)


@bp.route("/nps/answers/<int:response_id>", methods=["GET", "POST"])
@roles(MARKETER, SALES)
def follow_up(response_id: int):
    response = db.session.get(NpsResponse, response_id)
    if response is None or not can_see(current_user, response):
        abort(404)
    task = response.follow_up
    form = FollowUpForm(obj=task) if task and request.method == "GET" else FollowUpForm()
    if request.method == "POST":
        if task is None:
            abort(404)
        if not form.validate_on_submit():
            return render("nps/follow_up.html", response=response, task=task, form=form, status=422)
        note = (form.note.data or "").strip()  # None when the field was not posted at all
        if form.status.data == CLOSED:
            close_follow_up(task, current_user, note)
        else:
            task.status, task.note, task.closed_at = form.status.data, note, None
        record(current_user, f"nps_follow_up.{task.status}", task, summary=response.user.name)
        db.session.commit()
        flash(_("The follow-up is saved."), "success")
        return redirect_to(url_for("nps.follow_up", response_id=response.id))
    return render("nps/follow_up.html", response=response, task=task, form=form)


@bp.route("/nps/answers/<int:response_id>/upsell", methods=["GET", "POST"])
@roles(MARKETER, SALES)
def upsell(response_id: int):
    """The follow-up of a customer's interest in more services: contacted, then closed with an outcome."""
    response = db.session.get(NpsResponse, response_id)
    if response is None or response.upsell is None or not can_see(current_user, response):
        abort(404)
    task = response.upsell
    form = UpsellForm(obj=task) if request.method == "GET" else UpsellForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render("nps/upsell.html", response=response, task=task, form=form, status=422)
        note = (form.note.data or "").strip()
        if form.status.data == CLOSED:
            close_follow_up(task, current_user, note, form.outcome.data)
        else:
            task.status, task.note, task.closed_at, task.outcome = form.status.data, note, None, None
        record(current_user, f"nps_upsell.{task.status}", task, summary=response.user.name,
               outcome=task.outcome or "")
        db.session.commit()
        flash(_("The follow-up is saved."), "success")
        return redirect_to(url_for("nps.upsell", response_id=response.id))
    return render("nps/upsell.html", response=response, task=task, form=form)


# ---- Overview, alert inbox and follow-up list -------------------------------------------------

DEFAULT_PERIOD = "90"
TREND_MONTHS = 12
FOLLOW_UP_FILTERS = ("active", OPEN, CONTACTED, CLOSED)


def _visible(viewer, scope: NpsScopeForm | None = None) -> list:
    """Conditions that keep only the answers of companies this viewer may see (none for marketing and
    admins), narrowed to the company or account manager chosen in `scope`."""
    companies = visible_companies(viewer)
    found = [] if companies is None else [NpsResponse.company_id.in_(companies)]
    return found + (scope.conditions() if scope is not None else [])


@bp.route("/nps")
@roles(MARKETER, SALES)
def overview():
    period = request.args.get("period", DEFAULT_PERIOD)
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    now = utcnow()
    since = now - timedelta(days=PERIODS[period]) if PERIODS[period] else None
    scope = NpsScopeForm(formdata=request.args)
    scope.fill_choices(current_user)
    valid = scope.validate()

    def in_period(statement):
        statement = statement.where(*_visible(current_user, scope))
        return statement.where(NpsResponse.created_at >= since) if since is not None else statement

    # 1. The answers in the period, per segment.
    totals = Segments.of(db.session.execute(in_period(select(*segment_sums()))).one())

    # 2. Customers by their latest answer in the period (a window over each customer's answers).
    ranked = in_period(select(
        NpsResponse.category,
        func.row_number().over(
            partition_by=NpsResponse.user_id, order_by=(NpsResponse.created_at.desc(), NpsResponse.id.desc())
        ).label("rank"),
    )).subquery()
    latest = db.session.execute(select(*segment_sums(ranked.c.category)).where(ranked.c.rank == 1)).one()

    # 3. Per company (a page of them): counts and the latest answer; score from the counts.
    per_company = paginate(
        in_period(
            select(Company.id, Company.name, *segment_sums(), func.max(NpsResponse.created_at).label("latest"))
            .join(Company, Company.id == NpsResponse.company_id)
        ).group_by(Company.id, Company.name).order_by(Company.name, Company.id)
    )
    companies = []
    for row in per_company.items:
        counts = Segments.of(row)
        companies.append({"name": row.name, "promoters": counts.promoters, "passives": counts.passives,
                          "detractors": counts.detractors, "answers": counts.answers, "score": counts.score,
                          "latest": row.latest})

    # 4. The trend: the last twelve months, whatever the period.
    trend = stats.trend(stats.months(now, TREND_MONTHS), *_visible(current_user, scope))
    most_answers = max([entry["answers"] for entry in trend] + [1])

    return render(
        "nps/overview.html", period=period, periods=period_labels(), counts=totals.counts(), score=totals.score,
        answers=totals.answers, customers=Segments.of(latest).counts(), companies=companies, company_page=per_company,
        trend=trend, most_answers=most_answers, scope=scope, args={"period": period, **scope.args()},
        status=200 if valid else 422,
    )


def _alert_rows(statement):
    return statement.options(
        joinedload(Alert.response).joinedload(NpsResponse.user),
        joinedload(Alert.response).joinedload(NpsResponse.company),
        joinedload(Alert.response).joinedload(NpsResponse.follow_up),
        joinedload(Alert.recipient),
    )


@bp.route("/nps/alerts")
@roles(MARKETER, SALES)
def overview_alerts():
    may_see_all = current_user.role in (MARKETER, ADMIN)
    show_all = may_see_all and request.args.get("show") == "all"
    statement = select(Alert)
    if not show_all:
        statement = statement.where(Alert.recipient_id == current_user.id)
    alerts = paginate(_alert_rows(statement).order_by(Alert.created_at.desc(), Alert.id.desc()), scalars=True)
    unread_here = [alert.id for alert in alerts.items
                   if alert.recipient_id == current_user.id and alert.read_at is None]
    g.nps_unread = max(0, _unread_alerts(current_user.id) - len(unread_here))  # the header badge, after this visit
    response = render(
        "nps/alerts.html", alerts=alerts, show_all=show_all, may_see_all=may_see_all, now=utcnow(),
        args={"show": "all"} if show_all else {},
    )
    # Rendered first (the page still marks them "new"), then the listed alerts count as read.
    if unread_here:
        db.session.execute(
            update(Alert).where(Alert.id.in_(unread_here), Alert.read_at.is_(None)).values(read_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()  # a GET that commits: it records that these alerts were seen
    return response


@bp.route("/nps/alerts/read", methods=["POST"])
@roles(MARKETER, SALES)
def overview_alerts_read():
    db.session.execute(
        update(Alert).where(Alert.recipient_id == current_user.id, Alert.read_at.is_(None)).values(read_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    flash(_("All your alerts are marked as read."), "success")
    return redirect_to(url_for("nps.overview_alerts", **({"show": "all"} if request.form.get("show") == "all" else {})))


@bp.route("/nps/follow-ups")
@roles(MARKETER, SALES)
def overview_follow_ups():
    status = request.args.get("status", "active")
    if status not in FOLLOW_UP_FILTERS:
        status = "active"
    kind = request.args.get("kind", "")
    if kind not in FOLLOW_UP_KINDS:
        kind = ""
    now = utcnow()
    statement = select(FollowUp).join(NpsResponse, NpsResponse.id == FollowUp.response_id)
    if status == "active":
        statement = statement.where(FollowUp.status.in_((OPEN, CONTACTED)))
    else:
        statement = statement.where(FollowUp.status == status)
    if kind:
        statement = statement.where(FollowUp.kind == kind)
    if current_user.role not in (MARKETER, ADMIN):
        team = select(User.id).where(User.manager_id == current_user.id)
        statement = statement.where(or_(FollowUp.assignee_id == current_user.id, FollowUp.assignee_id.in_(team)))
    overdue_first = case((and_(FollowUp.status != CLOSED, FollowUp.due_at < now), 0), else_=1)
    tasks = paginate(
        statement.options(
            joinedload(FollowUp.response).joinedload(NpsResponse.user),
            joinedload(FollowUp.response).joinedload(NpsResponse.company),
            joinedload(FollowUp.assignee),
        ).order_by(overdue_first, FollowUp.due_at, FollowUp.id),
        scalars=True,
    )
    args = {name: value for name, value in (("status", status), ("kind", kind)) if value and value != "active"}
    return render(
        "nps/follow_ups.html", tasks=tasks, chosen_status=status, chosen_kind=kind, now=now, args=args,
        statuses={"active": _("Open and contacted"), OPEN: _("Open"), CONTACTED: _("Contacted"), CLOSED: _("Closed")},
        kinds={"": _("Alerts and more services"), ALERT: _("Alerts"), UPSELL: _("More services")},
    )


def _unread_alerts(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(Alert.id)).where(Alert.recipient_id == user_id, Alert.read_at.is_(None))
    ) or 0


nav_counts.register("nps_unread", (MARKETER, SALES, ADMIN), lambda user_id: select(func.count(Alert.id)).where(
    Alert.recipient_id == user_id, Alert.read_at.is_(None)).scalar_subquery())


@bp.app_context_processor
def _nps_badge():
    """`unread_nps_alerts()` for the header: read with the navigation's other counts, only when a staff
    page asks for it."""

    def unread_nps_alerts() -> int:
        if not current_user.is_authenticated or current_user.role not in (MARKETER, SALES, ADMIN):
            return 0
        if "nps_unread" not in g:
            g.nps_unread = nav_counts.nav_count("nps_unread", current_user)
        return g.nps_unread

    return {"unread_nps_alerts": unread_nps_alerts, "trigger_label": labels.trigger_label,
            "source_labels": labels.SOURCE_LABELS, "satisfaction_labels": labels.SATISFACTION_LABELS,
            "outcome_labels": labels.OUTCOME_LABELS, "kind_labels": labels.KIND_LABELS}


# --- The short survey by link: staff send it, the customer answers without signing in. ---------


# At most this many names in the "asked too recently" message (it lives in the session cookie).
_NAMES_SHOWN = 5


def _chosen_company_id() -> int | None:
    raw = request.values.get("company", "")
    return int(raw) if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 12 else None


def _names(people: list) -> str:
    names = ", ".join(p.name for p in people[:_NAMES_SHOWN])
    if len(people) > _NAMES_SHOWN:
        names = _("%(names)s and %(count)d more", names=names, count=len(people) - _NAMES_SHOWN)
    return names


@bp.route("/nps/surveys/new", methods=["GET", "POST"])
@roles(MARKETER, SALES)
def surveys_new():
    form = surveys.SurveySendForm() if request.method == "POST" else surveys.SurveySendForm(
        company=_chosen_company_id())
    company = form.fill_choices(current_user, _chosen_company_id())
    if request.method == "GET" or not form.validate_on_submit() or company is None:
        status = 422 if request.method == "POST" else 200
        return render("nps/survey_send.html", form=form, company=company, status=status)
    if form.customer.data == surveys.ALL:
        customers = surveys.active_customers(company)
    else:
        customers = [p for p in surveys.active_customers(company) if str(p.id) == form.customer.data]
    result = surveys.send_surveys(current_user, company, customers, form.occasion.data, form.days.data)
    db.session.commit()
    if result.sent:
        flash(_("The survey was sent to %(count)d customer(s) of %(company)s.", count=len(result.sent),
                company=company.name), "success")
    else:
        flash(_("No survey was sent."), "warning")
    if result.skipped:
        flash(_("Not sent to %(count)d customer(s), asked too recently: %(names)s.", count=len(result.skipped),
                names=_names(result.skipped)), "warning")
    return redirect_to(url_for("nps.surveys_new"))


def _survey_problem(problem: str):
    status = 404 if problem == surveys.INVALID else 410
    return render("nps/survey_problem.html", problem=problem, status=status)


@bp.route("/s/<token>", methods=["GET", "POST"])
@public
@limiter.limit(public_form_limit, methods=["POST"])
def survey(token: str):
    found, problem = surveys.survey_from_token(token)
    if found is not None:
        speak_to(found.user.locale)
    if problem:
        return _survey_problem(problem)
    form = surveys.SurveyAnswerForm()
    if not form.validate_on_submit():
        return render("nps/survey_answer.html", survey=found, form=form, token=token,
                      status=422 if form.is_submitted() else 200)
    try:
        answer = surveys.answer_survey(found.id, form.score.data, form.reason.data or "", form.satisfaction.data,
                                       form.wants_more.data == "yes")
        if answer is None:
            db.session.rollback()
            db.session.expire_all()
            found = db.session.get(surveys.Survey, found.id)
            return _survey_problem(surveys.USED if found is not None and found.used_at else surveys.EXPIRED)
        db.session.commit()
    except IntegrityError:  # the unique survey_id on the answer: someone else answered first
        db.session.rollback()
        return _survey_problem(surveys.USED)
    return render("nps/survey_thanks.html", survey=found, answer=answer)
