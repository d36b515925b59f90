"""The customer's own pages: points, badges, rewards, contributions, profile and leaderboard."""
from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.challenges import REGISTRY, ChallengeType
from app.journey.models import APPROVED, PENDING, REJECTED, Submission
from app.points.models import PointsEntry
from app.rewards.models import Badge, Redemption, Reward, UserBadge
from tests.conftest import HX, count_queries
from tests.factories import make_challenge, make_company, make_level, make_user

_seq = itertools.count(1)
WHEN = datetime(2025, 3, 3, 12, 0)


# --- test data ---------------------------------------------------------------------------------

class QuoteType(ChallengeType):
    """A contribution with a publication consent, like the real `quote` type."""

    key = "test_quote"
    label = "Customer quote"
    contribution = True
    consent = True
    publishes = True

    def summary(self, submission):
        return submission.data.get("text", "")


class ReviewType(ChallengeType):
    """A contribution without a consent to withdraw."""

    key = "test_review"
    label = "External review"
    contribution = True

    def summary(self, submission):
        return submission.data.get("text", "")


@pytest.fixture
def contribution_types():
    added = []
    for cls in (QuoteType, ReviewType):
        if cls.key not in REGISTRY:
            REGISTRY[cls.key] = cls()
            added.append(cls.key)
    yield
    for key in added:
        REGISTRY.pop(key, None)


def add_points(user, points, reason_en="Answered a question", reason_nl="Vraag beantwoord", source_type="test",
               created_at=None):
    entry = PointsEntry(user_id=user.id, points=points, source_type=source_type, source_id=next(_seq),
                        reason_nl=reason_nl, reason_en=reason_en, created_at=created_at or WHEN)
    from app.extensions import db

    db.session.add(entry)
    db.session.flush()
    return entry


def make_badge(rule="points_at_least", **fields):
    from app.extensions import db

    n = next(_seq)
    badge = Badge(key=f"badge-{n}", name_nl=fields.pop("name_nl", f"Badge NL {n}"),
                  name_en=fields.pop("name_en", f"Badge {n}"), description_nl=fields.pop("description_nl", ""),
                  description_en=fields.pop("description_en", ""), rule=rule, position=fields.pop("position", n),
                  **fields)
    db.session.add(badge)
    db.session.flush()
    return badge


def make_reward(**fields):
    from app.extensions import db

    n = next(_seq)
    reward = Reward(name_nl=fields.pop("name_nl", f"Beloning {n}"), name_en=fields.pop("name_en", f"Reward {n}"),
                    description_nl="", description_en=fields.pop("description_en", ""),
                    kind=fields.pop("kind", "recognition"), position=fields.pop("position", n), **fields)
    db.session.add(reward)
    db.session.flush()
    return reward


def make_submission(user, challenge, status=APPROVED, text="Great to work with", **fields):
    from app.extensions import db

    submission = Submission(user_id=user.id, challenge_id=challenge.id, data={"text": text}, status=status,
                            created_at=fields.pop("created_at", WHEN), **fields)
    db.session.add(submission)
    db.session.flush()
    return submission


def queries(app, client, url) -> int:
    from app.extensions import db

    client.get(url)  # a worker that has read the published journey since its last change
    db.session.expire_all()  # every count starts alike: nothing cached from the test's own setup
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def flash_texts(html: str) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+"[^>]*>([^<]*)</p>', html)


# --- navigation --------------------------------------------------------------------------------

def test_customer_menu_links_every_page_and_marks_the_current_one(client, db, login_as):
    login_as("customer", locale="en")
    page = client.get("/badges").text
    for url in ("/points", "/badges", "/rewards", "/contributions", "/profile", "/leaderboard"):
        assert f'href="{url}"' in page
    assert '<a href="/badges" aria-current="page">' in page
    assert '<details class="dropdown user-menu">' in page
    points = client.get("/points").text
    assert re.search(r'<a href="/points" aria-current="page"><span id="points-counter">0</span>', points)


def test_staff_do_not_get_the_customer_menu(client, db, login_as):
    login_as("marketer", locale="en")
    page = client.get("/admin").text
    assert "user-menu" not in page and 'href="/points"' not in page


