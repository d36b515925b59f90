"""The published journey, cached per worker: every designer change is seen on the next request of every
worker, customers' own actions never invalidate it, and what is cached cannot be changed by a reader."""
from __future__ import annotations

import copy

import pytest
from sqlalchemy import select, update

from app import create_app
from app.journey import design
from app.journey.definition import ChallengeDef, current_definition
from app.journey.models import ARCHIVED, DRAFT, Challenge, journey_version
from app.journey.progress import complete_challenge
from app.journey.state import journey_state
from app.rewards.models import LEVEL_REACHED, Badge
from tests.conftest import base_config, csrf_token
from tests.factories import make_badge, make_challenge, make_level, make_user

ANSWER = {"answer": "It saves us hours every week."}


def _stamp(db):
    return db.session.scalar(select(journey_version.c.version))


def _signed_in(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


@pytest.mark.committed
def test_a_published_change_is_seen_by_every_worker_on_its_next_request(app, db, tmp_path):
    """Two app instances with engines of their own on one database stand for two workers."""
    other = create_app({**base_config(tmp_path), "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    level = make_level(1, name="Engagement")
    challenge = make_challenge(level, "question", title_en="Old title")
    customer = make_user("customer", locale="en")
    marketer = make_user("marketer")
    db.session.commit()
    here, there = _signed_in(app, customer), _signed_in(other, customer)
    try:
        for client in (here, there):  # both workers have read (and cached) the journey
            assert "Old title" in client.get("/").text

        challenge.title_en = "New title"  # a change made through this worker, committed
        db.session.commit()
        for client in (there, here):
            page = client.get("/").text
            assert "New title" in page and "Old title" not in page

        # Through the designer's own route on the other worker: archived, gone here at once.
        staff = _signed_in(other, marketer)
        with other.app_context():
            token = csrf_token(other, staff)
        answer = staff.post(f"/admin/challenges/{challenge.id}/archive", data={"csrf_token": token})
        assert answer.status_code == 303
        db.session.remove()  # this worker's next request starts a new transaction, as every request does
        assert "New title" not in here.get("/").text
        assert here.get(f"/challenges/{challenge.id}").status_code == 404
    finally:
        with other.app_context():
            from app.extensions import db as other_db

            other_db.session.remove()
            other_db.engine.dispose()


def test_every_designer_change_gives_a_new_stamp_in_its_own_transaction(db):
    one = make_level(1)
    two = make_level(2, threshold=10)
    first = make_challenge(one, "question", title_en="First")
    second = make_challenge(one, "question", title_en="Second")
    badge = make_badge()
    db.session.commit()
    seen = {_stamp(db)}

    def bumped(change):
        change()
        db.session.flush()
        stamp = _stamp(db)
        assert stamp not in seen, change
        seen.add(stamp)
        db.session.commit()

    bumped(lambda: setattr(first, "title_en", "First, edited"))
    bumped(lambda: setattr(first, "config", {"min_length": 5}))
    bumped(lambda: design.unpublish(second))
    bumped(lambda: design.publish(second))
    bumped(lambda: two.required_challenges.append(first))  # a required-challenge link only
    bumped(lambda: two.required_challenges.remove(first))
    bumped(lambda: design.move_challenge(second, design.UP))
    bumped(lambda: design.move_level(two, design.UP))
    bumped(lambda: design.duplicate_challenge(first))
    bumped(lambda: design.archive(second))
    bumped(lambda: setattr(two, "points_threshold", 40))
    bumped(lambda: setattr(badge, "active", False))
    bumped(lambda: db.session.add(Badge(key="new", name_nl="Nieuw", name_en="New", rule=LEVEL_REACHED, rule_level=one)))
    draft = make_challenge(one, status=DRAFT)
    db.session.commit()
    bumped(lambda: design.delete_challenge(draft))
    bumped(lambda: db.session.execute(update(Challenge).where(Challenge.id == first.id).values(points=99)))
    empty = make_level(3)
    db.session.commit()
    bumped(lambda: design.delete_level(empty))


def test_customers_never_invalidate_the_journey(client, db, login_as, post_form):
    level = make_level(1)
    challenge = make_challenge(level, "question", points=10)
    make_badge(rule_value=5)
    db.session.commit()
    user = login_as("customer")
    stamp = _stamp(db)
    assert client.get("/").status_code == 200
    assert client.get(f"/challenges/{challenge.id}").status_code == 200
    assert post_form(f"/challenges/{challenge.id}", ANSWER).status_code == 303
    assert _stamp(db) == stamp
    assert journey_state(user).by_challenge[challenge.id].status == "done"


def test_a_rolled_back_change_is_never_served(app, db):
    level = make_level(1)
    challenge = make_challenge(level, "question", title_en="Kept")
    db.session.commit()
    assert current_definition().challenges[challenge.id].title_en == "Kept"
    challenge.title_en = "Never committed"
    db.session.flush()
    assert current_definition().challenges[challenge.id].title_en == "Never committed"  # this transaction's own view
    db.session.rollback()
    assert current_definition().challenges[challenge.id].title_en == "Kept"


def test_the_cached_journey_is_plain_read_only_values(db):
    level = make_level(1)
    challenge = make_challenge(level, "poll")
    db.session.commit()
    cached = current_definition().challenges[challenge.id]
    assert isinstance(cached, ChallengeDef) and not isinstance(cached, Challenge)
    assert not hasattr(cached, "_sa_instance_state")  # nothing a session could track or expire
    with pytest.raises(AttributeError):
        cached.title_en = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        cached.config["options"].append({"nl": "Misschien", "en": "Maybe"})
    with pytest.raises(TypeError):
        cached.config["multiple"] = True
    copied = copy.deepcopy(cached.config)
    copied["options"].append({"nl": "Misschien", "en": "Maybe"})  # a copy is an ordinary dict again
    assert len(cached.config["options"]) == 2 and isinstance(cached.config, dict)


def test_archived_and_draft_challenges_are_not_in_the_published_journey(db):
    level = make_level(1)
    shown = make_challenge(level)
    draft = make_challenge(level, status=DRAFT)
    archived = make_challenge(level, status=ARCHIVED)
    required_draft = make_challenge(level, status=DRAFT)
    two = make_level(2, required=[required_draft])
    db.session.commit()
    definition = current_definition()
    assert shown.id in definition.challenges
    assert draft.id not in definition.challenges and archived.id not in definition.challenges
    # A level still waits for a required draft: customers see it as missing, as before.
    assert [c.id for c in definition.level(two.id).required] == [required_draft.id]
    state = journey_state(make_user("customer"))
    assert [c.id for c in state.levels[1].missing_required] == [required_draft.id]
    complete_challenge(make_user("customer"), shown, ANSWER)
