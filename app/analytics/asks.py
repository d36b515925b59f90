"""The referral ask, analysed: per sales rep and per team the asks made in a period, their outcomes,
how many led to an introduction (a referral linked to the ask) and how many of those were won, with
the median days from ask to introduction and from introduction to won; and referrals made in the
period by origin (asked, proactive, received, share link, LinkedIn), made and won.

A team is a manager and the reps who have them as manager. Asks are a cohort: those made in the
period, followed to whatever came of them since. Three statements, whatever the amount of data.
"""
from __future__ import annotations

from sqlalchemy import DateTime, cast, distinct, func, literal, select, union_all
from sqlalchemy.orm import aliased

from app.analytics.economics import won_at_subquery
from app.analytics.periods import Period, count_if, days_between, distinct_if, during, on_days, ratio
from app.auth.models import User
from app.extensions import db
from app.referrals.models import ORIGINS, WON, Ask, Referee

OUTCOMES = ("yes", "no", "later")


def _team_of(user):
    """A rep's team: their manager's id, or their own when they manage themselves."""
    return func.coalesce(user.manager_id, user.id)


def _as_timestamp(column):
    """A date column as a timestamp at midnight (SQLite's julianday reads the date as it is)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(column, DateTime)
    return column


def _medians(p: Period) -> dict[tuple[str, int | None, str], float]:
    """Median days ask → introduction and introduction → won, per rep, per team and for all: window functions
    number the durations and the middle one (or the mean of the middle two) is the median."""
    asker = aliased(User)
    won = won_at_subquery()
    base = (select(Ask.asked_by_id.label("rep"), _team_of(asker).label("team"), Referee.created_at.label("introduced"),
                   _as_timestamp(Ask.asked_on).label("asked"), won.c.won_at.label("won_at"))
            .join(Referee, Referee.ask_id == Ask.id)
            .outerjoin(asker, asker.id == Ask.asked_by_id)
            .outerjoin(won, won.c.referee_id == Referee.id)
            .where(on_days(Ask.asked_on, p))).subquery("linked")
    durations = []
    for scope in ("rep", "team", "all"):
        key = literal(0) if scope == "all" else base.c[scope]
        durations.append(select(literal(scope).label("scope"), key.label("key"), literal("intro").label("kind"),
                                days_between(base.c.introduced, base.c.asked).label("days")))
        durations.append(select(literal(scope).label("scope"), key.label("key"), literal("won").label("kind"),
                                days_between(base.c.won_at, base.c.introduced).label("days"))
                         .where(base.c.won_at.is_not(None)))
    all_durations = union_all(*durations).subquery("durations")
    partition = (all_durations.c.scope, all_durations.c.key, all_durations.c.kind)
    ranked = select(
        all_durations.c.scope, all_durations.c.key, all_durations.c.kind, all_durations.c.days,
        func.row_number().over(partition_by=partition, order_by=all_durations.c.days).label("rn"),
        func.count().over(partition_by=partition).label("n"),
    ).subquery("ranked")
    rows = db.session.execute(
        select(ranked.c.scope, ranked.c.key, ranked.c.kind, func.avg(ranked.c.days).label("median"))
        .where(ranked.c.rn.in_(((ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2)))
        .group_by(ranked.c.scope, ranked.c.key, ranked.c.kind)
    )
    return {(row.scope, row.key, row.kind): max(0.0, float(row.median)) for row in rows}


def _rates(row: dict) -> dict:
    row["ask_to_intro"] = ratio(row["introductions"], row["asks"])
    row["intro_to_won"] = ratio(row["won"], row["introductions"])
    return row


def ask_figures(p: Period) -> dict:
    """{"reps": [...], "teams": [...], "total": {...}}: per rep (by name) and per team (by manager's
    name) the asks in the period, each outcome, introductions, won, both conversions and medians."""
    asker, manager = aliased(User), aliased(User)
    rows = db.session.execute(
        select(
            Ask.asked_by_id.label("rep"), asker.name.label("name"), _team_of(asker).label("team"),
            func.coalesce(manager.name, asker.name).label("team_name"),
            func.count(distinct(Ask.id)).label("asks"),
            *[distinct_if(Ask.outcome == outcome, Ask.id).label(outcome) for outcome in OUTCOMES],
            func.count(distinct(Referee.id)).label("introductions"),
            distinct_if(Referee.stage == WON, Referee.id).label("won"),
        )
        .outerjoin(Referee, Referee.ask_id == Ask.id)
        .outerjoin(asker, asker.id == Ask.asked_by_id)
        .outerjoin(manager, manager.id == asker.manager_id)
        .where(on_days(Ask.asked_on, p))
        .group_by(Ask.asked_by_id, asker.name, _team_of(asker), manager.name)
        .order_by(func.lower(func.coalesce(asker.name, "")), Ask.asked_by_id)
    ).all()
    medians = _medians(p)
    counted = ("asks", *OUTCOMES, "introductions", "won")
    reps, teams = [], {}
    total = {name: 0 for name in counted}
    for row in rows:  # one row per rep
        figures = {name: int(getattr(row, name) or 0) for name in counted}
        reps.append(_rates({"id": row.rep, "name": row.name, **figures,
                            "median_intro": medians.get(("rep", row.rep, "intro")),
                            "median_won": medians.get(("rep", row.rep, "won"))}))
        team = teams.setdefault(row.team, {"id": row.team, "name": row.team_name, **{n: 0 for n in counted},
                                           "median_intro": medians.get(("team", row.team, "intro")),
                                           "median_won": medians.get(("team", row.team, "won"))})
        for name in counted:  # sums of the reps' counts: each ask belongs to one rep
            team[name] += figures[name]
            total[name] += figures[name]
    team_list = sorted((_rates(team) for team in teams.values()), key=lambda t: ((t["name"] or "").lower(), t["id"] or 0))
    total.update(median_intro=medians.get(("all", 0, "intro")), median_won=medians.get(("all", 0, "won")))
    return {"reps": reps, "teams": team_list, "total": _rates(total)}


def origin_split(p: Period) -> list[dict]:
    """Per origin: referrals made in the period, how many of them are won now, and their deal value."""
    rows = {
        row.origin: row for row in db.session.execute(
            select(Referee.origin, func.count(Referee.id).label("made"),
                   count_if(Referee.stage == WON).label("won"),
                   func.coalesce(func.sum(Referee.deal_value_cents).filter(Referee.stage == WON), 0).label("value"))
            .where(during(Referee.created_at, p)).group_by(Referee.origin)
        )
    }
    made_total = sum(int(row.made) for row in rows.values())
    split = []
    for origin in ORIGINS:  # the fixed list of origins
        row = rows.get(origin)
        made, won = (int(row.made), int(row.won)) if row else (0, 0)
        split.append({"origin": origin, "made": made, "won": won, "value": int(row.value) if row else 0,
                      "share": ratio(made, made_total), "conversion": ratio(won, made)})
    return split