# --- points ------------------------------------------------------------------------------------

def test_points_page_lists_the_ledger_newest_first_with_totals(client, db, login_as):
    user = login_as("customer", locale="en")
    add_points(user, 30, reason_en="Shared your opinion", created_at=WHEN)
    add_points(user, -10, reason_en="Roadmap session", source_type="redemption", created_at=WHEN + timedelta(days=2))
    other = make_user("customer")
    add_points(other, 500, reason_en="Somebody else's points")
    db.session.commit()

    page = client.get("/points").text
    assert "Roadmap session" in page and "Shared your opinion" in page
    assert page.index("Roadmap session") < page.index("Shared your opinion")  # newest first
    assert "+30" in page and "−10" in page
    assert "Mar 3, 2025" in page and "Mar 5, 2025" in page
    assert re.search(r"<dt>To spend</dt><dd>20</dd>", page)
    assert re.search(r"<dt>Earned in total</dt><dd>30</dd>", page)
    assert "Somebody else" not in page and "500" not in page


def test_points_reasons_follow_the_language(client, db, login_as):
    user = login_as("customer", locale="nl")
    add_points(user, 10, reason_en="Answered a question", reason_nl="Vraag beantwoord")
    db.session.commit()
    page = client.get("/points").text
    assert "Vraag beantwoord" in page and "Answered a question" not in page


def test_points_are_paginated_by_25(client, db, login_as):
    user = login_as("customer", locale="en")
    for i in range(30):
        add_points(user, 1, reason_en=f"Step {i:02d}", created_at=WHEN + timedelta(minutes=i))
    db.session.commit()
    first = client.get("/points").text
    assert "Page 1 of 2" in first and "Step 29" in first and "Step 04" not in first
    second = client.get("/points?page=2").text
    assert "Step 04" in second and "Step 29" not in second


def test_points_page_without_points_says_where_to_start(client, db, login_as):
    login_as("customer", locale="en")
    assert "No points yet" in client.get("/points").text


def test_points_query_budget_does_not_grow(app, client, db, login_as):
    user = login_as("customer", locale="en")
    add_points(user, 5)
    db.session.commit()
    few = queries(app, client, "/points")
    for _ in range(80):
        add_points(user, 5)
    db.session.commit()
    assert queries(app, client, "/points") == few <= 6


# --- badges ------------------------------------------------------------------------------------

def _badge_set(user, earned_too=True):
    level2 = make_level(2, threshold=100, name="Loyalty")
    challenge = make_challenge(make_level(1), title_en="Tell us about your project")
    earned = make_badge("points_at_least", rule_value=10, name_en="First points", icon="trophy",
                        description_en="For your very first points.")
    if earned_too:
        from app.extensions import db

        db.session.add(UserBadge(user_id=user.id, badge_id=earned.id, awarded_at=WHEN))
    make_badge("points_at_least", rule_value=100, name_en="Centurion", icon="rocket")
    make_badge("level_reached", rule_level_id=level2.id, name_en="Loyal friend", icon="heart")
    make_badge("challenge_completed", rule_challenge_id=challenge.id, name_en="Storyteller", icon="megaphone")
    make_badge("type_count", rule_type_key="poll", rule_value=3, name_en="Pollster", icon="no-such-icon")
    make_badge("points_at_least", rule_value=5, name_en="Retired badge", active=False)
    return earned


def test_badges_page_shows_earned_and_still_to_earn_with_what_it_takes(client, db, login_as):
    user = login_as("customer", locale="en")
    _badge_set(user)
    add_points(user, 30)
    db.session.commit()
    page = client.get("/badges").text
    earned_part, todo_part = page.split('id="todo-title"')
    assert "First points" in earned_part and "Earned on Mar 3, 2025" in earned_part
    assert "For your very first points." in earned_part and "🏆" in earned_part
    assert "Centurion" in todo_part and "Earn at least 100 points" in todo_part and "30 of 100" in todo_part
    assert "Reach level 2: Loyalty" in todo_part
    assert "Complete the challenge “Tell us about your project”" in todo_part
    assert "Complete 3 challenges of the type “Poll”" in todo_part and "0 of 3" in todo_part
    assert "Retired badge" not in page
    assert "🚀" in todo_part and "❤️" in todo_part and "📣" in todo_part
    # Unknown icon words fall back to a star; every emblem is decoration only.
    pollster = todo_part[todo_part.index("Pollster") - 300: todo_part.index("Pollster")]
    assert '<span class="badge-emblem" aria-hidden="true">⭐</span>' in pollster
    assert page.count('class="badge-emblem" aria-hidden="true"') == 5


