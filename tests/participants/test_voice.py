"""The participant page's "In their own words": every answer through the registry, marked with the
language it was written in; NPS and survey answers with their reasons; how to reach them; the
reference offer and its calls; contributions with their publication status; paged with and without htmx."""
from __future__ import annotations

from datetime import timedelta

from app.auth.models import MARKETER, SALES
from app.dates import today, utcnow
from app.journey.models import PENDING
from tests import factories
from tests.conftest import HX, HX_BOOSTED


def _customer(company_name="Klantbedrijf BV", **fields):
    manager = factories.make_user(SALES, name="Sam Sales", locale="en")
    company = factories.make_company(company_name, account_manager=manager)
    return factories.make_user(company=company, name="Karin Klant", **fields), manager


def test_every_answer_is_shown_in_the_language_it_was_written_in(client, db, login_as):
    login_as(MARKETER, locale="en")
    customer, _ = _customer()
    proud = factories.make_challenge(type_key="question", title_en="Which result are you most proud of?")
    factories.make_submission(customer, proud, data={"answer": "Onze doorlooptijd is <b>gehalveerd</b>."}, locale="nl")
    case = factories.make_challenge(type_key="case_story", title_en="Tell your story")
    factories.make_submission(customer, case, data={"agree_story": True, "interview_format": "video_call",
                                                    "period": "later", "topics": "Van Excel naar één platform"})
    old = factories.make_challenge(type_key="question", title_en="An old answer")
    factories.make_submission(customer, old, data={"answer": "Written before we kept the language."}, locale=None)
    db.session.commit()
    page = client.get(f"/participants/{customer.id}").text
    voice = page.split('id="voice"')[1].split("</section>\n\n<section")[0]
    assert "In their own words" in page
    assert "Which result are you most proud of?" in voice
    assert '<blockquote class="answer-text" lang="nl">' in voice
    assert "Onze doorlooptijd is &lt;b&gt;gehalveerd&lt;/b&gt;." in voice  # escaped, never markup
    assert "Van Excel naar één platform" in voice and "Video call" in voice
    old_item = voice.split("An old answer")[1].split("</li>")[0]
    assert "lang=" not in old_item and "Written before we kept the language." in old_item


def test_nps_and_survey_answers_with_their_reasons(client, db, login_as):
    login_as(MARKETER, locale="en")
    customer, _ = _customer()
    factories.make_nps_response(customer, score=7, reason="Goed, maar de facturen zijn traag.", locale="nl",
                                source="survey", satisfaction="more_than_satisfied", wants_more=True)
    factories.make_nps_response(customer, score=10, reason="Great people.", locale="en")
    db.session.commit()
    page = client.get(f"/participants/{customer.id}").text
    assert '<q class="nps-reason" lang="nl">Goed, maar de facturen zijn traag.</q>' in page  # a passive's reason too
    assert "Passive" in page and "Promoter" in page and "from a survey" in page and "in the journey" in page
    assert "More than satisfied" in page and "Interested in more services" in page


def test_contact_preferences_from_the_profile_answer(client, db, login_as):
    login_as(MARKETER, locale="en")
    customer, _ = _customer(job_title="Planner", linkedin_url="https://www.linkedin.com/in/karin")
    profile = factories.make_challenge(type_key="profile", config={"topics": [{"nl": "Nieuwe functies", "en": "New features"},
                                                                              {"nl": "Tips", "en": "Tips"}]})
    factories.make_submission(customer, profile, data={"job_title": "Planner", "linkedin_url": "", "topics": ["0"],
                                                       "contact_preference": "video_call"})
    db.session.commit()
    page = client.get(f"/participants/{customer.id}").text
    reach = page.split('id="reach-title"')[1].split("</section>")[0]
    assert "Prefers to be contacted by" in reach and "Video call" in reach
    assert "Interested in" in reach and "New features" in reach and "Tips" not in reach
    assert "Planner" in reach and "https://www.linkedin.com/in/karin" in reach


def test_no_profile_answer_says_so(client, db, login_as):
    login_as(MARKETER, locale="en")
    customer, _ = _customer()
    db.session.commit()
    page = client.get(f"/participants/{customer.id}").text
    assert "They have not said yet how they prefer to be contacted." in page
    assert "No offer to be a reference." in page and "No answers yet." in page


