"""Every challenge type through the real challenge page: its form, a valid answer (plain and htmx),
wrong input (422 with the input kept), hostile input, and each type's own rules."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.challenges import REGISTRY, get_type
from app.challenges.types.nps import nps_category
from app.journey.models import APPROVED, PENDING, Submission
from app.points.models import PointsEntry
from tests.factories import make_challenge, make_level
from tests.helpers import programme_today

ALL_TYPES = ["question", "poll", "nps", "profile", "content", "quote", "case_story", "review", "event",
             "reference_call", "referral", "linkedin_intro", "share"]

IN_A_MONTH = (programme_today() + timedelta(days=30)).isoformat()

# type → (config, valid answer, wrong answer, an English error message, typed text kept on the page or None)
SPECS = {
    "question": (
        {"min_length": 10},
        {"answer": "We save hours every week on reporting."},
        {"answer": "Too few"},
        "Write between 10 and 2000 characters.", "Too few",
    ),
    "poll": (
        {"multiple": False, "options": [{"nl": "Ja", "en": "Yes"}, {"nl": "Nee", "en": "No"}]},
        {"choice": "0"},
        {"choice": "7"},
        "Choose one of the options shown.", None,
    ),
    "nps": (
        {},
        {"score": "9", "reason": "Fast and personal support"},
        {"reason": "Fast and personal support"},
        "Choose a score from 0 to 10.", "Fast and personal support",
    ),
    "profile": (
        {"topics": [{"nl": "Productroadmap", "en": "Product roadmap"}, {"nl": "Integraties", "en": "Integrations"},
                    {"nl": "Rapportages", "en": "Reporting"}]},
        {"job_title": "Operations manager", "linkedin_url": "https://www.linkedin.com/in/anna-de-vries",
         "topics": ["0", "2"], "contact_preference": "email"},
        {"job_title": "Head of IT", "linkedin_url": "https://evil.example/in/anna", "contact_preference": "email"},
        "Enter a LinkedIn link that starts with https://", "https://evil.example/in/anna",
    ),
    "content": (
        {"url": "https://example.com/roadmap", "kind": "video",
         "link_label": {"nl": "Bekijk de video (5 min)", "en": "Watch the video (5 min)"}},
        {"reaction": "Nice plans for the integrations.", "confirmed": "y"},
        {"reaction": "Nice plans for the reporting module."},
        "Confirm that you have read or watched it.", "Nice plans for the reporting module.",
    ),
    "quote": (
        {"channels": ["website", "social", "sales_material", "events"]},
        {"quote": "Since we work with this team we finally have an overview of all our projects.",
         "show_name": "y", "show_company": "y", "channels": ["website", "social"], "until": IN_A_MONTH, "agree": "y"},
        {"quote": "Too short", "channels": ["website"], "agree": "y"},
        "Write between 20 and 600 characters.", "Too short",
    ),
    "case_story": (
        {},
        {"agree_story": "y", "interview_format": "video_call", "period": "next_quarter",
         "topics": "From spreadsheets to one platform"},
        {"interview_format": "video_call", "period": "later", "topics": "From spreadsheets to one platform"},
        "Give your consent to the story", "From spreadsheets to one platform",
    ),
    "review": (
        {"site_name": "G2", "site_url": "https://www.g2.com/products/ambassador-journey/reviews"},
        {"review_url": "https://www.g2.com/products/ambassador-journey/reviews/123"},
        {"review_url": "javascript:alert(1)"},
        "Paste a link that starts with http:// or https://.", "javascript:alert(1)",
    ),
    "event": (
        {"event": {"nl": "Klantendag 2027", "en": "Customer Day 2027"},
         "slots": [{"nl": "Ochtend", "en": "Morning session"}, {"nl": "Middag", "en": "Afternoon session"}],
         "roles": ["co_host", "speaker", "panel", "host_site"]},
        {"slot": "1", "role": "speaker", "note": "Happy to talk about our rollout"},
        {"slot": "5", "role": "speaker", "note": "Happy to talk about our rollout"},
        "Choose a moment.", "Happy to talk about our rollout",
    ),
    "reference_call": (
        {},
        {"calls_per_quarter": "2", "topics": "Implementation in construction", "contact": "video_call", "agree": "y"},
        {"calls_per_quarter": "9", "topics": "Implementation in construction", "contact": "email", "agree": "y"},
        "Choose how many calls per quarter suit you.", "Implementation in construction",
    ),
    "referral": (
        {},
        {"name": "Anna de Vries", "company": "Bouwbedrijf Noord", "role": "Operations director",
         "benefit": "They struggle with the same planning chaos we had last year.", "may_mention": "y",
         "route": "introduce"},
        {"name": "Anna de Vries", "company": "Bouwbedrijf Noord", "role": "Operations director",
         "benefit": "Good fit", "route": "introduce"},
        "Write between 20 and 1000 characters.", "Bouwbedrijf Noord",
    ),
    "linkedin_intro": (
        {},
        {"contacts": "Anna de Vries — Bouwbedrijf Noord\n\nPiet Jansen — Acme Logistics\n", "agree": "y",
         "reason": "You are planning the same move to one system that we made last year."},
        {"contacts": "Anna de Vries — Bouwbedrijf Noord"},
        "Give your permission", "Anna de Vries — Bouwbedrijf Noord",
    ),
    "share": (
        {"message": {"nl": "Misschien iets voor jou?", "en": "Perhaps something for you?"}},
        {"channels": ["linkedin", "qr"], "confirm": "y"},
        {"confirm": "y"},
        "Choose at least one way to share.", None,
    ),
}

# What each valid answer is stored as.
STORED = {
    "question": {"answer": "We save hours every week on reporting."},
    "poll": {"choices": [0], "labels": [{"nl": "Ja", "en": "Yes"}]},
    "nps": {"score": 9, "reason": "Fast and personal support", "category": "promoter"},
    "profile": {"job_title": "Operations manager", "linkedin_url": "https://www.linkedin.com/in/anna-de-vries",
                "topics": ["0", "2"], "contact_preference": "email"},
    "content": {"reaction": "Nice plans for the integrations.", "confirmed": True},
    "quote": {"quote": "Since we work with this team we finally have an overview of all our projects.",
              "show_name": True, "show_company": True, "show_logo": False, "show_photo": False,
              "channels": ["website", "social"], "until": IN_A_MONTH, "agree": True},
    "case_story": {"agree_story": True, "interview_format": "video_call", "period": "next_quarter",
                   "topics": "From spreadsheets to one platform"},
    "review": {"review_url": "https://www.g2.com/products/ambassador-journey/reviews/123", "site_name": "G2"},
    "event": {"event": {"nl": "Klantendag 2027", "en": "Customer Day 2027"}, "slot": 1,
              "slot_label": {"nl": "Middag", "en": "Afternoon session"}, "role": "speaker",
              "note": "Happy to talk about our rollout"},
    "reference_call": {"calls_per_quarter": "2", "topics": "Implementation in construction", "contact": "video_call",
                       "agree": True},
    "referral": {"name": "Anna de Vries", "company": "Bouwbedrijf Noord", "role": "Operations director",
                 "linkedin_url": "", "benefit": "They struggle with the same planning chaos we had last year.",
                 "may_mention": True, "route": "introduce", "message_locale": "en"},
    "linkedin_intro": {"contacts": ["Anna de Vries — Bouwbedrijf Noord", "Piet Jansen — Acme Logistics"],
                       "agree": True, "reason": "You are planning the same move to one system that we made last year."},
    "share": {"channels": ["linkedin", "qr"], "confirm": True, "show_name": False},
}

WAITS = {"quote", "case_story", "review", "event", "referral", "linkedin_intro", "share"}


def new_challenge(type_key, config=None, level=None, points=10):
    ctype = get_type(type_key)
    return make_challenge(level or make_level(threshold=0), type_key, points,
                          config if config is not None else SPECS[type_key][0], needs_review=ctype.needs_review)


def url(challenge) -> str:
    return f"/challenges/{challenge.id}"


def the_form(html: str) -> str:
    match = re.search(r'<form method="post" action="/challenges/\d+".*?</form>', html, re.S)
    assert match, "the answer form is missing"
    return match.group(0)


def submissions(challenge):
    return db_session().scalars(select(Submission).where(Submission.challenge_id == challenge.id)).all()


def db_session():
    from app.extensions import db

    return db.session


def points_for(submission) -> int:
    return db_session().scalar(
        select(func.count(PointsEntry.id)).where(PointsEntry.source_type == "submission",
                                                  PointsEntry.source_id == submission.id)
    )


def test_registry_holds_exactly_the_built_in_types():
    assert sorted(REGISTRY) == sorted(ALL_TYPES) and len(REGISTRY) == 13
    assert set(SPECS) == set(REGISTRY)
    for key, ctype in REGISTRY.items():
        assert ctype.key == key and str(ctype.label) and str(ctype.help)


def test_type_defaults():
    assert {k for k, t in REGISTRY.items() if not t.awards_on_submit} == {"referral", "linkedin_intro", "share"}
    assert {k for k, t in REGISTRY.items() if t.needs_review} == {"quote", "case_story", "review", "event"}
    assert {k for k, t in REGISTRY.items() if t.consent} == {"quote", "case_story", "reference_call"}
    assert {k for k, t in REGISTRY.items() if t.contribution} == {
        "quote", "case_story", "review", "event", "reference_call"}
    assert {t.level for k, t in REGISTRY.items() if k in ("referral", "linkedin_intro", "share")} == {3}


@pytest.mark.parametrize("type_key", ALL_TYPES)
def test_valid_answer_through_the_page(client, db, login_as, post_form, type_key):
    _config, valid, *_ = SPECS[type_key]
    level = make_level(threshold=0)
    challenge = new_challenge(type_key, level=level)
    again = new_challenge(type_key, level=level)
    user = login_as("customer", locale="en")

    page = client.get(url(challenge))
    assert page.status_code == 200
    form = the_form(page.text)
    for name in valid:
        assert f'name="{name}"' in form, name

    if get_type(type_key).confirm_step:
        # First the customer reads what will be sent; then they approve it.
        preview = post_form(url(challenge), valid)
        assert preview.status_code == 200 and 'name="approved"' in preview.text
        assert submissions(challenge) == []
        valid = {**valid, "approved": "1"}
    response = post_form(url(challenge), valid)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(url(challenge))
    [submission] = submissions(challenge)
    assert submission.user_id == user.id
    stored = dict(submission.data)
    if type_key == "referral":
        assert len(stored.pop("token")) == 24  # the referee's own link (objection, confirmation)
    assert stored == STORED[type_key]
    json.dumps(submission.data)  # JSON-safe
    if type_key in WAITS:
        assert submission.status == PENDING and points_for(submission) == 0
    else:
        assert submission.status == APPROVED and points_for(submission) == 1

    if type_key == "referral":  # the same person twice is a duplicate: introduce someone else
        valid = {**valid, "name": "Piet Bakker"}
    elif type_key == "linkedin_intro":
        valid = {**valid, "contacts": "Karen Smit — Smit Logistiek"}
    fragment = post_form(url(again), valid, htmx=True)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert 'class="celebration"' in fragment.text
    assert "hx-swap-oob" in fragment.text
    assert len(submissions(again)) == 1


@pytest.mark.parametrize("type_key", ALL_TYPES)
def test_wrong_input_comes_back_with_what_was_typed(client, db, login_as, post_form, type_key):
    _config, _valid, wrong, message, typed = SPECS[type_key]
    challenge = new_challenge(type_key)
    login_as("customer", locale="en")

    response = post_form(url(challenge), wrong)
    assert response.status_code == 422
    assert message in response.text
    assert "<html" in response.text
    if typed is not None:
        assert typed in the_form(response.text)

    fragment = post_form(url(challenge), wrong, htmx=True)
    assert fragment.status_code == 422
    assert "<html" not in fragment.text
    assert message in fragment.text
    assert submissions(challenge) == []


NASTY = [
    {},
    {"x": "y"},
    "huge",
    "nul",
    "lists",
    "markup",
]


def _nasty_payload(kind, names):
    if isinstance(kind, dict):
        return kind
    if kind == "huge":
        return {n: "a" * 100_000 for n in names}
    if kind == "nul":
        return {n: "\x00" for n in names}
    if kind == "lists":
        return {n: ["1", "2", "\x00", "z" * 5000] for n in names}
    return {n: "<script>alert(1)</script>" for n in names}


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("type_key", ALL_TYPES)
def test_hostile_input_never_gives_a_server_error(client, db, login_as, post_form, type_key, htmx):
    names = [*SPECS[type_key][1], *SPECS[type_key][2], "until", "may_mention"]
    challenge = new_challenge(type_key)
    login_as("customer", locale="en")
    for kind in NASTY:
        response = post_form(url(challenge), _nasty_payload(kind, names), htmx=htmx)
        assert response.status_code < 500, (kind, response.status_code)
        if response.status_code == 422:
            assert "<script>alert(1)</script>" not in response.text  # shown as text, never as markup
            if htmx:
                assert "<html" not in response.text


GARBAGE = {"options": [], "min_length": 3, "topics": "x", "channels": 5, "slots": [None, 3, {"en": ""}],
           "roles": "speaker", "url": "javascript:alert(1)", "kind": 7, "link_label": ["x"], "site_name": None,
           "site_url": 12, "event": 3, "message": 7}


@pytest.mark.parametrize("type_key", ALL_TYPES)
@pytest.mark.parametrize("config", [{}, GARBAGE], ids=["empty", "garbage"])
def test_missing_or_odd_config_does_not_break_the_page(client, db, login_as, type_key, config):
    challenge = new_challenge(type_key, config=config)
    login_as("customer", locale="en")
    page = client.get(url(challenge))
    assert page.status_code == 200
    assert "javascript:" not in page.text


@pytest.mark.parametrize("type_key", ALL_TYPES)
def test_summary_is_one_short_line_and_survives_old_data(app, db, type_key):
    ctype = get_type(type_key)
    with app.test_request_context():
        assert isinstance(ctype.summary(Submission(data={})), str)
        line = ctype.summary(Submission(data=STORED[type_key]))
        assert isinstance(line, str) and "\n" not in line and len(line) <= 200


# --- each type's own rules -------------------------------------------------------------------

def test_nps_categories():
    assert [nps_category(s) for s in range(11)] == ["detractor"] * 7 + ["passive"] * 2 + ["promoter"] * 2


@pytest.mark.parametrize("score, category", [("0", "detractor"), ("6", "detractor"), ("7", "passive"),
                                             ("8", "passive"), ("10", "promoter")])
def test_nps_stores_the_category(client, db, login_as, post_form, score, category):
    challenge = new_challenge("nps")
    login_as("customer", locale="en")
    assert post_form(url(challenge), {"score": score}).status_code == 303
    [submission] = submissions(challenge)
    assert submission.data == {"score": int(score), "reason": "", "category": category}


def test_nps_shows_eleven_scores_in_a_fieldset(client, db, login_as):
    challenge = new_challenge("nps")
    login_as("customer", locale="en")
    form = the_form(client.get(url(challenge)).text)
    assert form.count('type="radio"') == 11
    assert "How likely are you to recommend us to a colleague?" in form
    assert "<legend>" in form


@pytest.mark.parametrize("score", ["11", "-1", "9.5", "nine"])
def test_nps_refuses_scores_outside_the_scale(client, db, login_as, post_form, score):
    challenge = new_challenge("nps")
    login_as("customer", locale="en")
    response = post_form(url(challenge), {"score": score})
    assert response.status_code == 422 and "Choose a score from 0 to 10." in response.text


def test_profile_copies_job_title_and_linkedin_onto_the_user(client, db, login_as, post_form):
    challenge = new_challenge("profile")
    user = login_as("customer", locale="en")
    assert post_form(url(challenge), SPECS["profile"][1]).status_code == 303
    db.session.refresh(user)
    assert user.job_title == "Operations manager"
    assert user.linkedin_url == "https://www.linkedin.com/in/anna-de-vries"


def test_profile_keeps_a_known_linkedin_link_when_left_empty_and_prefills(client, db, login_as, post_form):
    challenge = new_challenge("profile")
    user = login_as("customer", locale="en", job_title="Planner", linkedin_url="https://nl.linkedin.com/in/me")
    form = the_form(client.get(url(challenge)).text)
    assert 'value="Planner"' in form and 'value="https://nl.linkedin.com/in/me"' in form
    response = post_form(url(challenge), {"job_title": "Head of planning", "contact_preference": "phone"})
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.job_title == "Head of planning" and user.linkedin_url == "https://nl.linkedin.com/in/me"


@pytest.mark.parametrize("link", ["http://www.linkedin.com/in/anna", "https://linkedin.com.evil.example/in/anna",
                                  "https://evil.example/?linkedin.com", "https://user@evil.example/linkedin.com",
                                  "ftp://www.linkedin.com/in/anna", "https://www.linkedin.com:8443/in/anna",
                                  "https://[::1/in/anna", "https://www.linkedin.com:99999/in/anna",
                                  "https://www.linkedin.com/in/" + "a" * 300])
def test_profile_refuses_links_that_are_not_linkedin(client, db, login_as, post_form, link):
    challenge = new_challenge("profile")
    login_as("customer", locale="en")
    response = post_form(url(challenge), {"job_title": "Planner", "linkedin_url": link, "contact_preference": "email"})
    assert response.status_code == 422


def test_profile_without_topics_has_no_topic_field(client, db, login_as, post_form):
    challenge = new_challenge("profile", config={})
    login_as("customer", locale="en")
    assert 'name="topics"' not in the_form(client.get(url(challenge)).text)
    assert post_form(url(challenge), {"job_title": "Planner", "contact_preference": "video_call"}).status_code == 303
    assert submissions(challenge)[0].data["topics"] == []


def test_profile_topics_keep_their_place_in_the_config(client, db, login_as, post_form):
    topics = [{"nl": "Roadmap", "en": "Roadmap"}, {"nl": "", "en": ""}, {"nl": "Beveiliging", "en": "Security"}]
    challenge = new_challenge("profile", config={"topics": topics})
    login_as("customer", locale="en")
    form = the_form(client.get(url(challenge)).text)
    assert 'value="2"> Security' in form and 'value="1"' not in form
    data = {"job_title": "Planner", "topics": ["2"], "contact_preference": "email"}
    assert post_form(url(challenge), data).status_code == 303
    assert submissions(challenge)[0].data["topics"] == ["2"]


def test_profile_refuses_a_topic_that_is_not_offered(client, db, login_as, post_form):
    challenge = new_challenge("profile")
    login_as("customer", locale="en")
    response = post_form(url(challenge), {"job_title": "Planner", "topics": ["0", "9"], "contact_preference": "email"})
    assert response.status_code == 422 and "Choose from the options shown." in response.text


def test_content_links_to_the_item(client, db, login_as):
    challenge = new_challenge("content")
    login_as("customer", locale="en")
    html = client.get(url(challenge)).text
    assert re.search(r'<a href="https://example.com/roadmap" rel="noopener"[^>]*>Watch the video \(5 min\)</a>', html)
    assert "I have read or watched it" in html


def test_content_reaction_needs_ten_characters(client, db, login_as, post_form):
    challenge = new_challenge("content")
    login_as("customer", locale="en")
    response = post_form(url(challenge), {"reaction": "Nice", "confirmed": "y"})
    assert response.status_code == 422 and "Write between 10 and 1000 characters." in response.text


@pytest.mark.parametrize("until, message", [
    ((programme_today() - timedelta(days=1)).isoformat(), "Choose a date after today and at most three years ahead"),
    (programme_today().isoformat(), "Choose a date after today and at most three years ahead"),
    ((programme_today() + timedelta(days=3 * 366 + 2)).isoformat(),
     "Choose a date after today and at most three years ahead"),
    ("31-12-2027", "Enter a date as year-month-day"),
    ("2027-02-30", "Enter a date as year-month-day"),
])
def test_quote_refuses_a_date_in_the_past_or_too_far_ahead(client, db, login_as, post_form, until, message):
    challenge = new_challenge("quote")
    login_as("customer", locale="en")
    data = {**SPECS["quote"][1], "until": until}
    response = post_form(url(challenge), data)
    assert response.status_code == 422 and message in response.text
    assert f'value="{until}"' in the_form(response.text)


def test_quote_without_end_date_and_only_offered_channels(client, db, login_as, post_form):
    challenge = new_challenge("quote", config={"channels": ["website", "events"]})
    login_as("customer", locale="en")
    form = the_form(client.get(url(challenge)).text)
    assert "Website" in form and "Events" in form and "Social media" not in form
    data = {**SPECS["quote"][1], "channels": ["social"], "until": ""}
    assert post_form(url(challenge), data).status_code == 422
    response = post_form(url(challenge), {**data, "channels": ["events"]})
    assert response.status_code == 303
    assert submissions(challenge)[0].data["until"] is None


def test_quote_needs_a_channel_and_the_consent(client, db, login_as, post_form):
    challenge = new_challenge("quote")
    login_as("customer", locale="en")
    data = {k: v for k, v in SPECS["quote"][1].items() if k not in ("channels", "agree")}
    response = post_form(url(challenge), data)
    assert response.status_code == 422
    assert "Choose at least one place where we may use your quote." in response.text
    assert "Give your consent to publish the quote" in response.text


ON_G2 = "Paste the link to your review on G2."
NOT_A_LINK = "Paste a link that starts with http:// or https://."


@pytest.mark.parametrize("link, message", [
    ("https://www.g2.com/products/x/reviews/1", None),
    ("https://g2.com/products/x/reviews/1", None),
    ("http://reviews.g2.com/x", None),
    ("https://www.trustpilot.com/review/x", ON_G2),
    ("https://g2.com.evil.example/x", ON_G2),
    ("https://evilg2.com/x", ON_G2),
    ("https://evil.example\\.g2.com/x", NOT_A_LINK),
    ("https://evil.example@www.g2.com/x", NOT_A_LINK),
    ("www.g2.com/products/x", NOT_A_LINK),
    ("https://www.g2.com/" + "x" * 500, "Use at most 500 characters."),
])
def test_review_link_must_be_on_the_review_site(client, db, login_as, post_form, link, message):
    challenge = new_challenge("review")
    login_as("customer", locale="en")
    response = post_form(url(challenge), {"review_url": link})
    if message is None:
        assert response.status_code == 303
    else:
        assert response.status_code == 422
        assert message in response.text
        assert link.replace("&", "&amp;") in the_form(response.text)


def test_review_page_links_to_the_site(client, db, login_as):
    challenge = new_challenge("review")
    login_as("customer", locale="en")
    html = client.get(url(challenge)).text
    assert re.search(r'<a href="https://www.g2.com/products/ambassador-journey/reviews" rel="noopener"[^>]*>'
                     r'Write your review on G2</a>', html)


def test_review_without_a_site_accepts_any_web_link(client, db, login_as, post_form):
    challenge = new_challenge("review", config={})
    login_as("customer", locale="en")
    assert post_form(url(challenge), {"review_url": "https://reviews.example.org/1"}).status_code == 303


def test_event_shows_the_event_and_translated_roles(client, db, login_as):
    challenge = new_challenge("event", config={**SPECS["event"][0], "roles": ["speaker", "panel", "bogus"]})
    login_as("customer", locale="en")
    html = client.get(url(challenge)).text
    assert "Customer Day 2027" in html and "Afternoon session" in html
    form = the_form(html)
    assert "Speaker" in form and "Panel member" in form and "Co-host" not in form and "bogus" not in form


def test_event_refuses_a_role_that_is_not_offered(client, db, login_as, post_form):
    challenge = new_challenge("event", config={**SPECS["event"][0], "roles": ["speaker"]})
    login_as("customer", locale="en")
    response = post_form(url(challenge), {"slot": "0", "role": "co_host"})
    assert response.status_code == 422 and "Choose a role." in response.text


def test_reference_call_needs_the_consent(client, db, login_as, post_form):
    challenge = new_challenge("reference_call")
    login_as("customer", locale="en")
    data = {k: v for k, v in SPECS["reference_call"][1].items() if k != "agree"}
    response = post_form(url(challenge), data)
    assert response.status_code == 422 and "Give your consent to be a reference" in response.text


def test_referral_route_contact_needs_permission_to_mention_the_name(client, db, login_as, post_form):
    challenge = new_challenge("referral")
    login_as("customer", locale="en")
    data = {k: v for k, v in SPECS["referral"][1].items() if k != "may_mention"}
    response = post_form(url(challenge), {**data, "route": "contact"})
    assert response.status_code == 422
    assert "we need your permission to mention your name" in response.text
    assert 'id="may_mention-error"' in response.text
    # Other routes do not need it.
    assert post_form(url(challenge), {**data, "route": "inbound", "approved": "1"}).status_code == 303
    assert submissions(challenge)[0].data["may_mention"] is False


def test_referral_asks_no_email_or_phone_of_the_referee(client, db, login_as):
    challenge = new_challenge("referral")
    login_as("customer", locale="en")
    form = the_form(client.get(url(challenge)).text)
    assert 'type="tel"' not in form
    names = set(re.findall(r'name="([^"]+)"', form))
    # An e-mail only when they agreed to be contacted: optional, behind its own tick box.
    assert names == {"csrf_token", "name", "company", "role", "linkedin_url", "benefit", "may_mention", "route",
                     "agreed_contact", "email", "message_locale", "token"}
    assert not re.search(r'<input[^>]*name="email"[^>]*required', form)
    assert "What could we do for them? (value for them, not a favour to us)" in form
    assert "I introduce you myself (we give you a ready message)" in form


def test_referral_awards_nothing_on_submit_and_summary_is_the_own_entry(client, db, login_as, post_form, app):
    challenge = new_challenge("referral", points=100)
    login_as("customer", locale="en")
    post_form(url(challenge), {**SPECS["referral"][1], "approved": "1"})
    [submission] = submissions(challenge)
    assert submission.status == PENDING and points_for(submission) == 0
    assert db.session.scalar(select(func.count(PointsEntry.id))) == 0
    with app.test_request_context():
        assert get_type("referral").summary(submission) == "Anna de Vries (Bouwbedrijf Noord)"


@pytest.mark.parametrize("contacts, message", [
    ("\n".join(f"Contact {n} — Company {n}" for n in range(11)),
     "Name at most 10 contacts, one per line (you entered 11)."),
    ("Anna — Acme\n" + "x" * 201, "Keep each line to at most 200 characters (contact 2 is longer)."),
    ("  \n \n", "Name at least one contact."),
])
def test_linkedin_intro_line_rules(client, db, login_as, post_form, contacts, message):
    challenge = new_challenge("linkedin_intro")
    login_as("customer", locale="en")
    response = post_form(url(challenge), {"contacts": contacts, "agree": "y"})
    assert response.status_code == 422 and message in response.text


def test_linkedin_intro_ten_lines_are_fine(client, db, login_as, post_form, app):
    challenge = new_challenge("linkedin_intro")
    login_as("customer", locale="en")
    contacts = "\n".join(f"Contact {n} — Company {n}" for n in range(10))
    answer = {"contacts": contacts, "agree": "y", "approved": "1", "reason": "You want the same overview we have now."}
    assert post_form(url(challenge), answer).status_code == 303
    [submission] = submissions(challenge)
    assert len(submission.data["contacts"]) == 10 and submission.status == PENDING
    with app.test_request_context():
        assert get_type("linkedin_intro").summary(submission) == "10 contacts"


def _code(html: str) -> str:
    match = re.search(r'value="http://portal\.test/r/([A-Za-z0-9_-]{12})"', html)
    assert match, "the personal link is missing"
    return match.group(1)


def test_share_shows_the_personal_link_channels_and_qr_code(client, db, login_as):
    challenge = new_challenge("share")
    user = login_as("customer", locale="en")
    html = client.get(url(challenge)).text
    code = _code(html)
    link = f"http://portal.test/r/{code}"
    assert link in html
    assert re.search(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="[^"]+"', html)
    assert "Perhaps something for you?" in html
    quoted = "http%3A%2F%2Fportal.test%2Fr%2F" + code
    assert f"https://www.linkedin.com/sharing/share-offsite/?url={quoted}%3Fc%3Dlinkedin" in html
    assert f"https://wa.me/?text=Perhaps%20something%20for%20you%3F%20{quoted}%3Fc%3Dwhatsapp" in html
    assert "mailto:?subject=" in html and f"{quoted}%3Fc%3Demail" in html
    assert "style=" not in the_form(html)
    # Stored for good, not only in this request's transaction.
    db.session.rollback()
    db.session.refresh(user)
    assert user.referral_code == code


def test_share_keeps_the_same_code_on_a_second_visit(client, db, login_as):
    challenge = new_challenge("share")
    login_as("customer", locale="en")
    first = _code(client.get(url(challenge)).text)
    db.session.rollback()  # what the end of a real request does
    second = _code(client.get(url(challenge)).text)
    assert first == second


def test_share_uses_an_existing_code_and_a_default_message(client, db, login_as):
    challenge = new_challenge("share", config={})
    login_as("customer", locale="en", referral_code="abcdefghijkl")
    html = client.get(url(challenge)).text
    assert _code(html) == "abcdefghijkl"
    assert "Perhaps it is something for you too?" in html


def test_share_codes_differ_per_customer(client, db, login_as):
    challenge = new_challenge("share")
    login_as("customer", locale="en")
    first = _code(client.get(url(challenge)).text)
    login_as("customer", locale="en")
    assert _code(client.get(url(challenge)).text) != first


def test_share_summary_names_only_the_channels(client, db, login_as, post_form, app):
    challenge = new_challenge("share")
    user = login_as("customer", locale="en")
    post_form(url(challenge), SPECS["share"][1])
    [submission] = submissions(challenge)
    with app.test_request_context():
        line = get_type("share").summary(submission)
    assert line == "Shared via: LinkedIn, QR code"
    assert user.referral_code not in line


def test_pages_in_dutch_render_too(client, db, login_as):
    level = make_level(threshold=0)
    login_as("customer", locale="nl")
    for type_key in ALL_TYPES:
        challenge = new_challenge(type_key, level=level)
        assert client.get(url(challenge)).status_code == 200, type_key


@pytest.mark.parametrize("type_key", ALL_TYPES)
def test_undecodable_body_never_gives_a_server_error(client, db, login_as, csrf, type_key):
    challenge = new_challenge(type_key)
    login_as("customer", locale="en")
    fields = "&".join(f"{name}=%ff%00%c3%28" for name in SPECS[type_key][1])
    body = f"{fields}&until=%fe&csrf_token={csrf()}".encode()
    response = client.post(url(challenge), data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500


def test_marketer_site_name_in_an_error_is_escaped(client, db, login_as, post_form):
    from tests.factories import make_challenge, make_level

    challenge = make_challenge(make_level(1), "review", config={"site_name": "<b>G2</b>", "site_url": "https://www.g2.com/x"})
    db.session.commit()
    login_as("customer", locale="en")
    response = post_form(f"/challenges/{challenge.id}", {"review_url": "https://evil.example/review"})
    assert response.status_code == 422
    assert "<b>G2</b>" not in response.text and "&lt;b&gt;G2&lt;/b&gt;" in response.text
