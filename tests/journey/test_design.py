"""The authoring rules (journey.design): order, publishing, archiving, copying and deleting keep the journey whole."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.journey import design
from app.journey.models import APPROVED, ARCHIVED, DRAFT, PUBLISHED, Challenge, Level, Submission
from app.rewards.models import CHALLENGE_COMPLETED, Badge, UserBadge
from tests.factories import make_challenge, make_level, make_user


@pytest.fixture(autouse=True)
def marketer_request(app, db):
    """Rules answer in the marketer's language, so they run in a request."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def positions() -> list[tuple[str, int]]:
    return [(level.name_en, level.position) for level in db.session.scalars(select(Level).order_by(Level.position))]


def test_moving_a_level_swaps_it_with_its_neighbour(db):
    one, two, three = make_level(1, name="One"), make_level(2, name="Two"), make_level(3, name="Three")

    assert design.move_level(three, design.UP) is two
    assert positions() == [("One", 1), ("Three", 2), ("Two", 3)]
    assert design.move_level(one, design.UP) is None  # already at the top
    assert design.move_level(two, design.DOWN) is None


def test_a_level_cannot_move_above_a_level_whose_challenges_it_requires(db):
    one = make_level(1, name="One")
    first = make_challenge(one, status=PUBLISHED)
    two = make_level(2, name="Two", required=[first])

    with pytest.raises(design.DesignError) as refused:
        design.move_level(two, design.UP)
    assert "“Two” requires challenges of “One”" in refused.value.message
    assert positions() == [("One", 1), ("Two", 2)]


def test_deleting_a_level_closes_the_gap_and_a_level_in_use_is_kept(db):
    one, two = make_level(1, name="One"), make_level(2, name="Two")
    make_level(3, name="Three")
    make_challenge(one)

    assert "still has 1 challenge" in design.level_delete_blocker(one)
    assert design.level_delete_blocker(two) is None
    design.delete_level(two)
    assert positions() == [("One", 1), ("Three", 2)]


def test_publishing_needs_title_and_text_in_both_languages(db):
    challenge = make_challenge(make_level(1), status=DRAFT, body_en="  ")

    assert design.publish(challenge) == ["body_en"] and challenge.status == DRAFT
    challenge.body_en = "Tell us."
    assert design.publish(challenge) == [] and challenge.status == PUBLISHED


def test_a_required_challenge_is_neither_unpublished_nor_archived(db):
    one = make_level(1)
    first = make_challenge(one, status=PUBLISHED, title_en="First steps")
    make_level(2, required=[first])

    assert "Level 2 requires “First steps”" in design.unpublish(first)
    assert "Level 2 requires “First steps”" in design.archive(first)
    assert first.status == PUBLISHED
    free = make_challenge(one, status=PUBLISHED)
    assert design.archive(free) is None and free.status == ARCHIVED
    assert design.unpublish(free) is None and free.status == DRAFT  # an archived one may come back as a draft


def test_only_an_unused_draft_is_deleted(db):
    level = make_level(1)
    answered = make_challenge(level, status=DRAFT, title_en="Answered")
    db.session.add(Submission(user_id=make_user("customer").id, challenge=answered, attempt=1, data={},
                              status=APPROVED))
    published = make_challenge(level, status=PUBLISHED, title_en="Live")
    badged = make_challenge(level, status=DRAFT, title_en="Badged")
    db.session.add(Badge(key="b", name_nl="B", name_en="B", rule=CHALLENGE_COMPLETED, rule_challenge=badged))
    unused = make_challenge(level, status=DRAFT)
    db.session.flush()

    assert "has answers from customers" in design.challenge_delete_blocker(answered)
    assert "Only drafts can be deleted" in design.challenge_delete_blocker(published)
    assert "A badge is earned by completing “Badged”" in design.challenge_delete_blocker(badged)
    assert design.challenge_delete_blocker(unused) is None
    design.delete_challenge(unused)
    assert db.session.get(Challenge, unused.id) is None


def test_a_copy_is_a_draft_at_the_end_of_its_level_marked_as_a_copy(db):
    level = make_level(1)
    original = make_challenge(level, "poll", status=PUBLISHED, title_nl="T" * 200, title_en="Which one?", position=1)
    make_challenge(level, position=40)

    copy_ = design.duplicate_challenge(original)

    assert copy_.id != original.id and copy_.status == DRAFT and copy_.level_id == level.id
    assert copy_.title_en == "Which one? (copy)"
    assert copy_.title_nl == "T" * 192 + " (kopie)" and len(copy_.title_nl) == 200
    assert copy_.position == 41
    copy_.config["options"].append({"nl": "Misschien", "en": "Maybe"})
    assert len(original.config["options"]) == 2  # a deep copy: editing the copy leaves the original


def test_moving_a_challenge_renumbers_its_level(db):
    level = make_level(1)
    a, b, c = (make_challenge(level, position=5, title_en=t) for t in "abc")

    assert design.move_challenge(c, design.UP) == (3, 2)
    order = [ch.title_en for ch in db.session.scalars(
        select(Challenge).where(Challenge.level_id == level.id).order_by(Challenge.position))]
    assert order == ["a", "c", "b"]
    assert design.move_challenge(a, design.UP) is None


def test_badge_keys_are_readable_and_unique(db):
    db.session.add(Badge(key="first-steps", name_nl="x", name_en="x", rule="level_reached"))
    db.session.flush()

    assert design.badge_key("First steps!") == "first-steps-2"
    assert design.badge_key("Één 🎉") == "n"
    assert design.badge_key("🎉") == "badge"


def test_an_awarded_badge_is_kept(db):
    badge = Badge(key="fan", name_nl="Fan", name_en="Fan", rule="level_reached")
    db.session.add(badge)
    db.session.flush()
    assert design.badge_delete_blocker(badge) is None
    db.session.add(UserBadge(user_id=make_user("customer").id, badge_id=badge.id))
    db.session.flush()
    assert "has been awarded, so it is kept" in design.badge_delete_blocker(badge)