def test_badges_of_another_customer_are_not_mine(client, db, login_as):
    login_as("customer", locale="en")
    other = make_user("customer")
    _badge_set(other)
    db.session.commit()
    page = client.get("/badges").text
    assert "No badges yet" in page and "Earned on" not in page


def test_badges_query_budget_does_not_grow(app, client, db, login_as):
    user = login_as("customer", locale="en")
    _badge_set(user)
    db.session.commit()
    few = queries(app, client, "/badges")
    level = make_level(7)
    for i in range(30):
        badge = make_badge("level_reached", rule_level_id=level.id)
        make_badge("challenge_completed", rule_challenge_id=make_challenge(level).id)
        make_badge("type_count", rule_type_key="question", rule_value=i + 1)
        if i % 2:
            db.session.add(UserBadge(user_id=user.id, badge_id=badge.id))
    db.session.commit()
    assert queries(app, client, "/badges") == few <= 6


# --- rewards -----------------------------------------------------------------------------------

def test_rewards_page_shows_each_reward_and_why_it_cannot_be_claimed(client, db, login_as):
    user = login_as("customer", locale="en")
    make_level(1)
    level2 = make_level(2, threshold=500, name="Loyalty")
    add_points(user, 30)
    make_reward(name_en="Roadmap session", kind="exclusive_access", point_cost=20, stock=5,
                description_en="Hear what we build next.")
    make_reward(name_en="Meet the team", kind="event_seat", level_id=level2.id)
    make_reward(name_en="Tree planted", kind="donation", point_cost=50)
    make_reward(name_en="Mug", kind="merchandise", stock=0)
    claimed = make_reward(name_en="Thank-you card")
    db.session.add(Redemption(user_id=user.id, reward_id=claimed.id, created_at=WHEN))
    make_reward(name_en="Old reward", active=False)
    db.session.commit()

    page = client.get("/rewards").text
    assert "Exclusive access" in page and "Hear what we build next." in page and "20 points" in page
    assert re.search(r"<dt>Left</dt><dd>5</dd>", page)
    assert "Claim this reward" in page and 'hx-target="#reward-' in page and 'hx-swap="outerHTML"' in page
    assert "Level 2: Loyalty" in page and "Reach level 2 to claim this" in page
    assert "20 more points needed" in page
    assert "Out of stock" in page
    assert "Claimed on Mar 3, 2025" in page
    assert "Old reward" not in page
    assert page.count("Claim this reward") == 1
    assert re.search(r'<span id="rewards-balance">30</span>', page)


def test_claim_without_htmx_spends_points_and_redirects_with_a_message(client, db, login_as, post_form):
    user = login_as("customer", locale="en")
    add_points(user, 30)
    reward = make_reward(name_en="Roadmap session", point_cost=20, stock=3)
    db.session.commit()

    response = post_form(f"/rewards/{reward.id}/claim")
    assert response.status_code == 303 and response.headers["Location"] == "/rewards"
    page = client.get("/rewards").text
    assert "You claimed “Roadmap session”" in page and "Claimed on" in page
    assert re.search(r'<span id="points-counter">10</span>', page)

    redemption = db.session.scalar(select(Redemption).where(Redemption.user_id == user.id))
    spend = db.session.scalar(select(PointsEntry).where(PointsEntry.points < 0))
    assert (spend.user_id, spend.points, spend.source_type) == (user.id, -20, "redemption")
    assert spend.source_id == redemption.id
    assert db.session.get(Reward, reward.id).stock == 2


