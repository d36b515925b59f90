"""Where the identity shows: the referee's landing page (who we are, pitch, what we do, logo), the
referral forms (who is a good introduction), the outreach message and share text, the header; read
once per request. Every notification mail has a subject that says what happened, in the recipient's
language."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.demo.identity import DEMO_IDENTITY, demo_logo
from app.identity.logo import clean_logo
from app.identity.services import identity
from app.mail import OutboxMessage
from app.notifications.services import headline, notify
from app.referrals.intake import Introduction, outreach_message, tell_account_manager
from tests.conftest import HX, count_queries
from tests.factories import (
    make_challenge,
    make_company,
    make_level,
    make_programme_identity,
    make_referee,
    make_user,
)


@pytest.fixture
def supplier(db):
    data, media_type = clean_logo(demo_logo())
    row = make_programme_identity(**DEMO_IDENTITY, logo=data, logo_type=media_type, logo_version=3)
    db.session.commit()
    return row


def test_the_landing_page_says_who_we_are_in_the_visitors_language(client, db, supplier):
    make_user("customer", referral_code="anoukcode123")
    db.session.commit()
    nl = client.get("/r/anoukcode123", headers={"Accept-Language": "nl"}).text
    assert "Een introductie bij Kroonveld Installatietechniek" in nl and "Wie we zijn" in nl
    assert DEMO_IDENTITY["pitch_nl"] in nl and DEMO_IDENTITY["about_nl"][:40] in nl
    assert 'src="/brand/logo-3.png"' in nl and 'alt="Logo van Kroonveld Installatietechniek"' in nl
    en = client.get("/r/anoukcode123", headers={"Accept-Language": "en"}).text
    assert "An introduction to Kroonveld Installatietechniek" in en and DEMO_IDENTITY["pitch_en"] in en
    assert DEMO_IDENTITY["about_en"][:40] in en


@pytest.mark.parametrize("type_key", ["referral", "linkedin_intro", "share"])
def test_referral_forms_show_who_is_a_good_introduction(client, db, login_as, supplier, type_key):
    level = make_level(1)
    challenge = make_challenge(level, type_key=type_key)
    login_as("customer", locale="en")
    page = client.get(f"/challenges/{challenge.id}").text
    assert "Who is a good introduction for us?" in page and DEMO_IDENTITY["ideal_customer_en"] in page
    fragment = client.get(f"/challenges/{challenge.id}", headers=HX).text
    assert DEMO_IDENTITY["ideal_customer_en"] in fragment


def test_other_challenges_do_not_show_it(client, db, login_as, supplier):
    challenge = make_challenge(make_level(1), type_key="question")
    login_as("customer", locale="en")
    assert "Who is a good introduction for us?" not in client.get(f"/challenges/{challenge.id}").text


def test_the_outreach_message_and_share_text_name_the_supplier(app, client, db, login_as, supplier):
    referrer = make_user("customer", company=make_company("Zorggroep Oost"))
    intro = Introduction(name="Bram Bos", company="Bos Advies", benefit="Their building is old.", route="contact",
                         may_mention=True)
    with app.test_request_context():
        assert "Wij zijn Kroonveld Installatietechniek." in outreach_message(referrer, intro, "nl")
        assert "We are Kroonveld Installatietechniek." in outreach_message(referrer, intro, "en")
    challenge = make_challenge(make_level(1), type_key="share")
    login_as("customer", locale="nl")
    page = client.get(f"/challenges/{challenge.id}").text
    assert f"Kroonveld Installatietechniek: {DEMO_IDENTITY['pitch_nl']}" in page


def test_the_header_shows_logo_and_name_and_identity_is_read_once_per_request(app, client, db, login_as, supplier):
    login_as("customer", locale="en")
    db.session.expire_all()
    with count_queries(app) as statements:
        page = client.get("/profile").text
    assert '<img class="brand-logo" src="/brand/logo-3.png" alt="">' in page
    assert "· Kroonveld Installatietechniek</title>" in page
    assert len([s for s in statements if "programme_identity" in s]) == 1
    assert not any("programme_identity.logo," in s or "programme_identity.logo " in s for s in statements)


# --- mail subjects ----------------------------------------------------------------------------------

def _subjects(db) -> list[str]:
    return [m.subject for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_a_notification_has_the_subject_it_was_given_in_the_recipients_language(app, db):
    dutch, english = make_user("customer", locale="nl"), make_user("customer", locale="en")
    with app.test_request_context():
        for person in (dutch, english):
            notify(person, "review", "Je quote is goedgekeurd. Dank je!", "Your quote is approved. Thank you!",
                   subject=("Je quote is goedgekeurd", "Your quote is approved"))
    assert _subjects(db) == ["Je quote is goedgekeurd", "Your quote is approved"]


def test_without_a_subject_the_first_sentence_is_the_subject():
    assert headline("Your reward is arranged. Enjoy it!") == "Your reward is arranged."
    long = "word " * 40
    assert len(headline(long)) <= 90 and headline(long).endswith("…")


def test_a_new_introduction_tells_the_account_manager_who_introduced_whom(app, db):
    manager = make_user("sales", locale="nl")
    referrer = make_user("customer", name="Anouk Jansen", company=make_company("Zorggroep Oost", account_manager=manager))
    referee = make_referee(referrer, name="Bram Bos")
    db.session.query(OutboxMessage).delete()
    with app.test_request_context():
        tell_account_manager(referee)
    assert _subjects(db) == ["Nieuwe introductie van Anouk Jansen"]


def test_an_approved_contribution_says_so_in_the_subject(client, db, login_as, post_form):
    from app.journey.models import PENDING
    from tests.factories import make_submission

    challenge = make_challenge(make_level(1), type_key="quote", title_nl="Wat vind je van ons?", title_en="What do you think?",
                               needs_review=True)
    customer = make_user("customer", locale="nl")
    submission = make_submission(customer, challenge, status=PENDING)
    login_as("marketer", locale="en")
    response = post_form(f"/admin/moderation/{submission.id}/review", {"decision": "approve"})
    assert response.status_code in (200, 303)
    assert _subjects(db)[-1] == "Quote goedgekeurd: “Wat vind je van ons?”"


@pytest.mark.parametrize("score,subject", [(3, "Detractor-alert: Anouk Jansen is ontevreden (Score 3 — criticaster)"),
                                           (10, "Promoter-alert: Anouk Jansen zou ons aanbevelen (Score 10 — promoter)")])
def test_nps_alerts_say_what_happened(app, db, score, subject):
    from app.nps.services import record_answer

    manager = make_user("sales", locale="nl")
    customer = make_user("customer", name="Anouk Jansen", company=make_company("Zorggroep Oost", account_manager=manager))
    with app.test_request_context():
        record_answer(customer, score, "Omdat")
    assert subject in _subjects(db)


def test_before_any_identity_is_set_the_name_is_neutral_in_each_language(app, db):
    from flask_babel import force_locale

    with app.test_request_context():
        with force_locale("nl"):
            assert identity().name == "Ons klantenprogramma"
        with force_locale("en"):
            assert identity().name == "Our customer programme"