def test_the_reference_offer_and_its_calls(client, db, login_as):
    login_as(MARKETER, locale="en")
    customer, manager = _customer()
    offer = factories.make_reference_offer(customer, 3, topics="Implementatie in de bouw", locale="nl")
    factories.make_reference_call(customer, submission_id=offer.id, calls_limit=3, prospect="Bouw BV",
                                  note="Asked about the rollout", logged_by=manager)
    db.session.commit()
    page = client.get(f"/participants/{customer.id}").text
    section = page.split('id="offer-title"')[1].split("</section>")[0]
    assert "Calls per quarter at most" in section and "1 of 3" in section and "Video call" in section
    assert '<span lang="nl">Implementatie in de bouw</span>' in section
    assert "Given on" in section and "Bouw BV" in section and "logged by Sam Sales" in section
    assert f'href="/references/{customer.id}"' in section
    offer.consent_withdrawn_at = utcnow()
    db.session.commit()
    section = client.get(f"/participants/{customer.id}").text.split('id="offer-title"')[1].split("</section>")[0]
    assert "Withdrawn on" in section and f'href="/references/{customer.id}"' not in section


def test_contributions_with_their_publication_status(client, db, login_as):
    login_as(MARKETER, locale="en")
    customer, _ = _customer()
    quote = factories.make_challenge(type_key="quote", title_en="Your quote")
    until = today() + timedelta(days=30)
    factories.make_submission(customer, quote, data={"quote": "Published one", "until": until.isoformat()})
    factories.make_submission(customer, quote, attempt=2, data={"quote": "Waiting one"}, status=PENDING)
    factories.make_submission(customer, quote, attempt=3, data={"quote": "Withdrawn one"},
                              consent_withdrawn_at=utcnow() - timedelta(days=1))
    factories.make_submission(customer, quote, attempt=4,
                              data={"quote": "Expired one", "until": (today() - timedelta(days=2)).isoformat()})
    factories.make_submission(customer, factories.make_challenge(type_key="question", title_en="Not a contribution"))
    db.session.commit()
    page = client.get(f"/participants/{customer.id}").text
    table = page.split('id="contributions-title"')[1].split("</section>")[0]
    assert "Published until" in table and "Not yet: waiting for review" in table
    assert "Taken down on" in table and "Use ended on" in table
    assert "Not a contribution" not in table


def test_answers_page_with_and_without_htmx(client, db, login_as):
    login_as(MARKETER, locale="en")
    customer, _ = _customer()
    question = factories.make_challenge(type_key="question")
    for n in range(25):
        factories.make_submission(customer, question, attempt=n + 1, data={"answer": f"Answer number {n:02d}"},
                                  created_at=utcnow() - timedelta(minutes=n))
    db.session.commit()
    full = client.get(f"/participants/{customer.id}?answers_page=3")
    assert "<html" in full.text and "Answer number 24" in full.text and "Answer number 00" not in full.text
    fragment = client.get(f"/participants/{customer.id}?answers_page=2",
                          headers={**HX, "HX-Target": "participant-answers"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="participant-answers"' in fragment.text and "Page 2 of 3" in fragment.text
    assert "Answer number 10" in fragment.text and "Points history" not in fragment.text
    boosted = client.get(f"/participants/{customer.id}?answers_page=2", headers=HX_BOOSTED)
    assert "<html" in boosted.text
    assert client.get(f"/participants/{customer.id}?answers_page=junk").status_code == 200
    assert client.get(f"/participants/{customer.id}?answers_page=99999999999").status_code == 200


def test_sales_read_their_own_accounts_voice_only(client, db, login_as):
    customer, manager = _customer()
    factories.make_submission(customer, factories.make_challenge(type_key="question"),
                              data={"answer": "Only for my account manager."})
    other, _ = _customer("Ander BV")
    db.session.commit()
    login_as(manager)
    assert "Only for my account manager." in client.get(f"/participants/{customer.id}").text
    assert client.get(f"/participants/{other.id}").status_code == 404
    assert client.get(f"/participants/{other.id}?answers_page=2", headers={**HX, "HX-Target": "participant-answers"}
                      ).status_code == 404


def test_dutch_viewer_reads_dutch(client, db, login_as):
    login_as(MARKETER, locale="nl")
    customer, _ = _customer()
    db.session.commit()
    page = client.get(f"/participants/{customer.id}").text
    assert "In hun eigen woorden" in page and "Zo bereik je hen" in page


def test_our_words_are_not_marked_with_the_customers_language(client, db, login_as):
    """A poll's options are ours, shown in the reader's language: no lang of the customer on them."""
    login_as(MARKETER, locale="en")
    customer, _ = _customer()
    poll = factories.make_challenge(type_key="poll", title_en="How do you like to work with us?")
    factories.make_submission(customer, poll, data={"choices": [0], "labels": [{"nl": "Ja", "en": "Yes"}]}, locale="nl")
    db.session.commit()
    page = client.get(f"/participants/{customer.id}").text
    item = page.split("How do you like to work with us?")[1].split("</li>")[0]
    assert "Yes" in item and "lang=" not in item