def test_claim_with_htmx_returns_the_card_and_updates_the_counter_out_of_band(client, db, login_as, post_form):
    user = login_as("customer", locale="en")
    add_points(user, 30)
    reward = make_reward(name_en="Roadmap session", point_cost=20)
    db.session.commit()

    response = post_form(f"/rewards/{reward.id}/claim", htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.text and "<main" not in response.text
    assert f'<article class="reward-card reward-blocked" id="reward-{reward.id}">' in response.text
    assert "You claimed “Roadmap session”" in response.text and "Claimed on" in response.text
    assert '<span id="points-counter" hx-swap-oob="true">10</span>' in response.text
    assert '<span id="rewards-balance" hx-swap-oob="true">10</span>' in response.text


def test_claiming_twice_gives_a_message_and_spends_once(client, db, login_as, post_form):
    user = login_as("customer", locale="en")
    add_points(user, 30)
    reward = make_reward(name_en="Roadmap session", point_cost=10)
    db.session.commit()
    assert post_form(f"/rewards/{reward.id}/claim").status_code == 303
    again = post_form(f"/rewards/{reward.id}/claim", htmx=True)
    assert again.status_code == 409 and "You already claimed this reward." in again.text
    plain = post_form(f"/rewards/{reward.id}/claim")
    assert plain.status_code == 409 and "<html" in plain.text and "You already claimed this reward." in plain.text
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 1
    assert db.session.scalar(select(func.sum(PointsEntry.points)).where(PointsEntry.user_id == user.id)) == 20


def test_last_item_in_stock_goes_to_the_first_customer_only(client, db, login_as, post_form):
    first = login_as("customer", locale="en")
    second = make_user("customer", locale="en")
    reward = make_reward(name_en="Signed book", stock=1)
    db.session.commit()

    assert post_form(f"/rewards/{reward.id}/claim").status_code == 303
    login_as(second)
    response = post_form(f"/rewards/{reward.id}/claim", htmx=True)
    assert response.status_code == 409
    assert "Sorry, this reward is out of stock." in response.text and "Out of stock" in response.text
    plain = post_form(f"/rewards/{reward.id}/claim")
    assert plain.status_code == 409 and "Sorry, this reward is out of stock." in plain.text
    db.session.expire_all()
    assert db.session.get(Reward, reward.id).stock == 0
    owners = db.session.scalars(select(Redemption.user_id)).all()
    assert owners == [first.id]


def test_reward_above_the_customers_level_cannot_be_claimed(client, db, login_as, post_form):
    user = login_as("customer", locale="en")
    make_level(1)
    level2 = make_level(2, threshold=100)
    add_points(user, 40)
    reward = make_reward(name_en="Meet the team", level_id=level2.id)
    db.session.commit()
    response = post_form(f"/rewards/{reward.id}/claim", htmx=True)
    assert response.status_code == 409 and "This reward opens at a higher level." in response.text
    assert "Reach level 2 to claim this" in response.text
    assert '<span id="points-counter" hx-swap-oob="true">40</span>' in response.text
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 0


def test_reward_costing_more_than_the_balance_cannot_be_claimed(client, db, login_as, post_form):
    user = login_as("customer", locale="en")
    add_points(user, 50)
    add_points(user, -40, source_type="redemption")
    reward = make_reward(name_en="Tree planted", point_cost=20)
    db.session.commit()
    response = post_form(f"/rewards/{reward.id}/claim")
    assert response.status_code == 409
    assert "You do not have enough points for this reward yet." in response.text
    assert "10 more points needed" in response.text
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 0


def test_missing_or_retired_reward_is_not_found(client, db, login_as, post_form):
    login_as("customer", locale="en")
    retired = make_reward(active=False)
    db.session.commit()
    assert post_form("/rewards/999999/claim").status_code == 404
    assert post_form(f"/rewards/{retired.id}/claim").status_code == 404
    assert post_form(f"/rewards/{retired.id}/claim", htmx=True).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 0


def test_another_customers_claim_is_neither_shown_nor_blocking(client, db, login_as, post_form):
    login_as("customer", locale="en")
    other = make_user("customer")
    reward = make_reward(name_en="Roadmap session")
    db.session.add(Redemption(user_id=other.id, reward_id=reward.id, created_at=WHEN))
    db.session.commit()
    page = client.get("/rewards").text
    assert "Claimed on" not in page and "Claim this reward" in page
    assert post_form(f"/rewards/{reward.id}/claim").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 2


def test_claim_needs_a_csrf_token(client, db, login_as):
    login_as("customer", locale="en")
    reward = make_reward()
    db.session.commit()
    assert client.post(f"/rewards/{reward.id}/claim").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 0


def test_rewards_query_budget_does_not_grow(app, client, db, login_as):
    user = login_as("customer", locale="en")
    level = make_level(1)
    make_level(2, threshold=1000)
    add_points(user, 20)
    make_reward(level_id=level.id)
    db.session.commit()
    few = queries(app, client, "/rewards")
    for i in range(40):
        reward = make_reward(level_id=level.id if i % 2 else None, point_cost=i, stock=i % 3)
        if i % 4 == 0:
            db.session.add(Redemption(user_id=user.id, reward_id=reward.id))
    db.session.commit()
    assert queries(app, client, "/rewards") == few <= 10


# --- contributions -----------------------------------------------------------------------------

def _contributions(user):
    level = make_level(2)
    quote = make_challenge(level, type_key="test_quote", title_en="Your quote")
    review = make_challenge(level, type_key="test_review", title_en="Review us on G2")
    question = make_challenge(level, type_key="question", title_en="A plain question")
    return quote, review, question


def test_contributions_list_status_summary_and_withdraw_form(client, db, login_as, contribution_types):
    user = login_as("customer", locale="en")
    quote, review, question = _contributions(user)
    waiting = make_submission(user, quote, status=PENDING, text="Waiting words", attempt=1)
    published = make_submission(user, quote, status=APPROVED, text="Published words", attempt=2)
    rejected = make_submission(user, review, status=REJECTED, text="Rejected words", review_note="Link does not work")
    withdrawn = make_submission(user, quote, status=APPROVED, text="Withdrawn words", attempt=3,
                                consent_withdrawn_at=WHEN)
    accepted = make_submission(user, review, status=APPROVED, text="Accepted words", attempt=2)
    make_submission(user, question, text="Not a contribution")
    db.session.commit()

    page = client.get("/contributions").text
    assert "Not a contribution" not in page and "A plain question" not in page
    assert "Your quote" in page and "Customer quote" in page and "External review" in page and "Mar 3, 2025" in page

    def row(submission):
        start = page.index(f'id="contribution-{submission.id}"')
        return page[start: page.index("</li>", start)]

    assert "Waiting for review" in row(waiting) and "Waiting words" in row(waiting)
    assert "Published" in row(published) and "Withdraw my consent" in row(published)
    assert "we will not use this" in row(published)
    assert "Not accepted" in row(rejected) and "Link does not work" in row(rejected)
    assert "Withdraw my consent" not in row(rejected)  # a review has no consent to withdraw
    assert "Consent withdrawn" in row(withdrawn) and "Withdraw my consent" not in row(withdrawn)
    assert "Accepted" in row(accepted) and "Published" not in row(accepted)  # nothing of ours to publish
    assert "Withdraw my consent" not in row(accepted)
    assert f'hx-post="/contributions/{published.id}/withdraw"' in row(published)
    assert f'hx-target="#contribution-{published.id}"' in row(published)


def test_withdraw_without_htmx_unpublishes_and_redirects(client, db, login_as, post_form, contribution_types):
    user = login_as("customer", locale="en")
    quote, _review, _question = _contributions(user)
    submission = make_submission(user, quote)
    db.session.commit()
    response = post_form(f"/contributions/{submission.id}/withdraw")
    assert response.status_code == 303 and response.headers["Location"] == "/contributions"
    page = client.get("/contributions").text
    assert "You withdrew your consent for “Your quote”" in page and "Consent withdrawn" in page
    db.session.expire_all()
    stored = db.session.get(Submission, submission.id)
    assert stored.consent_withdrawn_at is not None and not stored.is_published


def test_withdraw_with_htmx_returns_the_updated_row(client, db, login_as, post_form, contribution_types):
    user = login_as("customer", locale="en")
    quote, _review, _question = _contributions(user)
    submission = make_submission(user, quote)
    db.session.commit()
    response = post_form(f"/contributions/{submission.id}/withdraw", htmx=True)
    assert response.status_code == 200 and "<html" not in response.text
    row_start = f'<li class="contribution contribution-withdrawn" id="contribution-{submission.id}">'
    assert response.text.strip().startswith(row_start)
    assert "Consent withdrawn" in response.text and "Withdraw my consent" not in response.text
    assert "You withdrew your consent" in response.text


def test_withdrawing_twice_says_so_without_an_error_page(client, db, login_as, post_form, contribution_types):
    user = login_as("customer", locale="en")
    quote, _review, _question = _contributions(user)
    submission = make_submission(user, quote, consent_withdrawn_at=WHEN)
    db.session.commit()
    htmx = post_form(f"/contributions/{submission.id}/withdraw", htmx=True)
    assert htmx.status_code == 200 and "You had already withdrawn your consent" in htmx.text
    plain = post_form(f"/contributions/{submission.id}/withdraw")
    assert plain.status_code == 303
    assert "You had already withdrawn your consent" in client.get("/contributions").text
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).consent_withdrawn_at == WHEN


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_another_customers_contribution_is_not_found(client, db, login_as, post_form, contribution_types, htmx):
    login_as("customer", locale="en")
    other = make_user("customer")
    quote, _review, _question = _contributions(other)
    theirs = make_submission(other, quote, text="Their secret words")
    db.session.commit()
    response = post_form(f"/contributions/{theirs.id}/withdraw", htmx=htmx)
    assert response.status_code == 404 and "Their secret words" not in response.text
    assert post_form("/contributions/999999/withdraw", htmx=htmx).status_code == 404
    assert "Their secret words" not in client.get("/contributions").text
    assert "Their secret words" not in client.get("/contributions", headers=HX).text
    db.session.expire_all()
    assert db.session.get(Submission, theirs.id).consent_withdrawn_at is None


