"""The journey designer: marketers build levels, challenges, badges and rewards that customers then meet."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from flask import current_app
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.auth.models import User
from app.challenges import REGISTRY, get_type
from app.journey.models import APPROVED, ARCHIVED, DRAFT, PUBLISHED, Challenge, Level, Submission
from app.rewards.models import (
    CHALLENGE_COMPLETED,
    LEVEL_REACHED,
    POINTS_AT_LEAST,
    TYPE_COUNT,
    Badge,
    Reward,
    UserBadge,
)
from tests.conftest import HX, count_queries
from tests.factories import make_challenge, make_level, make_user

POLL_CONFIG = {"multiple": False, "options": [{"nl": "Ja", "en": "Yes"}, {"nl": "Nee", "en": "No"}]}


def _challenge_fields(level, type_key="question", config=None, **overrides) -> dict:
    """A filled-in challenge form, with the type's own settings as their form would send them."""
    data = {
        "level_id": str(level.id), "points": "10",
        "title_nl": "Welke functie gebruik je het meest?", "title_en": "Which feature do you use most?",
        "body_nl": "Kies er één.", "body_en": "Pick one.", "action": "save", **_settings(type_key, config),
    }
    data.update(overrides)
    return data


def _settings(type_key: str, config: dict | None = None) -> dict:
    """The type's settings as its form sends them ({} for a type without settings)."""
    with current_app.test_request_context():
        ctype = get_type(type_key)
        form = ctype.config_form(formdata=None, config=config if config is not None else ctype.default_config())
        return _formdata_of(form) if form is not None else {}


def _formdata_of(form) -> dict:
    """What a browser would send for a filled-in form (for the type's own settings form)."""
    data: dict = {}
    for field in form:
        if field.type in ("CSRFTokenField", "SubmitField"):
            continue
        if field.type in ("FieldList", "FormField"):
            data.update(_formdata_of(field))
        elif field.type == "BooleanField":
            if field.data:
                data[field.name] = "y"
        elif isinstance(field.data, list):
            data[field.name] = [str(value) for value in field.data]
        else:
            data[field.name] = field._value() if hasattr(field, "_value") else field.data
    return data


def _actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- the whole path: design, publish, a customer completes it ---------------------------------

def test_marketer_builds_a_poll_that_a_customer_completes(app, client, db, login_as, post_form):
    marketer = login_as("marketer", locale="en")
    response = post_form("/admin/levels/new", {
        "name_nl": "Betrokkenheid creëren", "name_en": "Creating engagement", "points_threshold": "0",
        "description_nl": "Kleine stappen.", "description_en": "Small steps.",
    })
    assert response.status_code == 303 and response.headers["Location"] == "/admin/levels"
    level = db.session.scalars(select(Level)).one()
    assert level.position == 1

    chooser = client.get("/admin/challenges/new")
    assert chooser.status_code == 200 and "Poll" in chooser.text and "Choose one or several options." in chooser.text
    page = client.get("/admin/challenges/new?type=poll")
    assert page.status_code == 200 and 'name="title_nl"' in page.text and 'name="title_en"' in page.text

    response = post_form("/admin/challenges/new", {"type": "poll", **_challenge_fields(level, "poll", POLL_CONFIG)})
    assert response.status_code == 303
    challenge = db.session.scalars(select(Challenge)).one()
    assert response.headers["Location"] == f"/admin/challenges/{challenge.id}/edit"
    assert (challenge.status, challenge.type_key, challenge.level_id) == (DRAFT, "poll", level.id)
    assert challenge.title_nl == "Welke functie gebruik je het meest?" and challenge.needs_review is False
    if not challenge.config.get("options"):
        # The poll type has no settings form yet: give it its options the way the form would.
        challenge.config = POLL_CONFIG
        db.session.commit()

    response = post_form(f"/admin/challenges/{challenge.id}/publish", {"next": "/admin/challenges"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/challenges"
    db.session.refresh(challenge)
    assert challenge.status == PUBLISHED
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "challenge.publish")).one()
    assert (entry.actor_id, entry.target_type, entry.target_id) == (marketer.id, "Challenge", challenge.id)
    # The new level is a draft until it is published too.
    assert level.status == DRAFT
    assert post_form(f"/admin/levels/{level.id}/publish", {}).status_code == 303
    db.session.refresh(level)
    assert level.status == PUBLISHED
    assert _actions(db) == ["level.create", "challenge.create", "challenge.publish", "level.publish"]

    customer = login_as("customer", locale="en")
    home = client.get("/")
    assert "Which feature do you use most?" in home.text
    response = post_form(f"/challenges/{challenge.id}", {"choice": "0"})
    assert response.status_code == 303
    submission = db.session.scalars(select(Submission)).one()
    assert (submission.user_id, submission.status, submission.data["choices"]) == (customer.id, APPROVED, [0])


