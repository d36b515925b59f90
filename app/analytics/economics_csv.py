"""Labels and CSV tables for the dashboard's economics, ask, origin and goal sections (the other
sections' tables are in app.analytics.routes)."""
from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _

from app.analytics.programme_models import GOAL_LABELS

FIGURES = ("economics", "asks", "origins", "goals")


def origin_labels() -> dict[str, str]:
    return {"asked": _("Asked by sales"), "proactive": _("Proactive, from the customer"),
            "received": _("Received by sales"), "share": _("Share link"), "linkedin": "LinkedIn"}


def verdict_labels() -> dict[str, str]:
    return {"ahead": _("ahead"), "on_pace": _("on pace"), "behind": _("behind")}


def times(value) -> str:
    """A return ratio such as 3.2×, or "–"."""
    return "–" if value is None else _("%(ratio)s×", ratio=format_decimal(value, "#,##0.0"))


# --- CSV: numbers written the same in every language -----------------------------------------------

def _euros(cents) -> str:
    return "" if cents is None else f"{cents / 100:.2f}"


def _pct(value) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def _num(value) -> str:
    return "" if value is None else str(value)


def _dec(value) -> str:
    return "" if value is None else f"{value:.1f}"


def csv_table(figure: str, figures: dict) -> tuple[list, list[list]]:
    if figure == "economics":
        e = figures["economics"]
        header = [_("Figure"), _("This period"), _("Previous period")]

        def row(label, pair, fmt):
            return [label, fmt(pair.current), fmt(pair.previous)]

        rows = [row(_("Referrals won"), e["won"], _num),
                row(_("Value of won referrals (EUR)"), e["value"], _euros),
                row(_("Won referrals without a deal value"), e["unvalued"], _num),
                row(_("Reward cost (EUR)"), e["reward_cost"], _euros),
                row(_("Running cost (EUR)"), e["running_cost"], _euros),
                row(_("Total cost (EUR)"), e["total_cost"], _euros),
                row(_("Cost per won referral (EUR)"), e["cost_per_won"], _euros),
                row(_("Return (value ÷ cost)"), e["return_ratio"], _dec),
                row(_("Deals won without a referral"), e["other_wins"], _dec),
                row(_("Referral share of won deals (%)"), e["referral_share"], _pct)]
    elif figure == "asks":
        header = [_("Team"), _("Sales rep"), _("Asks"), _("Yes"), _("No"), _("Later"), _("Introductions"),
                  _("Ask to introduction (%)"), _("Won"), _("Introduction to won (%)"),
                  _("Median days, ask to introduction"), _("Median days, introduction to won")]

        def cells(r):
            return [r["asks"], r["yes"], r["no"], r["later"], r["introductions"], _pct(r["ask_to_intro"]), r["won"],
                    _pct(r["intro_to_won"]), _dec(r.get("median_intro")), _dec(r.get("median_won"))]

        rows = [[t["name"] or _("Former colleague"), "", *cells(t)] for t in figures["asks"]["teams"]]
        rows += [["", r["name"] or _("Former colleague"), *cells(r)] for r in figures["asks"]["reps"]]
        rows.append([_("Total"), "", *cells(figures["asks"]["total"])])
    elif figure == "origins":
        labels = origin_labels()
        header = [_("Origin"), _("Referrals made"), _("Share (%)"), _("Won"), _("Conversion (%)"),
                  _("Value of won referrals (EUR)")]
        rows = [[labels[o["origin"]], o["made"], _pct(o["share"]), o["won"], _pct(o["conversion"]), _euros(o["value"])]
                for o in figures["origins"]]
    else:  # goals
        history = figures["goals"]
        header = [_("Goal")]
        for quarter in history["quarters"]:
            header += [quarter.label, _("Target %(quarter)s", quarter=quarter.label)]
        rows = []
        for line in history["rows"]:
            values = []
            for cell in line["cells"]:
                values += [_num(cell["actual"]), _num(cell["target"])]
            rows.append([str(GOAL_LABELS[line["metric"]]), *values])
    return header, rows