def test_withdraw_is_only_for_consent_contributions(client, db, login_as, post_form, contribution_types):
    user = login_as("customer", locale="en")
    _quote, review, question = _contributions(user)
    for challenge in (review, question):
        submission = make_submission(user, challenge)
        db.session.commit()
        assert post_form(f"/contributions/{submission.id}/withdraw").status_code == 404


def test_contributions_query_budget_does_not_grow(app, client, db, login_as, contribution_types):
    user = login_as("customer", locale="en")
    quote, review, _question = _contributions(user)
    make_submission(user, quote)
    db.session.commit()
    few = queries(app, client, "/contributions")
    for i in range(40):
        challenge = make_challenge(quote.level, type_key="test_quote" if i % 2 else "test_review")
        make_submission(user, challenge, status=(APPROVED, PENDING, REJECTED)[i % 3], review_note="No")
    db.session.commit()
    assert queries(app, client, "/contributions") == few <= 6


# --- profile -----------------------------------------------------------------------------------

def test_profile_form_shows_the_current_values_and_opt_in_is_off(client, db, login_as):
    login_as("customer", locale="en", name="Nina de Vries", job_title="IT manager")
    page = client.get("/profile").text
    assert 'value="Nina de Vries"' in page and 'value="IT manager"' in page
    assert re.search(r'<input[^>]*id="leaderboard_opt_in"[^>]*>', page)
    assert "checked" not in re.search(r'<input[^>]*id="leaderboard_opt_in"[^>]*>', page).group(0)
    assert re.search(r'<input[^>]*checked[^>]*value="en"|<input[^>]*value="en"[^>]*checked', page)