def test_a_draft_is_not_shown_to_customers(client, db, login_as, post_form):
    level = make_level(1)
    make_challenge(level, title_en="Secret draft", status=DRAFT)
    make_challenge(level, title_en="Old one", status=ARCHIVED)
    login_as("customer", locale="en")
    home = client.get("/").text
    assert "Secret draft" not in home and "Old one" not in home


# --- levels ----------------------------------------------------------------------------------

def test_level_form_shows_languages_side_by_side_and_keeps_input_when_invalid(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    page = client.get("/admin/levels/new").text
    assert 'class="lang-columns"' in page and "Nederlands" in page and "English" in page
    data = {"name_nl": "Loyaliteit", "name_en": "", "points_threshold": "-5"}
    response = post_form("/admin/levels/new", data)
    assert response.status_code == 422
    assert "Fill in the English name." in response.text and "Choose a number from 0 to 1000000." in response.text
    assert 'value="Loyaliteit"' in response.text
    htmx = post_form("/admin/levels/new", data, htmx=True)
    assert htmx.status_code == 422 and "<html" not in htmx.text and "Fill in the English name." in htmx.text
    assert db.session.scalar(select(func.count(Level.id))) == 0


def test_required_challenges_come_from_published_challenges_of_lower_levels(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    one, two = make_level(1), make_level(2)
    low = make_challenge(one, title_en="Low published")
    make_challenge(one, title_en="Low draft", status=DRAFT)
    high = make_challenge(two, title_en="High published")
    db.session.commit()
    page = client.get(f"/admin/levels/{two.id}/edit").text
    assert "Low published" in page and "Low draft" not in page and "High published" not in page

    base = {"name_nl": "Twee", "name_en": "Two", "points_threshold": "40"}
    refused = post_form(f"/admin/levels/{two.id}/edit", {**base, "required_challenges": [str(high.id)]})
    assert refused.status_code == 422 and "Choose published challenges of lower levels only." in refused.text
    for hostile in (["abc"], ["99999999999999999999999"], ["\x00"]):
        assert post_form(f"/admin/levels/{two.id}/edit", {**base, "required_challenges": hostile}).status_code == 422

    response = post_form(f"/admin/levels/{two.id}/edit", {**base, "required_challenges": [str(low.id)]}, htmx=True)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/admin/levels"
    db.session.refresh(two)
    assert [c.id for c in two.required_challenges] == [low.id] and two.points_threshold == 40
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "level.update")).one()
    assert (entry.details["before"]["points_threshold"], entry.details["after"]["points_threshold"]) == (0, 40)


def test_levels_list_shows_order_threshold_and_required_challenges(client, db, login_as):
    login_as("marketer", locale="en")
    one = make_level(1, name="Engagement")
    first = make_challenge(one, title_en="Tell us your NPS")
    make_level(2, threshold=40, required=[first], name="Loyalty")
    db.session.commit()
    page = client.get("/admin/levels").text
    assert page.index("Engagement") < page.index("Loyalty")
    assert "40" in page and "Tell us your NPS" in page


