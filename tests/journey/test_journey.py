"""Walking the journey: completing challenges, the ledger, levels, badges, reviews."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.dates import utcnow
from app.journey.models import APPROVED, DRAFT, PENDING, REJECTED, LevelUnlock, Submission
from app.journey.progress import complete_challenge, review_submission
from app.journey.state import journey_state
from app.points.models import PointsEntry
from app.rewards.models import LEVEL_REACHED, Badge, UserBadge
from tests.conftest import HX, count_queries
from tests.factories import make_challenge, make_level, make_user

ANSWER = {"answer": "It saves us hours every week."}


@pytest.fixture
def journey(db):
    """Two levels: level 2 needs 20 points and the first question."""
    one = make_level(1, name="Engagement")
    first = make_challenge(one, "question", points=15, title_en="First question")
    second = make_challenge(one, "question", points=10, title_en="Second question")
    two = make_level(2, threshold=20, required=[first], name="Loyalty")
    later = make_challenge(two, "question", points=30, title_en="Level two question")
    db.session.add(Badge(key="loyal", name_nl="Trouw", name_en="Loyal fan", rule=LEVEL_REACHED, rule_level=two, icon="heart"))
    db.session.commit()
    return dict(one=one, two=two, first=first, second=second, later=later)


def _points(db, user) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0)).where(PointsEntry.user_id == user.id))


def test_completing_a_question_awards_its_points_once(client, db, login_as, post_form, journey):
    user = login_as("customer", locale="en")
    url = f"/challenges/{journey['first'].id}"
    response = post_form(url, ANSWER)
    assert response.status_code == 303 and response.headers["Location"] == url
    page = client.get(url).text
    assert "Well done! You earned 15 points." in page and "You completed this challenge" in page
    again = post_form(url, ANSWER)
    assert again.status_code == 409 and "You already completed this challenge." in again.text
    assert db.session.scalar(select(func.count(Submission.id))) == 1
    assert _points(db, user) == 15
    entry = db.session.scalars(select(PointsEntry)).one()
    assert (entry.source_type, entry.reason_en) == ("submission", "First question")


def test_htmx_completion_updates_points_and_progress_out_of_band(client, db, login_as, post_form, journey):
    login_as("customer", locale="en")
    response = post_form(f"/challenges/{journey['first'].id}", ANSWER, htmx=True)
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html and 'class="celebration"' in html
    assert '<span id="points-counter" hx-swap-oob="true">15</span>' in html
    assert 'id="challenge-page"' in html and "Still to go: 5 points" in html


def test_reaching_the_next_level_and_its_badge_are_celebrated(client, db, login_as, post_form, journey):
    user = login_as("customer", locale="en")
    post_form(f"/challenges/{journey['first'].id}", ANSWER)
    response = post_form(f"/challenges/{journey['second'].id}", ANSWER, htmx=True)
    assert "New level reached: Loyalty!" in response.text
    assert "New badge: Loyal fan" in response.text
    unlocked = set(db.session.scalars(select(LevelUnlock.level_id).where(LevelUnlock.user_id == user.id)))
    assert unlocked == {journey["one"].id, journey["two"].id}
    assert db.session.scalar(select(func.count(UserBadge.id))) == 1
    # Without JavaScript the same news arrives as messages on the next page.
    other = login_as("customer", locale="en")
    post_form(f"/challenges/{journey['first'].id}", ANSWER)
    post_form(f"/challenges/{journey['second'].id}", ANSWER)
    page = client.get(f"/challenges/{journey['second'].id}").text
    assert "New level reached: Loyalty!" in page and "New badge: Loyal fan" in page
    assert _points(db, other) == 25


def test_locked_level_shows_what_is_still_needed_and_refuses_answers(client, db, login_as, post_form, journey):
    login_as("customer", locale="en")
    home = client.get("/").text
    assert "Still to go: 20 points and 1 required challenge" in home
    response = post_form(f"/challenges/{journey['later'].id}", ANSWER)
    assert response.status_code == 409 and "opens when you reach its level" in response.text
    assert db.session.scalar(select(func.count(Submission.id))) == 0


def test_home_puts_the_next_best_challenge_first(client, db, login_as, journey):
    login_as("customer", locale="en")
    home = client.get("/").text
    next_step = home.split('class="next-step"')[1].split("</section>")[0]
    assert "First question" in next_step  # required for the next level


def test_wrong_input_comes_back_with_422_and_what_was_typed(client, db, login_as, post_form, journey):
    login_as("customer", locale="en")
    url = f"/challenges/{journey['first'].id}"
    response = post_form(url, {"answer": "x"})
    assert response.status_code == 422 and "Write between 3 and 2000 characters." in response.text
    assert "x</textarea>" in response.text
    htmx = post_form(url, {"answer": ""}, htmx=True)
    assert htmx.status_code == 422 and "<html" not in htmx.text and "Write your answer." in htmx.text


def test_editing_points_later_does_not_change_points_awarded(client, db, login_as, post_form, journey):
    user = login_as("customer")
    post_form(f"/challenges/{journey['first'].id}", ANSWER)
    journey["first"].points = 500
    journey["first"].title_en = "Renamed"
    db.session.commit()
    assert _points(db, user) == 15
    assert db.session.scalars(select(PointsEntry)).one().reason_en == "First question"


def test_review_needed_answers_wait_and_score_on_approval(app, client, db, login_as, post_form, journey):
    journey["second"].needs_review = True
    db.session.commit()
    user = login_as("customer", locale="en")
    post_form(f"/challenges/{journey['second'].id}", ANSWER)
    submission = db.session.scalars(select(Submission)).one()
    assert submission.status == PENDING and _points(db, user) == 0
    assert "Waiting for review" in client.get("/").text
    marketer = make_user("marketer")
    assert review_submission(submission, marketer, approve=True, note="Thanks!") is True
    db.session.commit()
    assert submission.status == APPROVED and _points(db, user) == 10
    assert review_submission(submission, marketer, approve=False) is False  # already reviewed


def test_rejected_answer_gives_no_points_and_may_be_sent_again(client, db, login_as, post_form, journey):
    journey["second"].needs_review = True
    db.session.commit()
    user = login_as("customer", locale="en")
    url = f"/challenges/{journey['second'].id}"
    post_form(url, ANSWER)
    first = db.session.scalars(select(Submission)).one()
    review_submission(first, make_user("marketer"), approve=False, note="Please be more specific.")
    db.session.commit()
    assert first.status == REJECTED and _points(db, user) == 0
    assert post_form(url, ANSWER).status_code == 303
    assert db.session.scalar(select(func.max(Submission.attempt))) == 2


def test_repeatable_challenge_scores_each_attempt(client, db, login_as, post_form, journey):
    journey["second"].repeatable = True
    db.session.commit()
    user = login_as("customer")
    url = f"/challenges/{journey['second'].id}"
    assert post_form(url, ANSWER).status_code == 303
    assert post_form(url, ANSWER).status_code == 303
    assert _points(db, user) == 20


def test_closed_and_unpublished_challenges(client, db, login_as, post_form, journey):
    login_as("customer", locale="en")
    journey["second"].ends_at = utcnow() - timedelta(days=1)
    journey["first"].status = DRAFT
    db.session.commit()
    response = post_form(f"/challenges/{journey['second'].id}", ANSWER)
    assert response.status_code == 409 and "not open at the moment" in response.text
    assert client.get(f"/challenges/{journey['first'].id}").status_code == 404


def test_a_customer_never_sees_another_customers_answer(client, db, login_as, post_form, journey):
    other = make_user("customer")
    db.session.commit()
    complete_challenge(other, journey["first"], {"answer": "A private answer of someone else"})
    db.session.commit()
    login_as("customer", locale="en")
    page = client.get(f"/challenges/{journey['first'].id}")
    assert page.status_code == 200 and "A private answer" not in page.text
    fragment = client.get(f"/challenges/{journey['first'].id}", headers=HX)
    assert "A private answer" not in fragment.text
    assert 'name="answer"' in page.text  # still open for this customer


def test_staff_cannot_complete_challenges(client, db, login_as, post_form, journey):
    login_as("marketer")
    assert post_form(f"/challenges/{journey['first'].id}", ANSWER).status_code == 403


def _queries(app, client, url) -> int:
    from app.extensions import db

    assert client.get(url).status_code == 200  # a worker that has read the published journey once
    db.session.expunge_all()  # measure a request with an empty session, as in production
    with count_queries(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_home_and_challenge_page_query_budget_does_not_grow(app, client, db, login_as, journey):
    from app.auth.models import User
    from app.journey.models import Challenge, Level

    user_id = login_as("customer").id
    one_id, two_id, second_id = journey["one"].id, journey["two"].id, journey["second"].id
    url = f"/challenges/{journey['first'].id}"
    few = (_queries(app, client, "/"), _queries(app, client, url))
    one, two = db.session.get(Level, one_id), db.session.get(Level, two_id)
    for _ in range(30):
        make_challenge(one, "question", points=5)
        make_challenge(two, "poll", points=5)
        complete_challenge(make_user("customer"), db.session.get(Challenge, second_id), ANSWER)
    db.session.commit()
    user = db.session.get(User, user_id)
    extra = db.session.scalars(select(Challenge).where(Challenge.level_id == one_id).order_by(Challenge.id).offset(2).limit(10))
    for challenge in list(extra):
        complete_challenge(user, challenge, ANSWER)
    db.session.commit()
    many = (_queries(app, client, "/"), _queries(app, client, url))
    assert few == many
    # Home: user, journey stamp with points and pause, attempts, notifications, company and account
    # manager. Challenge page: user, stamp with points and pause, attempts, the view it records.
    # Both: the organisation's identity (header, title, footer).
    assert many == (6, 5), many


def _completion_statements(app, client, post_form, challenge_id: int) -> tuple[int, str]:
    from app.extensions import db

    db.session.expunge_all()
    with count_queries(app) as statements:
        response = post_form(f"/challenges/{challenge_id}", ANSWER, htmx=True)
    assert response.status_code == 200, response.status_code
    return len(statements), response.text


def test_a_first_completion_takes_at_most_fifteen_statements_at_any_size(app, client, db, login_as, post_form, journey):
    """A question that does not unlock a level, answered by a new customer (so level 1 is recorded as
    reached too), with badges of every rule to check, before and after the journey and its data grow."""
    from app.extensions import db as _db
    from app.journey.models import Challenge, Level
    from app.rewards.models import POINTS_AT_LEAST, TYPE_COUNT

    db.session.add(Badge(key="chatty", name_nl="Prater", name_en="Chatty", rule=TYPE_COUNT, rule_type_key="question",
                         rule_value=1, icon="megaphone"))
    db.session.commit()
    second_id, one_id, two_id = journey["second"].id, journey["one"].id, journey["two"].id
    login_as("customer", locale="en")
    assert client.get("/").status_code == 200  # this worker has read the published journey
    few, page = _completion_statements(app, client, post_form, second_id)
    assert "Well done! You earned 10 points." in page and "New badge: Chatty" in page
    assert 'id="points-counter" hx-swap-oob="true">10<' in page

    one, two = _db.session.get(Level, one_id), _db.session.get(Level, two_id)
    for n in range(30):
        make_challenge(one, "question", points=5)
        make_challenge(two, "poll", points=5)
        _db.session.add(Badge(key=f"many-{n}", name_nl=f"Veel {n}", name_en=f"Many {n}", rule=POINTS_AT_LEAST,
                              rule_value=1000 + n))
        complete_challenge(make_user("customer"), _db.session.get(Challenge, second_id), ANSWER)
    _db.session.commit()
    login_as("customer", locale="en")  # a new customer again, in a journey and among customers that grew
    assert client.get("/").status_code == 200
    many, page = _completion_statements(app, client, post_form, second_id)
    assert "Well done! You earned 10 points." in page
    assert few == many <= 15, (few, many)


def test_journey_state_counts_earned_and_balance(db, journey):
    user = make_user("customer")
    db.session.commit()
    complete_challenge(user, journey["first"], ANSWER)
    db.session.commit()
    state = journey_state(user)
    assert (state.earned, state.balance) == (15, 15)
    assert [lvl.unlocked for lvl in state.levels] == [True, False]
    assert state.levels[1].points_to_go == 5 and state.levels[1].missing_required == []


def test_a_repeatable_challenge_waits_its_pause_before_it_can_be_done_again(client, db, login_as, post_form, journey):
    journey["second"].repeatable = True
    journey["second"].config = {"repeat_after_days": 30}
    db.session.commit()
    login_as("customer", locale="en")
    url = f"/challenges/{journey['second'].id}"
    assert post_form(url, ANSWER).status_code == 303
    assert post_form(url, ANSWER).status_code == 409  # too soon
    submission = db.session.scalars(select(Submission)).one()
    submission.created_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert post_form(url, ANSWER).status_code == 303