def test_saving_the_profile_without_htmx(client, db, login_as, post_form):
    user = login_as("customer", locale="en")
    response = post_form("/profile", {
        "name": "  Nina de Vries ", "job_title": "IT manager", "linkedin_url": "https://www.linkedin.com/in/nina",
        "locale": "nl", "leaderboard_opt_in": "y", "display_name": "Nina",
    })
    assert response.status_code == 303 and response.headers["Location"] == "/profile"
    assert client.get_cookie("locale", domain="portal.test").value == "nl"
    db.session.refresh(user)
    assert (user.name, user.job_title, user.linkedin_url, user.locale, user.leaderboard_opt_in, user.display_name) == (
        "Nina de Vries", "IT manager", "https://www.linkedin.com/in/nina", "nl", True, "Nina")
    page = client.get("/profile").text
    assert '<html lang="nl">' in page and flash_texts(page)


def test_saving_the_profile_with_htmx_reloads_the_whole_page(client, db, login_as, post_form):
    user = login_as("customer", locale="nl")
    response = post_form("/profile", {"name": "Nina", "locale": "en"}, htmx=True, boosted=True)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/profile"
    assert client.get_cookie("locale", domain="portal.test").value == "en"
    db.session.refresh(user)
    assert user.locale == "en" and user.job_title is None and user.linkedin_url is None
    assert user.leaderboard_opt_in is False and user.display_name is None
    assert "Your profile is saved." in client.get("/profile").text