def test_moving_a_level_swaps_positions_with_and_without_htmx(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    one, three = make_level(1, name="One"), make_level(3, name="Three")
    make_level(2, name="Two")
    db.session.commit()
    response = post_form(f"/admin/levels/{three.id}/move", {"direction": "up"}, htmx=True)
    assert response.status_code == 200 and "<html" not in response.text and 'id="level-list"' in response.text
    assert response.text.index("Three") < response.text.index("Two")
    plain = post_form(f"/admin/levels/{one.id}/move", {"direction": "down"})
    assert plain.status_code == 303 and plain.headers["Location"] == "/admin/levels"
    db.session.expire_all()
    ordered = list(db.session.scalars(select(Level).order_by(Level.position)))
    assert [lvl.name_en for lvl in ordered] == ["Three", "One", "Two"]
    assert [lvl.position for lvl in ordered] == [1, 2, 3]
    # Already at the top: nothing changes, and it says so.
    top = post_form(f"/admin/levels/{three.id}/move", {"direction": "up"}, htmx=True)
    assert top.status_code == 200 and "already at the top" in top.text
    assert post_form(f"/admin/levels/{three.id}/move", {"direction": "sideways"}).status_code == 303
    assert post_form(f"/admin/levels/{three.id}/move", {"direction": "sideways"}, htmx=True).status_code == 422
    assert _actions(db) == ["level.move", "level.move"]


def test_a_level_cannot_move_above_the_level_whose_challenges_it_requires(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    one = make_level(1, name="One")
    first = make_challenge(one)
    two = make_level(2, required=[first], name="Two")
    db.session.commit()
    response = post_form(f"/admin/levels/{two.id}/move", {"direction": "up"}, htmx=True)
    assert response.status_code == 409 and "requires challenges of" in response.text
    db.session.expire_all()
    assert (one.position, two.position) == (1, 2)


def test_a_level_with_challenges_cannot_be_deleted_but_an_empty_one_can(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    one, two, three = make_level(1, name="One"), make_level(2, name="Two"), make_level(3, name="Three")
    make_challenge(one, status=ARCHIVED)
    db.session.commit()
    response = post_form(f"/admin/levels/{one.id}/delete", {"next": "/admin/levels"})
    assert response.status_code == 303
    assert "still has 1 challenge" in client.get("/admin/levels").text
    assert db.session.get(Level, one.id) is not None

    response = post_form(f"/admin/levels/{two.id}/delete", {"next": "//evil.example/"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/levels"
    db.session.expire_all()
    assert db.session.get(Level, two.id) is None
    assert three.position == 2  # no gap: customers keep seeing levels 1, 2 …
    assert "level.delete" in _actions(db)


def test_a_level_used_by_a_badge_or_reward_is_kept(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    level = make_level(1, name="One")
    db.session.add(Badge(key="b", name_nl="B", name_en="B", rule=LEVEL_REACHED, rule_level=level))
    db.session.commit()
    post_form(f"/admin/levels/{level.id}/delete")
    assert "A badge is earned by reaching" in client.get("/admin/levels").text
    assert db.session.get(Level, level.id) is not None


# --- challenges ------------------------------------------------------------------------------

def test_new_challenge_defaults_needs_review_to_the_types_and_rejects_unknown_types(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    make_level(1)
    two = make_level(2)
    db.session.commit()
    review = client.get("/admin/challenges/new?type=review").text
    assert re.search(r'<input[^>]*checked[^>]*name="needs_review"|<input[^>]*name="needs_review"[^>]*checked', review)
    assert f'<option selected value="{two.id}">' in review or f'value="{two.id}" selected' in review
    poll = client.get("/admin/challenges/new?type=poll").text
    assert not re.search(r'<input[^>]*name="needs_review"[^>]*checked', poll)
    unknown = client.get("/admin/challenges/new?type=bitcoin")
    assert unknown.status_code == 422 and "Choose one of the challenge types." in unknown.text
    posted = post_form("/admin/challenges/new", {"type": "<script>", **_challenge_fields(two)})
    assert posted.status_code == 422 and "<script>" not in posted.text
    assert db.session.scalar(select(func.count(Challenge.id))) == 0


def test_publishing_without_an_english_title_fails_and_keeps_the_input(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    level = make_level(1)
    db.session.commit()
    data = {"type": "question", **_challenge_fields(level, title_en="", body_en="", action="publish")}
    response = post_form("/admin/challenges/new", data)
    assert response.status_code == 422
    assert "This challenge cannot be published yet. Still missing: English title, English text." in response.text
    assert 'value="Welke functie gebruik je het meest?"' in response.text and "Kies er één." in response.text
    htmx = post_form("/admin/challenges/new", data, htmx=True)
    assert htmx.status_code == 422 and "<html" not in htmx.text and "Still missing: English title" in htmx.text
    assert db.session.scalar(select(func.count(Challenge.id))) == 0

    # Saved as a draft it is fine; the publish button then says what is missing.
    assert post_form("/admin/challenges/new", {**data, "action": "save"}).status_code == 303
    challenge = db.session.scalars(select(Challenge)).one()
    refused = post_form(f"/admin/challenges/{challenge.id}/publish")
    assert refused.status_code == 422 and "Still missing: English title, English text." in refused.text
    db.session.refresh(challenge)
    assert challenge.status == DRAFT

    # A published challenge cannot lose a language either.
    challenge.title_en, challenge.body_en, challenge.status = "Title", "Text", PUBLISHED
    db.session.commit()
    edit = post_form(f"/admin/challenges/{challenge.id}/edit", _challenge_fields(level, title_en=""))
    assert edit.status_code == 422 and "Still missing: English title." in edit.text


def test_edit_saves_the_schedule_in_utc_and_records_the_changes(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    level = make_level(1)
    challenge = make_challenge(level, status=DRAFT, points=10)
    db.session.commit()
    form = client.get(f"/admin/challenges/{challenge.id}/edit").text
    assert 'type="datetime-local"' in form and "Preview in Nederlands" in form
    data = _challenge_fields(level, points="25", starts_at="2030-01-15T10:00", ends_at="2030-07-01T09:30",
                             repeatable="y")
    response = post_form(f"/admin/challenges/{challenge.id}/edit", data)
    assert response.status_code == 303
    db.session.refresh(challenge)
    # Amsterdam is UTC+1 in winter and UTC+2 in summer.
    assert challenge.starts_at == datetime(2030, 1, 15, 9, 0) and challenge.ends_at == datetime(2030, 7, 1, 7, 30)
    assert (challenge.points, challenge.repeatable, challenge.status) == (25, True, DRAFT)
    again = client.get(f"/admin/challenges/{challenge.id}/edit").text
    assert 'value="2030-01-15T10:00"' in again
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "challenge.update")).one()
    assert (entry.details["before"]["points"], entry.details["after"]["points"]) == (10, 25)


@pytest.mark.parametrize("changes,message", [
    ({"starts_at": "2030-05-01T10:00", "ends_at": "2030-04-01T10:00"},
     "The closing time must be after the opening time."),
    ({"starts_at": "01-05-2030 10:00"}, "Enter a date and time, such as 2030-03-01 09:00."),
    ({"ends_at": "0001-01-01T00:00"}, "Choose a date between the years 2000 and 2100."),
    ({"starts_at": "2030-13-45T99:99"}, "Enter a date and time, such as 2030-03-01 09:00."),
    ({"points": "-1"}, "Choose a number from 0 to 10000."),
    ({"points": "10001"}, "Choose a number from 0 to 10000."),
    ({"points": "ten"}, "Enter a whole number, such as 25."),
    ({"points": "9" * 5000}, "Enter a whole number, such as 25."),
    ({"points": ""}, "Fill in the points (0 or more)."),
    ({"level_id": "999999"}, "Choose one of the levels."),
    ({"level_id": "abc"}, "Choose one of the levels."),
    ({"title_nl": "", "title_en": ""}, "Give the challenge a title in at least one language."),
    ({"title_en": "x" * 201}, "Use at most 200 characters."),
])
def test_invalid_challenge_input_is_refused_with_a_clear_message(client, db, login_as, post_form, changes, message):
    login_as("marketer", locale="en")
    level = make_level(1)
    challenge = make_challenge(level, status=DRAFT)
    db.session.commit()
    response = post_form(f"/admin/challenges/{challenge.id}/edit", _challenge_fields(level, **changes))
    assert response.status_code == 422 and message in response.text
    htmx = post_form(f"/admin/challenges/{challenge.id}/edit", _challenge_fields(level, **changes), htmx=True)
    assert htmx.status_code == 422 and "<html" not in htmx.text and htmx.headers["HX-Push-Url"] == "false"


def test_a_required_challenge_stays_on_a_lower_level_and_stays_published(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    one = make_level(1)
    first = make_challenge(one, title_en="Required one")
    two = make_level(2, required=[first])
    db.session.commit()
    moved = post_form(f"/admin/challenges/{first.id}/edit", _challenge_fields(two))
    assert moved.status_code == 422 and "Level 2 requires this challenge" in moved.text
    for action in ("archive", "unpublish"):
        post_form(f"/admin/challenges/{first.id}/{action}")
        db.session.refresh(first)
        assert first.status == PUBLISHED
    assert "Remove it from that level" in client.get("/admin/challenges").text


def test_a_challenge_with_answers_is_never_deleted_but_can_be_archived(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    level = make_level(1)
    answered = make_challenge(level, title_en="Answered", status=DRAFT)
    customer = make_user("customer", locale="en")
    db.session.add(Submission(user_id=customer.id, challenge_id=answered.id, data={"answer": "x"}, status=APPROVED))
    db.session.commit()

    response = post_form(f"/admin/challenges/{answered.id}/delete", {"next": "/admin/challenges"})
    assert response.status_code == 303
    assert "has answers from customers, so it is kept. Archive it instead" in client.get("/admin/challenges").text
    assert db.session.get(Challenge, answered.id) is not None

    assert post_form(f"/admin/challenges/{answered.id}/archive").status_code == 303
    assert "is archived: hidden from customers, kept with its answers." in client.get("/admin/challenges").text
    db.session.expire_all()
    assert db.session.get(Challenge, answered.id).status == ARCHIVED
    assert db.session.scalar(select(func.count(Submission.id))) == 1
    assert "Answered" not in client.get("/admin/challenges?status=published").text
    assert "Answered" in client.get("/admin/challenges?status=archived").text

    # Only drafts may be deleted, and a draft without answers may.
    published = make_challenge(level, title_en="Live")
    draft = make_challenge(level, title_en="Scratch", status=DRAFT)
    db.session.commit()
    post_form(f"/admin/challenges/{published.id}/delete")
    assert db.session.get(Challenge, published.id) is not None
    response = post_form(f"/admin/challenges/{draft.id}/delete", {"next": f"/admin/challenges/{draft.id}/edit"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/challenges"
    db.session.expire_all()
    assert db.session.get(Challenge, draft.id) is None
    assert _actions(db) == ["challenge.archive", "challenge.delete"]


def test_unpublish_makes_it_a_draft_again(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    challenge = make_challenge(make_level(1))
    db.session.commit()
    response = post_form(f"/admin/challenges/{challenge.id}/unpublish", htmx=True, boosted=True)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/admin/challenges"
    db.session.refresh(challenge)
    assert challenge.status == DRAFT
    assert _actions(db) == ["challenge.unpublish"]


def test_duplicate_makes_a_draft_copy(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    level = make_level(1)
    original = make_challenge(level, "poll", title_nl="Kies", title_en="Choose", config=dict(POLL_CONFIG), points=15)
    db.session.commit()
    response = post_form(f"/admin/challenges/{original.id}/duplicate")
    assert response.status_code == 303
    copy = db.session.scalars(select(Challenge).where(Challenge.id != original.id)).one()
    assert response.headers["Location"] == f"/admin/challenges/{copy.id}/edit"
    assert (copy.title_nl, copy.title_en, copy.status) == ("Kies (kopie)", "Choose (copy)", DRAFT)
    assert (copy.type_key, copy.points, copy.config, copy.level_id) == ("poll", 15, POLL_CONFIG, level.id)
    assert copy.position > original.position
    assert original.status == PUBLISHED
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.target_id, entry.details["original"]) == ("challenge.duplicate", copy.id, original.id)


def test_reordering_changes_the_order_on_the_customers_home(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    level = make_level(1)
    first = make_challenge(level, title_en="Alpha question", position=1)
    second = make_challenge(level, title_en="Bravo question", position=2)
    other_level = make_challenge(make_level(2), title_en="Charlie question", position=0)
    db.session.commit()

    response = post_form(f"/admin/challenges/{second.id}/move", {"direction": "up"}, htmx=True)
    assert response.status_code == 200 and "<html" not in response.text and 'id="challenge-list"' in response.text
    assert response.text.index("Bravo question") < response.text.index("Alpha question")
    db.session.expire_all()
    assert (second.position, first.position, other_level.position) == (1, 2, 0)

    customer = login_as("customer", locale="en")
    home = client.get("/").text
    assert home.index("Bravo question") < home.index("Alpha question")

    login_as(make_user("marketer", locale="en"))
    plain = post_form(f"/admin/challenges/{second.id}/move", {"direction": "down", "level": str(level.id), "page": "1"})
    assert plain.status_code == 303 and plain.headers["Location"] == f"/admin/challenges?level={level.id}"
    assert "“Bravo question” moved down." in client.get(plain.headers["Location"]).text
    login_as(customer)
    home = client.get("/").text
    assert home.index("Alpha question") < home.index("Bravo question")
    assert _actions(db) == ["challenge.move", "challenge.move"]


def test_challenge_list_filters_by_level_and_status_and_keeps_filters_across_pages(client, db, login_as):
    login_as("marketer", locale="en")
    one, two = make_level(1, name="One"), make_level(2, name="Two")
    for n in range(30):
        make_challenge(one, title_en=f"Draft {n}", status=DRAFT)
    make_challenge(one, title_en="Live one")
    make_challenge(two, title_en="Level two draft", status=DRAFT)
    db.session.commit()
    page = client.get(f"/admin/challenges?level={one.id}&status=draft").text
    assert "Draft 0" in page and "Live one" not in page and "Level two draft" not in page
    assert "Page 1 of 2" in page and f'href="/admin/challenges?page=2&amp;level={one.id}&amp;status=draft"' in page
    second = client.get(f"/admin/challenges?level={one.id}&status=draft&page=2").text
    assert "Draft 29" in second and "Page 2 of 2" in second
    for hostile in ("level=abc&status=nope", "level=99999999999999999999", "page=-3", "status=%00", "level=%C2%B2"):
        assert client.get(f"/admin/challenges?{hostile}").status_code == 200
    fragment = client.get("/admin/challenges", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and "<h1>" in fragment.text


def test_challenge_list_query_budget_does_not_grow_with_rows(app, client, db, login_as):
    login_as("marketer", locale="en")
    levels = [make_level(1), make_level(2)]
    customer = make_user("customer")
    for n in range(3):
        make_challenge(levels[n % 2])
    db.session.commit()

    def queries():
        with count_queries(app) as statements:
            assert client.get("/admin/challenges").status_code == 200
        return len(statements)

    few = queries()
    for n in range(40):
        challenge = make_challenge(levels[n % 2], starts_at=datetime(2030, 1, 1))
        db.session.add(Submission(user_id=customer.id, challenge_id=challenge.id, data={}, status=APPROVED))
    db.session.commit()
    assert few == queries() <= 6


@pytest.mark.parametrize("url", ["/admin/levels", "/admin/badges", "/admin/rewards"])
def test_other_lists_have_a_fixed_query_budget(app, client, db, login_as, url):
    login_as("marketer", locale="en")

    def fill(n):
        for _ in range(n):
            level = make_level(db.session.scalar(select(func.count(Level.id))) + 1)
            make_challenge(level)
            db.session.add(Badge(key=f"k{level.id}", name_nl="B", name_en="B", rule=LEVEL_REACHED, rule_level=level))
            db.session.add(Reward(name_nl="R", name_en="R", kind="recognition", level=level))
        db.session.commit()

    def queries():
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    fill(2)
    few = queries()
    fill(30)
    assert few == queries() <= 7  # +1: the programme's identity (header, title, footer)


def test_preview_shows_the_customers_view_in_the_chosen_language(client, db, login_as):
    login_as("marketer", locale="en")
    challenge = make_challenge(make_level(1), "poll", title_nl="Welke kleur?", title_en="Which colour?",
                               body_nl="Kies er één.", body_en="Pick one.", config=dict(POLL_CONFIG), status=DRAFT)
    db.session.commit()
    nl = client.get(f"/admin/challenges/{challenge.id}/preview?lang=nl")
    assert nl.status_code == 200
    assert "Welke kleur?" in nl.text and "Kies er één." in nl.text and "Je keuze" in nl.text and "Ja" in nl.text
    assert "Versturen" in nl.text and re.search(r'<button type="submit" disabled>\s*Versturen', nl.text)
    frame = nl.text.split('class="preview-frame"', 1)[1]
    assert "Which colour?" not in frame and "Your choice" not in frame
    # The page around it stays in the marketer's language.
    assert '<html lang="en">' in nl.text and "Preview" in nl.text and "It is a draft" in nl.text
    assert 'lang="nl"' in nl.text

    en = client.get(f"/admin/challenges/{challenge.id}/preview?lang=en").text.split('class="preview-frame"', 1)[1]
    assert "Which colour?" in en and "Your choice" in en and "Yes" in en and "Welke kleur?" not in en
    assert client.get(f"/admin/challenges/{challenge.id}/preview?lang=xx").status_code == 200
    fragment = client.get(f"/admin/challenges/{challenge.id}/preview?lang=en", headers=HX)
    assert "<html" not in fragment.text and "Which colour?" in fragment.text


def test_preview_of_every_type_stores_nothing(client, db, login_as):
    marketer = login_as("marketer", locale="en")
    level = make_level(1)
    challenges = [make_challenge(level, key, status=DRAFT, config={}) for key in sorted(REGISTRY)]
    db.session.commit()
    for challenge in challenges:
        for lang in ("nl", "en"):
            assert client.get(f"/admin/challenges/{challenge.id}/preview?lang={lang}").status_code == 200
    db.session.refresh(marketer)
    assert marketer.referral_code is None  # the share type's link is made for the stand-in, not stored
    assert db.session.scalar(select(func.count(User.id))) == 1 and _actions(db) == []


def test_preview_and_edit_of_a_challenge_whose_type_is_gone_still_answer(client, db, login_as):
    login_as("marketer", locale="en")
    challenge = make_challenge(make_level(1), "retired_type", status=DRAFT)
    db.session.commit()
    preview = client.get(f"/admin/challenges/{challenge.id}/preview")
    assert preview.status_code == 200 and "is not installed" in preview.text
    assert client.get(f"/admin/challenges/{challenge.id}/edit").status_code == 200
    assert client.get("/admin/challenges").status_code == 200


# --- badges --------------------------------------------------------------------------------

BADGE = {"name_nl": "Trouwe fan", "name_en": "Loyal fan", "description_nl": "", "description_en": "", "icon": "heart"}


@pytest.mark.parametrize("data,message", [
    ({"rule": LEVEL_REACHED}, "Choose the level."),
    ({"rule": POINTS_AT_LEAST}, "Fill in the number of points."),
    ({"rule": POINTS_AT_LEAST, "rule_points": "-5"}, "Choose a number from 1 to 1000000."),
    ({"rule": POINTS_AT_LEAST, "rule_points": "lots"}, "Enter a whole number, such as 25."),
    ({"rule": CHALLENGE_COMPLETED, "rule_challenge_id": "999999"}, "Choose one of the challenges."),
    ({"rule": CHALLENGE_COMPLETED}, "Choose the challenge."),
    ({"rule": TYPE_COUNT, "rule_type_key": "bitcoin", "rule_count": "2"}, "Choose one of the challenge types."),
    ({"rule": TYPE_COUNT, "rule_type_key": "nps"}, "Fill in how many challenges."),
    ({"rule": "always"}, "Choose one of the rules shown."),
    ({"rule": POINTS_AT_LEAST, "rule_points": "5", "icon": "skull"}, "Choose one of the icons shown."),
])
def test_badge_rule_fields_are_validated(client, db, login_as, post_form, data, message):
    login_as("marketer", locale="en")
    response = post_form("/admin/badges/new", {**BADGE, **data})
    assert response.status_code == 422 and message in response.text
    assert 'value="Loyal fan"' in response.text
    assert db.session.scalar(select(func.count(Badge.id))) == 0


def test_badge_is_saved_with_only_its_rules_fields_and_can_be_switched_off(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    level = make_level(2, name="Loyalty")
    db.session.commit()
    page = client.get("/admin/badges/new").text
    for icon in ("star", "heart", "trophy", "rocket", "megaphone", "handshake", "medal", "sparkles"):
        assert f'value="{icon}"' in page
    response = post_form("/admin/badges/new", {**BADGE, "rule": LEVEL_REACHED, "rule_level_id": str(level.id),
                                               "rule_points": "50", "rule_type_key": "nps"})
    assert response.status_code == 303
    badge = db.session.scalars(select(Badge)).one()
    rule = (badge.rule, badge.rule_level_id, badge.rule_value, badge.rule_type_key)
    assert rule == (LEVEL_REACHED, level.id, None, None)
    assert badge.key == "loyal-fan" and badge.icon == "heart" and badge.active
    assert "Reach level 2: Loyalty" in client.get("/admin/badges").text

    response = post_form(f"/admin/badges/{badge.id}/edit",
                         {**BADGE, "rule": TYPE_COUNT, "rule_type_key": "nps", "rule_count": "3"})
    assert response.status_code == 303
    db.session.refresh(badge)
    assert (badge.rule, badge.rule_type_key, badge.rule_value, badge.rule_level_id) == (TYPE_COUNT, "nps", 3, None)

    assert post_form(f"/admin/badges/{badge.id}/deactivate").status_code == 303
    db.session.refresh(badge)
    assert badge.active is False
    post_form(f"/admin/badges/{badge.id}/activate")
    db.session.refresh(badge)
    assert badge.active is True

    # Once awarded it is never deleted.
    customer = make_user("customer")
    db.session.add(UserBadge(user_id=customer.id, badge_id=badge.id))
    db.session.commit()
    post_form(f"/admin/badges/{badge.id}/delete")
    assert db.session.get(Badge, badge.id) is not None
    assert "has been awarded, so it is kept" in client.get("/admin/badges").text
    assert _actions(db) == ["badge.create", "badge.update", "badge.deactivate", "badge.activate"]


def test_a_badge_that_was_never_awarded_can_be_deleted(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    badge = Badge(key="x", name_nl="X", name_en="X", rule=POINTS_AT_LEAST, rule_value=10)
    db.session.add(badge)
    db.session.commit()
    assert post_form(f"/admin/badges/{badge.id}/delete").status_code == 303
    assert db.session.scalar(select(func.count(Badge.id))) == 0
    assert _actions(db) == ["badge.delete"]


# --- rewards -------------------------------------------------------------------------------

REWARD = {"name_nl": "Roadmapsessie", "name_en": "Roadmap session", "description_nl": "", "description_en": "",
          "kind": "exclusive_access", "point_cost": "", "stock": "", "level_id": ""}


def test_reward_form_saves_optional_numbers_and_level(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    level = make_level(2)
    db.session.commit()
    response = post_form("/admin/rewards/new", REWARD)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/rewards"
    reward = db.session.scalars(select(Reward)).one()
    assert (reward.point_cost, reward.stock, reward.level_id, reward.kind) == (None, None, None, "exclusive_access")
    response = post_form(f"/admin/rewards/{reward.id}/edit", {**REWARD, "point_cost": "0", "stock": "12",
                                                              "level_id": str(level.id)}, htmx=True)
    assert response.status_code == 204
    db.session.refresh(reward)
    assert (reward.point_cost, reward.stock, reward.level_id) == (0, 12, level.id)
    assert _actions(db) == ["reward.create", "reward.update"]


@pytest.mark.parametrize("data,message", [
    ({"stock": "-1"}, "Choose a number from 0 to 1000000."),
    ({"point_cost": "-10"}, "Choose a number from 0 to 1000000."),
    ({"point_cost": "1.5"}, "Enter a whole number, such as 25."),
    ({"kind": "cash"}, "Choose one of the kinds shown."),
    ({"level_id": "999999"}, "Choose one of the levels."),
    ({"name_en": ""}, "Fill in the English name."),
])
def test_invalid_reward_input_is_refused(client, db, login_as, post_form, data, message):
    login_as("marketer", locale="en")
    response = post_form("/admin/rewards/new", {**REWARD, **data})
    assert response.status_code == 422 and message in response.text
    assert db.session.scalar(select(func.count(Reward.id))) == 0


def test_warning_when_money_like_rewards_outnumber_intrinsic_ones(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    warning = "Paying people for referrals spoils them"
    db.session.add(Reward(name_nl="Lunch", name_en="Lunch with the founders", kind="exclusive_access"))
    gift = Reward(name_nl="Cadeaubon", name_en="Gift card", kind="gift_card")
    db.session.add(gift)
    db.session.commit()
    assert warning not in client.get("/admin/rewards").text  # one each: not outnumbered
    post_form("/admin/rewards/new", {**REWARD, "name_en": "Discount", "kind": "discount"})
    assert warning in client.get("/admin/rewards").text
    assert warning in client.get("/admin/rewards/new").text
    assert "money-like" in client.get("/admin/rewards").text
    assert post_form(f"/admin/rewards/{gift.id}/deactivate").status_code == 303
    assert warning not in client.get("/admin/rewards").text
    assert _actions(db) == ["reward.create", "reward.deactivate"]


@pytest.mark.parametrize("url", ["/admin/levels", "/admin/levels/new", "/admin/challenges", "/admin/challenges/new",
                                 "/admin/challenges/new?type=event", "/admin/badges", "/admin/badges/new",
                                 "/admin/rewards", "/admin/rewards/new"])
def test_pages_answer_htmx_with_a_fragment_and_plain_requests_with_the_page(client, db, login_as, url):
    login_as("marketer", locale="en")
    make_level(1)
    db.session.commit()
    full, fragment = client.get(url), client.get(url, headers=HX)
    assert full.status_code == fragment.status_code == 200
    assert "<html" in full.text and "<html" not in fragment.text and "<h1>" in fragment.text
    assert 'aria-current="page"' in fragment.text  # the workspace navigation marks the section


# --- access and hostile input ------------------------------------------------------------------

def test_unknown_and_absurd_ids_are_404(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    for url in ("/admin/challenges/0/edit", "/admin/challenges/99999999999999999999999/edit",
                "/admin/levels/99999999999999999999999/edit", "/admin/badges/123/edit",
                "/admin/rewards/99999999999999999999/edit", "/admin/challenges/5/preview"):
        assert client.get(url).status_code == 404, url
    assert post_form("/admin/challenges/99999999999999999999999/publish").status_code == 404
    assert client.get("/admin/challenges/-1/edit").status_code == 404


def test_customers_and_sales_get_403_on_every_designer_route(app, client, db, login_as, post_form):
    for role in ("customer", "sales"):
        login_as(role)
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("admin_designer."):
                continue
            url = rule.rule.replace("<int:level_id>", "1").replace("<int:challenge_id>", "1") \
                .replace("<int:badge_id>", "1").replace("<int:reward_id>", "1")
            response = client.get(url) if "GET" in rule.methods else post_form(url)
            assert response.status_code == 403, (role, url)


NASTY = [
    {},
    {"name_nl": "", "name_en": "", "title_nl": "", "points": "", "points_threshold": "", "kind": "", "rule": ""},
    {key: "a" * 100_000 for key in ("name_nl", "name_en", "title_nl", "title_en", "body_nl", "points", "level_id",
                                     "starts_at", "ends_at", "rule", "rule_points", "point_cost", "type", "direction")},
    {key: "\x00" for key in ("name_nl", "name_en", "title_nl", "title_en", "points", "level_id", "starts_at",
                             "rule", "icon", "kind", "stock", "required_challenges", "type", "next", "direction")},
    {"name_nl": "<script>alert(1)</script>", "name_en": "' OR 1=1 --", "title_nl": "<script>alert(1)</script>",
     "points": "-99999999999", "points_threshold": "-1", "level_id": "-1", "starts_at": "2030-02-30T10:00",
     "ends_at": "yesterday", "rule": LEVEL_REACHED, "rule_level_id": "-1", "stock": "-1", "next": "//evil.example"},
    {"name_nl": ["a", "b"], "title_nl": ["a", "b"], "points": ["1", "2"], "level_id": ["1", "x"],
     "required_challenges": ["1", "1", "x"], "kind": ["gift_card", "discount"], "direction": ["up", "down"]},
    {"points": "1e9", "points_threshold": "0x10", "rule_points": "١٢", "stock": "٣", "starts_at": "2030-01-01T10:00Z",
     "type": "poll", "action": "publish", "rule": TYPE_COUNT, "rule_type_key": "../../etc/passwd"},
]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("payload", range(len(NASTY)))
def test_hostile_input_never_gives_a_server_error(app, client, db, login_as, post_form, payload, htmx):
    login_as("marketer", locale="en")
    level = make_level(1)
    challenge = make_challenge(level, status=DRAFT)
    badge = Badge(key="b", name_nl="B", name_en="B", rule=POINTS_AT_LEAST, rule_value=1)
    reward = Reward(name_nl="R", name_en="R", kind="recognition")
    db.session.add_all([badge, reward])
    db.session.commit()
    urls = [
        "/admin/levels/new", f"/admin/levels/{level.id}/edit", f"/admin/levels/{level.id}/move",
        "/admin/challenges/new", f"/admin/challenges/{challenge.id}/edit", f"/admin/challenges/{challenge.id}/move",
        f"/admin/challenges/{challenge.id}/publish", f"/admin/challenges/{challenge.id}/duplicate",
        "/admin/badges/new", f"/admin/badges/{badge.id}/edit", "/admin/rewards/new", f"/admin/rewards/{reward.id}/edit",
        f"/admin/rewards/{reward.id}/deactivate", f"/admin/badges/{badge.id}/deactivate",
    ]
    for url in urls:
        response = post_form(url, NASTY[payload], htmx=htmx)
        assert response.status_code < 500, (url, response.status_code)
        assert "<script>alert(1)</script>" not in response.text, url
        if response.status_code == 422 and htmx:
            assert "<html" not in response.text, url
        location = response.headers.get("Location", "") + response.headers.get("HX-Redirect", "")
        assert "evil.example" not in location, url
    for url in (f"/admin/challenges/{challenge.id}/preview?lang=%00", "/admin/challenges/new?type=%00",
                f"/admin/challenges?level={'9' * 5000}", "/admin/challenges/new?type=poll&level=abc"):
        assert client.get(url).status_code < 500, url
