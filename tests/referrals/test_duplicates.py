"""A person introduced again under another legal form is a duplicate: the page refuses them with
the usual message, objections made before still hold, and the migration re-keys stored referees."""
from __future__ import annotations

from datetime import datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text

from app import create_app
from app.points.models import PointsEntry
from app.referrals.consent import erase
from app.referrals.intake import Introduction, add_referee, key_hash
from app.referrals.models import FLAG_EXISTING_CUSTOMER, Referee
from app.referrals.names import legacy_person_key
from tests.conftest import base_config
from tests.factories import make_challenge, make_company, make_level, make_referee_objection, make_user
from tests.referrals.test_referrals import introduce, referees

DUPLICATE = "Someone already introduced this person to us"


@pytest.fixture
def referral(db):
    challenge = make_challenge(make_level(3), "referral", points=100, repeatable=True, config={"repeat_after_days": 0})
    db.session.commit()
    return challenge


@pytest.fixture
def referrer(db, login_as):
    company = make_company("Zorggroep Oost")
    return login_as("customer", email="anouk@zorggroep.example", name="Anouk Jansen", company=company, locale="en")


def test_the_second_mark_visser_under_bv_is_refused_with_the_duplicate_message(db, post_form, referral, referrer):
    first = introduce(post_form, referral, name="Mark Visser", company="Visser Installatietechniek")
    assert first.status_code == 303
    again = introduce(post_form, referral, name="Mark Visser", company="Visser Installatietechniek B.V.")
    assert again.status_code == 422 and DUPLICATE in again.text
    assert "Visser Installatietechniek B.V." in again.text  # what was typed stays
    for company in ("VISSER INSTALLATIETECHNIEK HOLDING", "Visser Installatietechniek b.v.", "Visser-Installatietechniek"):
        assert DUPLICATE in introduce(post_form, referral, name="mark  visser", company=company).text
    assert [(r.name, r.company) for r in referees(db)] == [("Mark Visser", "Visser Installatietechniek")]
    assert db.session.scalar(select(func.count(PointsEntry.id))) == 0
    # Another company of the same family name is another person.
    assert introduce(post_form, referral, name="Mark Visser", company="Visser Bouw").status_code == 303


def test_an_objection_recorded_before_the_new_keys_still_holds(db, post_form, referral, referrer):
    # Before revision 0019 an objection kept the hash of the older key (legal form included).
    make_referee_objection(key_hash(legacy_person_key("Mark Visser", "Visser Installatietechniek B.V.")))
    db.session.commit()
    response = introduce(post_form, referral, name="Mark Visser", company="Visser Installatietechniek B.V.")
    assert response.status_code == 422 and "they asked us not to contact them" in response.text
    assert referees(db) == []


def test_a_new_objection_covers_every_legal_form(db, post_form, referral, referrer):
    assert introduce(post_form, referral, name="Mark Visser", company="Visser Installatietechniek BV").status_code == 303
    [referee] = referees(db)
    erase(referee)
    db.session.commit()
    response = introduce(post_form, referral, name="Mark Visser", company="Visser Installatietechniek Holding B.V.")
    assert response.status_code == 422 and "they asked us not to contact them" in response.text


def test_an_introduction_at_a_customer_company_under_another_legal_form_is_flagged(app, db):
    make_company("Kroonveld Installatietechniek B.V.")
    customer = make_user("customer", company=make_company("Zorggroep Oost"))
    with app.test_request_context():
        referee = add_referee(customer, Introduction(name="Piet Smit", company="kroonveld installatietechniek",
                                                     route="contact", benefit="x" * 20), source="referral")
        other = add_referee(customer, Introduction(name="Piet Smit", company="Kroonveld Bouw", route="contact",
                                                   benefit="x" * 20), source="referral")
    assert referee.flag == FLAG_EXISTING_CUSTOMER and other.flag is None


def test_your_own_company_under_another_legal_form_is_refused(db, post_form, referral, referrer):
    response = introduce(post_form, referral, name="Piet Smit", company="Zorggroep-Oost B.V.")
    assert response.status_code == 422 and "That is your own company" in response.text


def test_the_migration_rekeys_referees_and_the_oldest_keeps_a_shared_key(tmp_path):
    url = f"sqlite:///{tmp_path}/rekey.db"
    app = create_app({**base_config(str(tmp_path)), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0020_follow_up_kinds")
    engine = create_engine(url)
    rows = [  # id, name, company, created (day), the key stored before 0021
        (1, "Mark Visser", "Visser Installatietechniek", 3),
        (2, "Mark Visser", "Visser Installatietechniek B.V.", 1),  # the oldest of the three
        (3, "Mark Visser", "Visser Installatietechniek Holding", 2),
        (4, "Anna de Vries", "Bouw Noord", 1),
        (5, "Erased Person", "", 1),
    ]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, email, name, role, locale, is_active, created_at) "
                          "VALUES (1, 'a@example.com', 'A', 'customer', 'nl', 1, '2026-01-01')"))
        for rid, name, company, day in rows:
            conn.execute(text(
                "INSERT INTO referees (id, referrer_id, source, name, company, job_role, linkedin_url, benefit, "
                "may_mention, message_locale, token, stage, lost_reason, referrer_feedback, referee_feedback, "
                "created_at, stage_changed_at, person_key) VALUES (:id, 1, 'referral', :name, :company, '', '', '', "
                "0, 'nl', :token, 'new', '', '', '', :created, :created, :key)"),
                {"id": rid, "name": name, "company": company, "token": f"t{rid:023d}",
                 "created": datetime(2026, 1, day), "key": legacy_person_key(name, company)})
    with app.app_context():
        upgrade()
    with engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT id, person_key FROM referees")).all())
        messages = set(conn.execute(text("SELECT message FROM referees")).scalars())
    engine.dispose()
    assert keys == {1: None, 2: "mark visser|visser installatietechniek", 3: None, 4: "anna de vries|bouw noord",
                    5: None}
    assert messages == {""}


@pytest.mark.parametrize("company", ["Visser Installatietechniek B.V.", "Visser Installatietechniek"])
def test_a_referee_row_keeps_what_was_typed(db, post_form, referral, referrer, company):
    assert introduce(post_form, referral, name="Mark Visser", company=company).status_code == 303
    [referee] = referees(db)
    assert referee.company == company and referee.person_key == "mark visser|visser installatietechniek"
    assert db.session.scalar(select(func.count(Referee.id))) == 1