@pytest.mark.parametrize("data,message", [
    ({"name": "   ", "locale": "en"}, "Enter your name."),
    ({"name": "N" * 121, "locale": "en"}, "Use at most 120 characters."),
    ({"name": "Nina", "job_title": "J" * 121, "locale": "en"}, "Use at most 120 characters."),
    ({"name": "Nina", "locale": "fr"}, "Choose Nederlands or English."),
    ({"name": "Nina"}, "Choose a language."),
    ({"name": "Nina", "locale": "en", "display_name": "D" * 61}, "Use at most 60 characters."),
    ({"name": "Nina", "locale": "en", "linkedin_url": "http://www.linkedin.com/in/nina"}, "LinkedIn profile"),
    ({"name": "Nina", "locale": "en", "linkedin_url": "https://evil.example/in/nina"}, "LinkedIn profile"),
    ({"name": "Nina", "locale": "en", "linkedin_url": "https://linkedin.com.evil.example/x"}, "LinkedIn profile"),
    ({"name": "Nina", "locale": "en", "linkedin_url": "https://www.linkedin.com@evil.example/x"}, "LinkedIn profile"),
    ({"name": "Nina", "locale": "en", "linkedin_url": "https://[linkedin.com/in/x"}, "LinkedIn profile"),
    ({"name": "Nina", "locale": "en", "linkedin_url": "javascript:alert(1)//linkedin.com"}, "LinkedIn profile"),
])
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_bad_profile_input_comes_back_with_422_and_the_input_kept(client, db, login_as, post_form, data, message, htmx):
    user = login_as("customer", locale="en", name="Original Name")
    response = post_form("/profile", {"job_title": "Kept title", **data}, htmx=htmx, boosted=htmx)
    assert response.status_code == 422
    assert message in response.text and 'aria-invalid="true"' in response.text
    if "job_title" not in data:
        assert 'value="Kept title"' in response.text
    if data.get("linkedin_url"):
        assert data["linkedin_url"].replace("&", "&amp;") in response.text
    db.session.refresh(user)
    assert user.name == "Original Name" and user.job_title is None


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_hostile_profile_input_never_gives_a_server_error(client, db, login_as, post_form, htmx):
    login_as("customer", locale="en")
    for data in [
        {}, {"name": "\x00", "locale": "\x00"}, {"name": "a" * 100_000, "linkedin_url": "b" * 100_000},
        {"name": "<script>alert(1)</script>", "locale": "en'--", "linkedin_url": "https://linkedin.com:99999/"},
        {"name": ["a", "b"], "locale": ["nl", "en"], "leaderboard_opt_in": ["y", "n"]},
    ]:
        response = post_form("/profile", data, htmx=htmx)
        assert response.status_code in (204, 303, 422), data
        assert "<script>alert(1)</script>" not in response.text


def test_linkedin_url_check():
    from app.customer.forms import is_linkedin_url

    assert is_linkedin_url("https://www.linkedin.com/in/nina")
    assert is_linkedin_url("https://nl.linkedin.com/in/nina")
    assert is_linkedin_url("https://linkedin.com/in/nina")
    for bad in ["http://linkedin.com/in/x", "https://notlinkedin.com/in/x", "https://linkedin.com.evil/x",
                "https://a@linkedin.com/", "https://linkedin.com:8443/", "https://linkedin.com/in/ x",
                "linkedin.com/in/x"]:
        assert not is_linkedin_url(bad), bad


# --- leaderboard -------------------------------------------------------------------------------

