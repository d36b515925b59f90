"""The analytics dashboard's figures for a period beside the period before it, gathered in one call.

Each figure lives with its own business: participation (and accounts), the funnel (and the
challenge table), referrals, advocacy (NPS, counted by app.nps.stats) and rewards. Every figure
is a fixed number of aggregate queries (see app.analytics.periods).
"""
from __future__ import annotations

from sqlalchemy import text

from app.analytics import goals
from app.analytics.advocacy import nps
from app.analytics.asks import ask_figures, origin_split
from app.analytics.economics import economics
from app.analytics.funnel import challenge_table, funnel
from app.analytics.participation import accounts, participation
from app.analytics.periods import Period
from app.analytics.referrals import referrals
from app.analytics.rewards import rewards
from app.extensions import db


def dashboard(p: Period, sort: str = "level", descending: bool = False, locale: str = "nl",
              only: set[str] | None = None) -> dict:
    """Every figure for the period (or `only` those named): a fixed number of queries, whatever
    the amount of data."""
    if db.session.get_bind().dialect.name == "postgresql":
        # Many small index look-ups whose summed plan cost passes jit_above_cost: compiling them
        # would take longer than running them. For this transaction only.
        db.session.execute(text("SET LOCAL jit = off"))
    wanted = only or {"participation", "funnel", "challenges", "referrals", "nps", "accounts", "rewards",
                      "economics", "asks", "origins", "goals"}
    figures: dict = {}
    if wanted & {"participation", "referrals"}:
        figures["participation"] = participation(p)
    if "funnel" in wanted:
        figures["funnel"] = funnel(p)
    if "challenges" in wanted:
        figures["challenges"] = challenge_table(p, sort, descending, locale)
    if "referrals" in wanted:
        figures["referrals"] = referrals(p, figures["participation"]["active"])
    if "nps" in wanted:
        figures["nps"] = nps(p)
    if "accounts" in wanted:
        figures["accounts"] = accounts(p)
    if "rewards" in wanted:
        figures["rewards"] = rewards(p)
    if "economics" in wanted:
        figures["economics"] = economics(p)
    if "asks" in wanted:
        figures["asks"] = ask_figures(p)
    if "origins" in wanted:
        figures["origins"] = origin_split(p)
    if "goals" in wanted:  # the quarters up to the one the period ends in
        figures["goals"] = goals.history(goals.Quarter.of(p.end))
    return figures
