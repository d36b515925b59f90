"""Introductions by customers: the approved message, the guards (self-referral, duplicates,
objections, the daily cap), LinkedIn contacts and share links, "my referrals"."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.journey.models import PENDING, Submission
from app.mail import OutboxMessage
from app.points.models import PointsEntry
from app.referrals.models import Referee, RefereeObjection, ShareClick
from app.referrals.settings import programme_settings
from tests.conftest import count_queries
from tests.factories import make_challenge, make_company, make_level

INTRO = {
    "name": "Anna de Vries", "company": "Bouwbedrijf Noord", "role": "Operations director",
    "benefit": "They plan their crews in spreadsheets, exactly as we did two years ago.",
    "route": "contact", "may_mention": "y", "message_locale": "en",
}


@pytest.fixture
def level3(db):
    return make_level(3)


@pytest.fixture
def referral(db, level3):
    challenge = make_challenge(level3, "referral", points=100, repeatable=True, config={"repeat_after_days": 0})
    db.session.commit()
    return challenge


@pytest.fixture
def referrer(db, login_as):
    company = make_company("Zorggroep Oost")
    return login_as("customer", email="anouk@zorggroep.example", name="Anouk Jansen", company=company, locale="en")


def url(challenge) -> str:
    return f"/challenges/{challenge.id}"


def token_of(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def introduce(post_form, challenge, htmx=False, **changes):
    """Fill in, read the message, approve: the whole flow. Returns the approving response."""
    data = {**INTRO, **changes}
    preview = post_form(url(challenge), data, htmx=htmx)
    assert preview.status_code == 200, preview.text
    return post_form(url(challenge), {**data, "token": token_of(preview.text), "approved": "1"}, htmx=htmx)


def referees(db):
    return list(db.session.scalars(select(Referee).order_by(Referee.id)))


@pytest.mark.parametrize("htmx", [False, True])
def test_the_referrer_reads_the_exact_message_before_anything_is_stored(client, db, post_form, referral, referrer, htmx):
    response = post_form(url(referral), INTRO, htmx=htmx)

    assert response.status_code == 200
    page = response.text
    assert "Check the message" in page
    message = re.search(r'<pre class="outreach-message">(.*?)</pre>', page, re.S).group(1)
    assert "Hello Anna," in message
    assert "Anouk Jansen suggested we get in touch" in message
    assert "They plan their crews in spreadsheets" in message
    sealed = token_of(page)  # the form carries the server-made token signed, never in the clear
    token = re.search(r"http://portal\.test/r/object/([A-Za-z0-9_-]+)", message).group(1)
    assert token not in sealed.split(".")[-1]
    assert ("<!doctype html>" in page) is not htmx
    assert referees(db) == [] and db.session.scalar(select(func.count(Submission.id))) == 0

    approved = post_form(url(referral), {**INTRO, "token": sealed, "approved": "1"}, htmx=htmx)

    assert approved.status_code == (200 if htmx else 303)
    [referee] = referees(db)
    assert (referee.name, referee.company, referee.job_role, referee.route) == (
        "Anna de Vries", "Bouwbedrijf Noord", "Operations director", "contact")
    assert referee.token == token and referee.email is None and referee.stage == "new"  # the link they approved
    # Nothing is awarded for naming someone.
    assert db.session.scalar(select(func.count(PointsEntry.id))) == 0
    submission = db.session.scalar(select(Submission))
    assert submission.status == PENDING and "email" not in submission.data


@pytest.mark.parametrize("chosen", ["chosen-by-the-referrer-1234", "", "not a token", "x" * 200])
def test_a_token_from_the_form_is_ignored(client, db, post_form, referral, referrer, chosen):
    """The referee's secret is made by the server: a referrer posting one of their own choosing
    (in the clear, or as anything not signed by the server) gets a fresh one instead."""
    preview = post_form(url(referral), {**INTRO, "token": chosen})
    assert chosen not in re.search(r'<pre class="outreach-message">(.*?)</pre>', preview.text, re.S).group(1) or not chosen
    approved = post_form(url(referral), {**INTRO, "token": chosen, "approved": "1"})
    assert approved.status_code == 303
    [referee] = referees(db)
    assert referee.token != chosen and re.fullmatch(r"[A-Za-z0-9_-]{24}", referee.token)


def test_a_token_signed_for_something_else_is_ignored(app, client, db, post_form, referral, referrer):
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="password-reset").dumps("chosen-by-the-referrer-1234")
    assert post_form(url(referral), {**INTRO, "token": forged, "approved": "1"}).status_code == 303
    [referee] = referees(db)
    assert referee.token != "chosen-by-the-referrer-1234"


def test_change_something_goes_back_to_the_form_as_typed(client, db, post_form, referral, referrer):
    response = post_form(url(referral), {**INTRO, "edit": "1"})
    assert response.status_code == 200
    assert 'value="Anna de Vries"' in response.text and "Check the message" not in response.text
    assert referees(db) == []


def test_the_message_follows_the_chosen_language(client, db, post_form, referral, referrer):
    page = post_form(url(referral), {**INTRO, "message_locale": "nl"}).text
    message = re.search(r'<pre class="outreach-message">(.*?)</pre>', page, re.S).group(1)
    assert "Hallo Anna," in message
    assert "Check the message" in page  # the page itself stays in the customer's language


def test_route_introduce_gives_a_ready_message_under_my_referrals(client, db, post_form, referral, referrer):
    assert introduce(post_form, referral, route="introduce", may_mention="").status_code == 303
    page = client.get("/referrals").text
    assert "Your ready message to forward" in page
    assert "I would like to introduce you to" in page
    assert "Anna de Vries" in page


def test_no_phone_or_email_is_asked_and_an_email_needs_their_agreement(client, db, post_form, referral, referrer):
    form = client.get(url(referral)).text
    assert 'type="tel"' not in form and "phone" not in form.lower()
    assert re.search(r'<input[^>]*name="email"[^>]*required', form) is None

    response = post_form(url(referral), {**INTRO, "email": "anna@noord.example"})
    assert response.status_code == 422
    assert "Only give their e-mail when they agreed to be contacted" in response.text
    assert 'value="anna@noord.example"' in response.text and 'value="Anna de Vries"' in response.text

    assert introduce(post_form, referral, email="Anna@Noord.example", agreed_contact="y").status_code == 303
    assert referees(db)[0].email == "anna@noord.example"


@pytest.mark.parametrize("changes, message", [
    ({"email": "anouk@zorggroep.example", "agreed_contact": "y"}, "That is your own e-mail address"),
    ({"email": "collega@zorggroep.example", "agreed_contact": "y"}, "That address is at your own organisation"),
    ({"company": "Zorggroep  Oost"}, "That is your own company"),
    ({"name": "Anouk Jansen", "company": "Elders BV"}, "You cannot introduce yourself"),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_self_referral_is_refused_with_the_input_kept(client, db, post_form, referral, referrer, changes, message, htmx):
    response = introduce(post_form, referral, htmx=htmx, **changes)

    assert response.status_code == 422
    assert message in response.text
    assert 'value="Operations director"' in response.text  # what they typed is still there
    assert referees(db) == [] and db.session.scalar(select(func.count(Submission.id))) == 0


def test_a_free_mail_domain_shared_with_the_referrer_is_not_self_referral(client, db, post_form, referral, login_as):
    login_as("customer", email="anouk@gmail.com", name="Anouk Jansen")
    assert introduce(post_form, referral, email="anna@gmail.com", agreed_contact="y").status_code == 303


def test_the_first_introduction_of_a_person_wins(client, db, post_form, referral, referrer, login_as):
    assert introduce(post_form, referral).status_code == 303
    login_as("customer", name="Someone Else", locale="en")
    again = introduce(post_form, referral, name="anna  de vries", company="Bouwbedrijf Noord.")

    assert again.status_code == 422
    assert "Someone already introduced this person to us" in again.text
    assert 'value="anna  de vries"' in again.text
    assert len(referees(db)) == 1


def test_the_same_email_counts_as_the_same_person(client, db, post_form, referral, referrer, login_as):
    assert introduce(post_form, referral, email="anna@noord.example", agreed_contact="y").status_code == 303
    login_as("customer", name="Someone Else", locale="en")
    again = introduce(post_form, referral, name="A. de Vries", company="Noord", email="ANNA@noord.example",
                      agreed_contact="y")
    assert again.status_code == 422 and "Someone already introduced this person" in again.text


def test_the_daily_cap_refuses_the_next_introduction(client, db, post_form, referral, referrer):
    programme_settings().daily_referral_cap = 2
    db.session.commit()
    assert introduce(post_form, referral, name="Person One").status_code == 303
    assert introduce(post_form, referral, name="Person Two").status_code == 303
    third = introduce(post_form, referral, name="Person Three")

    assert third.status_code == 422
    assert "You have made 2 introductions today" in third.text
    assert 'value="Person Three"' in third.text
    assert [r.name for r in referees(db)] == ["Person One", "Person Two"]


def test_several_introductions_each_wait_for_sales(client, db, post_form, referral, referrer):
    assert introduce(post_form, referral, name="Person One").status_code == 303
    page = client.get(url(referral)).text
    assert 'name="name"' in page  # the form is open again for the next person
    assert introduce(post_form, referral, name="Person Two").status_code == 303
    assert [s.attempt for s in db.session.scalars(select(Submission).order_by(Submission.attempt))] == [1, 2]


def test_an_objected_person_cannot_be_added_again(client, db, post_form, referral, referrer, app):
    introduce(post_form, referral, email="anna@noord.example", agreed_contact="y")
    referee = referees(db)[0]
    anonymous = app.test_client()
    from tests.conftest import csrf_token

    response = anonymous.post(f"/r/object/{referee.token}", data={"csrf_token": csrf_token(app, anonymous)})
    assert response.status_code == 200 and "Your details are erased" in response.text
    db.session.expire_all()
    assert referees(db) == []
    assert db.session.scalar(select(func.count(RefereeObjection.id))) == 2  # e-mail and name + company
    # Nothing personal is left in the submission either.
    assert "Anna" not in str(db.session.scalar(select(Submission)).data)

    again = introduce(post_form, referral)
    assert again.status_code == 422 and "they asked us not to contact them" in again.text
    assert referees(db) == []


def test_my_referrals_shows_the_stage_in_plain_words_and_points_per_milestone(client, db, post_form, referral, referrer):
    introduce(post_form, referral)
    referee = referees(db)[0]
    referee.stage = "meeting"
    db.session.add(PointsEntry(user_id=referrer.id, points=50, source_type="referral_meeting", source_id=referee.id,
                               reason_nl="x", reason_en="x"))
    db.session.commit()

    page = client.get("/referrals").text
    assert "We have had a conversation with them." in page
    assert "Meeting: +50" in page
    assert "How did it go, from your side?" in page


def test_my_referrals_never_shows_another_customers_introductions(client, db, post_form, referral, referrer, login_as):
    introduce(post_form, referral)
    referee_id = referees(db)[0].id
    login_as("customer", name="Nosy Neighbour")

    page = client.get("/referrals").text
    assert "Anna de Vries" not in page
    assert post_form(f"/referrals/{referee_id}/feedback", {"feedback": "Mine now"}).status_code == 404
    assert post_form(f"/referrals/{referee_id}/feedback", {"feedback": "Mine now"}, htmx=True).status_code == 404


@pytest.mark.parametrize("htmx", [False, True])
def test_the_referrer_tells_how_it_went(client, db, post_form, referral, referrer, htmx):
    introduce(post_form, referral)
    referee = referees(db)[0]
    referee.stage = "meeting"
    db.session.commit()
    bad = post_form(f"/referrals/{referee.id}/feedback", {"feedback": "x" * 1001}, htmx=htmx)
    assert bad.status_code == 422 and "Keep it to 1000 characters." in bad.text

    good = post_form(f"/referrals/{referee.id}/feedback", {"feedback": "They liked it a lot."}, htmx=htmx)
    assert good.status_code == (204 if htmx else 303)
    db.session.expire_all()
    assert referees(db)[0].referrer_feedback == "They liked it a lot."


def test_a_share_sign_up_is_anonymous_to_the_referrer(client, db, referrer):
    db.session.add(Referee(referrer_id=referrer.id, source="share", channel="linkedin", name="Secret Person",
                           company="Hidden BV", token="t" * 24, confirmed_at=None))
    db.session.commit()
    page = client.get("/referrals").text
    assert "Secret Person" not in page and "Someone who opened your link" in page


def test_my_referrals_has_a_fixed_query_budget(client, db, app, referrer):
    def add(n):
        for i in range(n):
            db.session.add(Referee(referrer_id=referrer.id, name=f"Person {i} {n}", company="X", route="introduce",
                                   benefit="Because.", token=f"{n:04d}{i:04d}".ljust(20, "a")))
        db.session.commit()

    add(2)
    with count_queries(app) as few:
        assert client.get("/referrals").status_code == 200
    add(15)
    with count_queries(app) as many:
        assert client.get("/referrals").status_code == 200
    assert len(many) == len(few)


# --- LinkedIn introductions ---------------------------------------------------------------------

REASON = "You are looking for a partner for the maintenance of your buildings."


def test_linkedin_contacts_become_referees_and_the_message_is_shown(client, db, post_form, level3, referrer):
    challenge = make_challenge(level3, "linkedin_intro", points=50)
    db.session.commit()
    page = client.get(url(challenge)).text
    assert "The message your contacts will read" in page and "Anouk Jansen suggested we get in touch" in page

    response = post_form(url(challenge), {"contacts": "Piet Jansen — Jansen BV\nKaren Smit, Smit Logistiek", "agree": "y",
                                          "reason": REASON, "approved": "1"})
    assert response.status_code == 303
    assert [(r.name, r.company, r.source) for r in referees(db)] == [
        ("Piet Jansen", "Jansen BV", "linkedin"), ("Karen Smit", "Smit Logistiek", "linkedin")]
    assert db.session.scalar(select(func.count(PointsEntry.id))) == 0


def test_a_linkedin_contact_without_company_or_of_your_own_company_is_refused(client, db, post_form, level3, referrer):
    challenge = make_challenge(level3, "linkedin_intro", points=50)
    db.session.commit()
    response = post_form(url(challenge), {"contacts": "Piet Jansen", "agree": "y", "reason": REASON})
    assert response.status_code == 422 and "has no company" in response.text
    response = post_form(url(challenge), {"contacts": "Piet Jansen — Zorggroep Oost", "agree": "y", "reason": REASON,
                                          "approved": "1"})
    assert response.status_code == 422 and "That is your own company" in response.text
    assert "Piet Jansen — Zorggroep Oost" in response.text
    assert referees(db) == []


# --- share links --------------------------------------------------------------------------------

def test_the_share_kit_counts_opens_and_sign_ups_per_channel(client, db, post_form, level3, referrer, app):
    challenge = make_challenge(level3, "share", points=25)
    db.session.commit()
    page = client.get(url(challenge)).text
    code = re.search(r"http://portal\.test/r/([\w-]+)\"", page).group(1)
    visitor = app.test_client()
    for n, channel in enumerate(("linkedin", "linkedin", "whatsapp", "nonsense")):
        # Four visitors (another browser each): one visitor's opens count once a day.
        assert visitor.get(f"/r/{code}?c={channel}", headers={"User-Agent": f"Browser {n}"}).status_code == 200
    counts = dict(db.session.execute(select(ShareClick.channel, func.count()).group_by(ShareClick.channel)).all())
    assert counts == {"linkedin": 2, "whatsapp": 1, "other": 1}
    page = client.get(url(challenge)).text
    assert "What your link did so far" in page


def test_showing_the_first_name_on_the_landing_page_is_the_customers_choice(client, db, post_form, level3, referrer, app):
    challenge = make_challenge(level3, "share", points=25)
    db.session.commit()
    code = re.search(r"http://portal\.test/r/([\w-]+)\"", client.get(url(challenge)).text).group(1)
    visitor = app.test_client()
    assert "Anouk" not in visitor.get(f"/r/{code}").text
    assert post_form(url(challenge), {"channels": ["email"], "confirm": "y", "show_name": "y"}).status_code == 303
    assert "Anouk works with us" in visitor.get(f"/r/{code}", headers={"Accept-Language": "en"}).text
    assert "Jansen" not in visitor.get(f"/r/{code}").text  # the first name only


def test_outbox_has_no_mail_for_a_referee_without_email(client, db, post_form, referral, referrer):
    introduce(post_form, referral)
    to = list(db.session.scalars(select(OutboxMessage.to_address)))
    assert all("noord" not in address for address in to)