def _board(viewer_opt_in: bool):
    company = make_company("Secret Customer BV")
    viewer = make_user("customer", locale="en", name="Viewer Person", email="viewer@example.com",
                       leaderboard_opt_in=viewer_opt_in, company=company)
    alice = make_user("customer", name="Alice Jansen", email="alice@example.com", leaderboard_opt_in=True,
                      display_name="Ace", company=company)
    kees = make_user("customer", name="Kees van Dijk", email="kees@example.com", leaderboard_opt_in=True,
                     company=company)
    hidden = make_user("customer", name="Hidden Person", email="hidden@example.com", display_name="Shy",
                       company=company)
    add_points(viewer, 40)
    add_points(alice, 100)
    add_points(alice, -90, source_type="redemption")  # spending never lowers the rank
    add_points(kees, 60)
    add_points(hidden, 1000)
    return viewer, alice, kees, hidden


def test_leaderboard_shows_only_opted_in_customers_ranked_by_earned_points(client, db, login_as):
    viewer, *_ = _board(viewer_opt_in=True)
    login_as(viewer)
    page = client.get("/leaderboard").text
    assert "Ace" in page and "K.v.D." in page and "Shy" not in page and "Hidden" not in page
    assert page.index("Ace") < page.index("K.v.D.") < page.index("V.P.")
    assert "@example.com" not in page and "Secret Customer BV" not in page
    assert "Alice" not in page and "Kees" not in page
    you = re.search(r'<tr class="leaderboard-you" aria-current="true">.*?</tr>', page, re.S).group(0)
    assert "V.P." in you and ">You<" in you and "40" in you
    assert re.search(r"<td>1</td>\s*<th scope=\"row\">Ace", page)


def test_leaderboard_explains_how_to_join_when_not_opted_in(client, db, login_as):
    viewer, *_ = _board(viewer_opt_in=False)
    login_as(viewer)
    page = client.get("/leaderboard").text
    assert "You are not on the leaderboard" in page and 'href="/profile"' in page
    assert "leaderboard-you" not in page and "V.P." not in page


def test_leaderboard_can_be_switched_off(app, client, db, login_as, monkeypatch):
    login_as("customer", locale="en")
    monkeypatch.setitem(app.config, "LEADERBOARD_ENABLED", False)
    assert client.get("/leaderboard").status_code == 404
    page = client.get("/points").text
    assert 'href="/leaderboard"' not in page and 'href="/badges"' in page


def test_profile_keeps_the_leaderboard_choice_while_the_leaderboard_is_off(app, client, db, login_as, post_form,
                                                                           monkeypatch):
    user = login_as("customer", locale="en", leaderboard_opt_in=True, display_name="Ace")
    monkeypatch.setitem(app.config, "LEADERBOARD_ENABLED", False)
    assert "leaderboard_opt_in" not in client.get("/profile").text
    assert post_form("/profile", {"name": "Nina", "locale": "en"}).status_code == 303
    db.session.refresh(user)
    assert user.name == "Nina" and user.leaderboard_opt_in is True and user.display_name == "Ace"


def test_leaderboard_is_one_query_and_does_not_grow(app, client, db, login_as):
    viewer, *_ = _board(viewer_opt_in=True)
    login_as(viewer)
    few = queries(app, client, "/leaderboard")
    for i in range(40):
        person = make_user("customer", leaderboard_opt_in=bool(i % 2))
        add_points(person, i)
        add_points(person, i + 1)
    db.session.commit()
    with count_queries(app) as statements:
        page = client.get("/leaderboard").text
    assert len(statements) == few <= 4  # +1: the programme's identity (header, title, footer)
    assert len([s for s in statements if "LIMIT" in s.upper() and "points_entries" in s]) == 1
    assert page.count("<tr") == 21  # the header and the top 20


# --- every page ----------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/points", "/badges", "/rewards", "/contributions", "/profile", "/leaderboard"])
def test_pages_answer_htmx_with_a_fragment(client, db, login_as, url):
    login_as("customer", locale="en")
    full = client.get(url)
    fragment = client.get(url, headers=HX)
    assert full.status_code == fragment.status_code == 200
    assert "<html" in full.text and "<html" not in fragment.text and "<h1>" in fragment.text
    assert "style=" not in full.text and "<script>" not in full.text
