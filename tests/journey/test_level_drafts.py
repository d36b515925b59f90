"""A new level is a draft until a marketer publishes it; customers never see a draft level."""
from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.journey import design
from app.journey.models import DRAFT, PUBLISHED, Level
from app.journey.state import journey_state
from tests.conftest import HX
from tests.factories import make_challenge, make_level, make_user

NEW_LEVEL = {"name_nl": "Kenners", "name_en": "Insiders", "description_nl": "Voor de echte kenners.",
             "description_en": "For real insiders.", "points_threshold": "0"}


def test_a_new_level_is_a_draft_that_customers_do_not_see(app, client, db, login_as, post_form):
    make_level(1, name="Start")
    login_as("marketer", locale="en")
    assert post_form("/admin/levels/new", NEW_LEVEL).status_code == 303
    level = db.session.scalars(select(Level).where(Level.name_en == "Insiders")).one()
    assert level.status == DRAFT
    challenge = make_challenge(level, title_en="Secret step", title_nl="Geheime stap")
    db.session.commit()
    page = client.get("/admin/levels").text
    assert "Draft" in page and "Customers do not see it yet." in page and f"/admin/levels/{level.id}/publish" in page

    customer = login_as("customer", locale="en")
    assert [state.level.id for state in journey_state(customer).levels] != [] and \
        level.id not in [state.level.id for state in journey_state(customer).levels]
    home = client.get("/").text
    assert "Insiders" not in home and "Secret step" not in home
    assert client.get(f"/challenges/{challenge.id}").status_code == 404


def test_publishing_needs_a_published_challenge_and_both_languages(app, client, db, login_as, post_form):
    level = make_level(1, status=DRAFT, name="Kenners", description_nl="Voor kenners.")
    login_as("marketer", locale="en")
    response = post_form(f"/admin/levels/{level.id}/publish", {})
    assert response.status_code == 303
    db.session.refresh(level)
    assert level.status == DRAFT
    page = client.get("/admin/levels").text
    assert "stays a draft" in page and "Still empty: English description" in page
    assert "has no published challenge yet" in page
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "level.publish")).first() is None

    login_as("marketer", locale="nl")
    post_form(f"/admin/levels/{level.id}/publish", {})
    assert "Nog leeg: Engelse beschrijving" in client.get("/admin/levels").text


def test_a_complete_draft_is_published_audited_and_shown_to_customers(app, client, db, login_as, post_form):
    level = make_level(1, status=DRAFT, name="Kenners", description_nl="Voor kenners.", description_en="For insiders.")
    make_challenge(level, status=DRAFT)
    make_challenge(level, title_en="First step")
    marketer = login_as("marketer", locale="nl")
    assert post_form(f"/admin/levels/{level.id}/publish", {}, htmx=True).status_code in (204, 303)
    db.session.refresh(level)
    assert level.status == PUBLISHED
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "level.publish")).one()
    assert entry.actor_id == marketer.id and entry.details["after"] == {"status": PUBLISHED}
    login_as("admin", locale="en")
    assert "Level published" in client.get("/admin/audit").text
    customer = login_as("customer", locale="en")
    assert level.id in [state.level.id for state in journey_state(customer).levels]
    assert "First step" in client.get("/").text


def test_a_published_level_cannot_require_challenges_of_a_draft_level(app, db):
    draft = make_level(1, status=DRAFT)
    hidden = make_challenge(draft)
    later = make_level(2, status=DRAFT, description_nl="x", description_en="y", required=[hidden])
    make_challenge(later)
    with app.test_request_context():
        reasons = design.publish_level(later)
    assert later.status == DRAFT and reasons, reasons
    assert any("verplichte uitdaging" in reason for reason in reasons), reasons  # the default locale


def test_publishing_twice_changes_nothing_and_fragment_requests_work(app, client, db, login_as, post_form):
    level = make_level(1)
    login_as("marketer", locale="en")
    assert post_form(f"/admin/levels/{level.id}/publish", {}).status_code == 303
    assert db.session.scalars(select(AuditEntry)).first() is None
    assert client.get("/admin/levels", headers=HX).status_code == 200
    assert client.get("/admin/levels/new").status_code == 200
    assert "starts as a draft" in client.get("/admin/levels/new").text


def test_existing_and_seeded_levels_are_published(app, db):
    assert make_level(1).status == PUBLISHED
    make_user("customer")
