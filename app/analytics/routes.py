"""The analytics dashboard (/admin/analytics) and a CSV of each of its tables.

Marketing and admins may read it, and so may sales managers (sales users who manage someone);
customers and other sales users get 403.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace

from flask import Blueprint, abort, request
from flask_babel import format_date, format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app import dates
from app.analytics import charts, economics_csv, services
from app.analytics.funnel import SORT_KEYS
from app.analytics.periods import Period
from app.auth.models import MARKETER, SALES
from app.htmx import render
from app.i18n_content import localized
from app.sales.scope import is_manager
from app.security import roles
from app.spreadsheet import csv_download

bp = Blueprint("analytics", __name__)

DEFAULT_DAYS = 30
MAX_DAYS = 5 * 366  # five years
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
DIRECTIONS = ("asc", "desc")
FIGURES = ("participation", "funnel", "challenges", "stages", "channels", "nps", "accounts", "rewards",
           *economics_csv.FIGURES)


def may_read(user) -> bool:
    """Marketing and admins always; a sales user only when someone has them as manager."""
    return user.role != SALES or is_manager(user)


@bp.app_context_processor
def _analytics_link() -> dict:
    """For the navigation: whether the signed-in person may open the dashboard (asked lazily)."""
    return {"may_read_analytics": lambda: bool(current_user.is_authenticated and current_user.is_staff
                                                and may_read(current_user))}


@dataclass
class Choice:
    """What the period form asked for, as typed (kept on errors), and what it means."""

    start: str
    end: str
    sort: str
    direction: str
    period: Period | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def descending(self) -> bool:
        return self.direction == "desc"

    def args(self, **changes) -> dict[str, str]:
        values = {"start": self.start, "end": self.end, "sort": self.sort, "dir": self.direction}
        values.update(changes)
        return values


def _text(name: str, default: str) -> str:
    value = request.args.get(name)
    return default if value is None else value.replace("\x00", "").strip()[:40]


def _date(value: str) -> date | None:
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return None
    return parsed if len(value) == 10 else None


def read_choice() -> Choice:
    today = dates.today()
    choice = Choice(
        start=_text("start", (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat()),
        end=_text("end", today.isoformat()),
        sort=_text("sort", "level"),
        direction=_text("dir", "asc"),
    )
    start, end = _date(choice.start), _date(choice.end)
    for name, value in (("start", start), ("end", end)):
        typed = getattr(choice, name)
        if value is None and typed:
            # A browser's date field cannot show what is not a date: say what was typed.
            choice.errors[name] = _("“%(value)s” is not a date. Enter a date as year-month-day, for example "
                                    "%(example)s.", value=typed, example=today.isoformat())
        elif value is None:
            choice.errors[name] = _("Enter a date as year-month-day, for example %(example)s.",
                                    example=today.isoformat())
        elif not EARLIEST <= value <= LATEST:
            choice.errors[name] = _("Enter a date between %(first)s and %(last)s.",
                                    first=format_date(EARLIEST), last=format_date(LATEST))
    if not choice.errors and end < start:
        choice.errors["end"] = _("The end date is before the start date.")
    elif not choice.errors and (end - start).days + 1 > MAX_DAYS:
        choice.errors["end"] = _("Choose a period of at most five years.")
    if choice.sort not in SORT_KEYS or choice.direction not in DIRECTIONS:
        choice.errors["sort"] = _("The challenges can only be sorted by one of the table's columns.")
    if not choice.errors:
        choice.period = Period(start, end)
    return choice


# --- Formatting for the active locale ----------------------------------------------------------

def percent(value) -> str:
    return "–" if value is None else format_percent(value, "#,##0.#%")


def number(value) -> str:
    return "–" if value is None else format_decimal(value)


def days(value) -> str:
    return "–" if value is None else format_decimal(value, "#,##0.#")


@bp.app_template_filter("analytics_percent")
def _percent_filter(value) -> str:
    return percent(value)


@bp.app_template_filter("analytics_number")
def _number_filter(value) -> str:
    return number(value)


@bp.app_template_filter("analytics_days")
def _days_filter(value) -> str:
    return days(value)


@bp.app_template_filter("analytics_times")
def _times_filter(value) -> str:
    return economics_csv.times(value)


# --- Labels -------------------------------------------------------------------------------------

def stage_labels() -> dict[str, str]:
    return {"new": _("New"), "contacted": _("Contacted"), "meeting": _("Meeting"),
            "opportunity": _("Opportunity"), "won": _("Won"), "lost": _("Lost")}


def channel_labels() -> dict[str, str]:
    return {"email": _("E-mail"), "linkedin": "LinkedIn", "whatsapp": "WhatsApp", "qr": _("QR code"),
            "other": _("Other")}


def kind_labels() -> dict[str, str]:
    return {"recognition": _("Recognition"), "exclusive_access": _("Exclusive access"), "donation": _("Donation"),
            "event_seat": _("Event seat"), "early_access": _("Early access"), "merchandise": _("Merchandise"),
            "gift_card": _("Gift card"), "discount": _("Discount")}


def level_name(level: dict) -> str:
    return localized(SimpleNamespace(**level), "name")


def challenge_title(row: dict) -> str:
    return localized(SimpleNamespace(**row), "title")


# --- Charts -------------------------------------------------------------------------------------

PERIOD_SERIES = ("an-cur", "an-prev")


def _pairs(rows):
    return [(label, (pair.current, pair.previous)) for label, pair in rows]


def build_charts(figures: dict) -> dict[str, charts.Chart]:
    people, funnel, nps = figures["participation"], figures["funnel"], figures["nps"]
    referrals, accounts, rewards = figures["referrals"], figures["accounts"], figures["rewards"]
    return {
        "participation": charts.bar_chart(_pairs([
            (_("Invited"), people["invited"]), (_("Activated"), people["activated"]),
            (_("Active"), people["active"]),
        ]), PERIOD_SERIES, number),
        "funnel": charts.bar_chart(_pairs([(level_name(level), level["reached"]) for level in funnel]),
                                   PERIOD_SERIES, number),
        "challenges": charts.bar_chart(_pairs([(challenge_title(row), row["completions"])
                                               for row in figures["challenges"]]), PERIOD_SERIES, number),
        "stages": charts.bar_chart(_pairs([(stage_labels()[row["stage"]], row["count"])
                                           for row in referrals["stages"]]), PERIOD_SERIES, number),
        "channels": charts.bar_chart(
            [(channel_labels()[row["channel"]], (row["clicks"].current, row["signups"].current, row["won"].current))
             for row in referrals["channels"]], ("an-cur", "an-alt", "an-won"), number),
        "nps": charts.score_columns([(format_date(entry["month"], "MMM"), entry["score"]) for entry in nps["trend"]],
                                    number),
        "accounts": charts.bar_chart(_pairs([(_("Level 2"), accounts["level2_share"]),
                                             (_("Level 3"), accounts["level3_share"])]),
                                     PERIOD_SERIES, percent, maximum=1.0),
        "rewards": charts.bar_chart(_pairs([(_("Intrinsic"), rewards["intrinsic"]),
                                            (_("Money-like"), rewards["money_like"])]), PERIOD_SERIES, number),
    }


# --- Pages --------------------------------------------------------------------------------------

def _locale() -> str:
    return "en" if str(get_locale() or "nl").startswith("en") else "nl"


@bp.route("/admin/analytics")
@roles(MARKETER, SALES)
def dashboard():
    if not may_read(current_user):
        abort(403)
    choice = read_choice()
    if choice.errors:
        return render("analytics/dashboard.html", choice=choice, figures=None, status=422)
    figures = services.dashboard(choice.period, choice.sort, choice.descending, _locale())
    return render(
        "analytics/dashboard.html", choice=choice, figures=figures, period=choice.period,
        previous=choice.period.previous(), charts=build_charts(figures), stage_labels=stage_labels(),
        channel_labels=channel_labels(), kind_labels=kind_labels(), level_name=level_name,
        challenge_title=challenge_title, figure_names=FIGURES, origin_labels=economics_csv.origin_labels(),
        verdict_labels=economics_csv.verdict_labels(),
    )


# --- CSV ----------------------------------------------------------------------------------------

def _csv_percent(value) -> str:
    """A ratio as a percentage with one decimal, written the same in every language."""
    return "" if value is None else f"{value * 100:.1f}"


def _csv_days(value) -> str:
    return "" if value is None else f"{value:.1f}"


def _csv_value(value) -> str:
    return "" if value is None else str(value)


def csv_table(figure: str, figures: dict) -> tuple[list, list[list]]:
    """The header and rows of one of the dashboard's tables."""
    this, before = _("This period"), _("Previous period")
    if figure == "participation":
        people = figures["participation"]
        header = [_("Figure"), this, before]
        rows = [[_("Invited"), *_both(people["invited"])], [_("Activated"), *_both(people["activated"])],
                [_("Active in the period"), *_both(people["active"])],
                [_("In the programme at the end of the period"), *_both(people["base"])],
                [_("Participation rate (%)"), *_both(people["rate"], _csv_percent)]]
    elif figure == "funnel":
        header = [_("Level"), _("Reached by the end (this period)"), _("Reached by the end (previous period)"),
                  _("Reached in the period"), _("Reached in the previous period"),
                  _("Conversion from the level before (%)"), _("Conversion, previous period (%)"),
                  _("Median days to reach it"), _("Median days, previous period")]
        rows = [[level_name(level), *_both(level["reached"]), *_both(level["new"]),
                 *(_both(level["conversion"], _csv_percent) if level["conversion"] else ["", ""]),
                 *_both(level["median_days"], _csv_days)] for level in figures["funnel"]]
    elif figure == "challenges":
        header = [_("Challenge"), _("Level"), _("Views"), _("Views, previous period"), _("Completions"),
                  _("Completions, previous period"), _("Completion rate (%)"),
                  _("Completion rate, previous period (%)"), _("Points given"), _("Points given, previous period")]
        rows = [[challenge_title(row), row["level"], *_both(row["views"]), *_both(row["completions"]),
                 *_both(row["rate"], _csv_percent), *_both(row["points"])] for row in figures["challenges"]]
    elif figure == "stages":
        labels = stage_labels()
        header = [_("Stage"), this, before]
        rows = [[labels[row["stage"]], *_both(row["count"])] for row in figures["referrals"]["stages"]]
        referrals = figures["referrals"]
        rows += [[_("Referrals made"), *_both(referrals["made"])],
                 [_("Customers who made a referral"), *_both(referrals["referrers"])],
                 [_("Referral rate (%)"), *_both(referrals["rate"], _csv_percent)],
                 [_("Referrals won in the period"), *_both(referrals["won"])]]
    elif figure == "channels":
        labels = channel_labels()
        header = [_("Channel"), _("Link opened"), _("Link opened, previous period"), _("Confirmed sign-ups"),
                  _("Confirmed sign-ups, previous period"), _("Won"), _("Won, previous period"),
                  _("Conversion (%)"), _("Conversion, previous period (%)")]
        rows = [[labels[row["channel"]], *_both(row["clicks"]), *_both(row["signups"]), *_both(row["won"]),
                 *_both(row["conversion"], _csv_percent)] for row in figures["referrals"]["channels"]]
    elif figure == "nps":
        header = [_("Month"), _("Answers"), _("Promoters"), _("Passives"), _("Detractors"), _("NPS")]
        rows = [[entry["month"].strftime("%Y-%m"), entry["answers"], entry["promoters"], entry["passives"],
                 entry["detractors"], _csv_value(entry["score"])] for entry in figures["nps"]["trend"]]
    elif figure == "accounts":
        accounts = figures["accounts"]
        header = [_("Figure"), this, before]
        rows = [[_("Companies in the programme"), *_both(accounts["companies"])],
                [_("With an ambassador at level 2"), *_both(accounts["level2"])],
                [_("With an ambassador at level 3"), *_both(accounts["level3"])],
                [_("Share at level 2 (%)"), *_both(accounts["level2_share"], _csv_percent)],
                [_("Share at level 3 (%)"), *_both(accounts["level3_share"], _csv_percent)]]
    else:  # rewards
        labels = kind_labels()
        header = [_("Kind"), _("Money-like"), this, before]
        rows = [[labels[row["kind"]], _("yes") if row["money_like"] else _("no"), *_both(row["count"])]
                for row in figures["rewards"]["kinds"]]
    return header, rows


def _both(pair, fmt=_csv_value) -> list[str]:
    return [fmt(pair.current), fmt(pair.previous)]


@bp.route("/admin/analytics/<figure>.csv")
@roles(MARKETER, SALES)
def export(figure: str):
    if not may_read(current_user):
        abort(403)
    if figure not in FIGURES:
        abort(404)
    choice = read_choice()
    if choice.errors:
        return render("analytics/dashboard.html", choice=choice, figures=None, status=422)
    needs = {"stages": "referrals", "channels": "referrals"}.get(figure, figure)
    figures = services.dashboard(choice.period, choice.sort, choice.descending, _locale(), only={needs})
    if figure in economics_csv.FIGURES:
        header, rows = economics_csv.csv_table(figure, figures)
    else:
        header, rows = csv_table(figure, figures)
    period = choice.period
    return csv_download(header, rows, f"analytics-{figure}-{period.start.isoformat()}-{period.end.isoformat()}.csv")
