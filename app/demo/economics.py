"""Demo numbers for the programme's economics and goals (run after the journey, referral and sales
demo data): a unit cost on each demo reward and two claims, three months of running cost and of
deals won without a referral, an ask by sales@example.com that led to a won introduction with a deal
value, and goals for this quarter. Idempotent: nothing is added once a running cost exists."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app import dates
from app.analytics.goals import Quarter
from app.analytics.programme_models import Goal, OtherWins, ProgrammeCost
from app.auth.models import User
from app.dates import utcnow
from app.extensions import db
from app.referrals.intake import Introduction, add_referee
from app.referrals.models import ASKED, CONTACTED, FROM_REFERRAL, MEETING, OPPORTUNITY, WON, Ask
from app.referrals.stages import move
from app.rewards.models import FULFILLED, Redemption, Reward

# What each demo reward costs us, in cents, by its English name.
UNIT_COSTS = {
    "Roadmap session with our product team": 15_000,
    "Featured in our customer newsletter": 4_000,
    "A donation in your name": 2_500,
    "A seat at our customer day": 9_500,
    "Lunch with our founders": 12_000,
}
# Running cost (cents) and deals won without a referral, this month and the two before.
MONTHS = ((180_000, 5), (165_000, 7), (150_000, 6))
GOALS = {"introductions": 8, "won_referrals": 2, "approved_quotes": 4, "reviews": 3, "nps": 40, "level3_share": 30}


def _months_back(n: int) -> date:
    first = dates.today().replace(day=1)
    for _ in range(n):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def seed_economics_demo() -> int:
    if db.session.scalar(select(ProgrammeCost.id).limit(1)) is not None:
        return 0
    added = 0
    now = utcnow()
    marketer, sam = User.by_email("marketing@example.com"), User.by_email("sales@example.com")
    entered_by = marketer.id if marketer else None
    rewards = {reward.name_en: reward for reward in db.session.scalars(select(Reward))}
    for name, cents in UNIT_COSTS.items():
        if name in rewards and not rewards[name].unit_cost_cents:
            rewards[name].unit_cost_cents = cents
    for back, (cost, won) in enumerate(MONTHS):
        month = _months_back(back)
        db.session.add(ProgrammeCost(month=month, amount_cents=cost, note="Licentie en uren programmamanager",
                                     entered_by_id=entered_by))
        db.session.add(OtherWins(month=month, won=won, entered_by_id=sam.id if sam else entered_by))
        added += 2
    quarter = Quarter.of(dates.today()).key
    for metric, target in GOALS.items():
        db.session.add(Goal(quarter=quarter, metric=metric, target=target, entered_by_id=entered_by))
        added += 1
    # Two claims of the newsletter feature and the roadmap session, at the cost of the day.
    anouk, kees = User.by_email("ambassadeur@example.com"), User.by_email("klant@example.com")
    for person, name, days in ((anouk, "Roadmap session with our product team", 12),
                               (kees, "Featured in our customer newsletter", 5)):
        reward = rewards.get(name)
        if person is not None and reward is not None:
            db.session.add(Redemption(user_id=person.id, reward_id=reward.id, status=FULFILLED,
                                      unit_cost_cents=reward.unit_cost_cents, created_at=now - timedelta(days=days),
                                      updated_at=now - timedelta(days=days - 1)))
            added += 1
    # Sam asked Anouk 18 days ago; she introduced Femke Dijkstra, who became a customer 4 days ago.
    if anouk is not None and sam is not None:
        ask = Ask(customer_id=anouk.id, asked_by_id=sam.id, asked_on=dates.today() - timedelta(days=18),
                  channel="video_call", outcome="yes", note="Denkt direct aan een collega-zorginstelling.",
                  created_at=now - timedelta(days=18))
        db.session.add(ask)
        db.session.flush()
        eva = add_referee(anouk, Introduction(
            name="Femke Dijkstra", company="Dijkstra Thuiszorg", job_role="Manager bedrijfsvoering",
            benefit="Ze plannen hun wijkteams nog met de hand en zoeken overzicht.",
            may_mention=True, route="contact", message_locale="nl"), source=FROM_REFERRAL, count_quota=False)
        eva.ask_id, eva.origin, eva.owner_id = ask.id, ASKED, sam.id
        eva.created_at = now - timedelta(days=15)
        values = {OPPORTUNITY: {"expected_value_cents": 2_000_000}, WON: {"deal_value_cents": 2_400_000}}
        for stage in (CONTACTED, MEETING, OPPORTUNITY, WON):
            move(eva, stage, sam, from_stage=eva.stage, **values.get(stage, {}))
        db.session.flush()
        for event, days in zip(eva.events, (13, 10, 7, 4), strict=False):
            event.created_at = now - timedelta(days=days)
        eva.stage_changed_at = now - timedelta(days=4)
        added += 2
    db.session.flush()
    return added
