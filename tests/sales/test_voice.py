"""The ask page quotes the customer's own strongest words: which answers qualify comes from the
registry, promoters' reasons count, passives' and withdrawn or unapproved words do not; at most three,
the strongest first, each with its source and language; a fixed number of statements."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.auth.models import User
from app.challenges.registry import REGISTRY, ChallengeType, quotable_keys
from app.dates import utcnow
from app.journey.models import PENDING, Challenge
from app.sales import voice
from tests.conftest import count_queries
from tests.factories import (
    make_challenge,
    make_company,
    make_level,
    make_level_unlock,
    make_nps_response,
    make_submission,
    make_user,
)

PROUD = "Which result are you most proud of?"


@pytest.fixture
def anouk(db):
    anna = make_user("sales", name="Anna Account", locale="en")
    company = make_company("Zorggroep Oost", account_manager=anna)
    person = make_user("customer", name="Anouk Ambassador", company=company, locale="nl")
    make_level_unlock(person, make_level(3))
    db.session.commit()
    return dict(anna=anna, person=person)


def ago(days):
    return utcnow() - timedelta(days=days)


def quotes_on_page(client, person) -> list[str]:
    page = client.get(f"/sales/ask/{person.id}")
    assert page.status_code == 200
    return re.findall(r'<blockquote(?: lang="(\w+)")?><p>([^<]+)</p></blockquote>\s*<figcaption>([^<]+)</figcaption>',
                      page.text)


def test_the_ask_page_quotes_their_answer_and_promoter_reason(client, db, login_as, anouk):
    person = anouk["person"]
    proud = make_challenge(type_key="question", title_en=PROUD, title_nl="Waar ben je het meest trots op?")
    make_submission(person, proud, data={"answer": "Onze doorlooptijd is gehalveerd."}, locale="nl",
                    created_at=ago(10))
    make_nps_response(person, score=10, reason="Snelle, persoonlijke support.", locale="nl", created_at=ago(5))
    quote = make_challenge(type_key="quote", title_en="Your quote")
    make_submission(person, quote, data={"quote": "Since we work with this team we finally see every project at once."},
                    locale="en", created_at=ago(20))
    db.session.commit()
    login_as(anouk["anna"])
    found = quotes_on_page(client, person)
    assert [text for _lang, text, _source in found] == [
        "Since we work with this team we finally see every project at once.",  # the longest first
        "Onze doorlooptijd is gehalveerd.",
        "Snelle, persoonlijke support.",
    ]
    langs = {text: lang for lang, text, _source in found}
    assert langs["Onze doorlooptijd is gehalveerd."] == "nl" and langs[found[0][1]] == "en"
    sources = [source for _lang, _text, source in found]
    assert sources[0].startswith("Approved quote, ")
    assert sources[1].startswith(f"Answer to “{PROUD}”, ")
    assert sources[2].startswith("NPS 10, ")
    page = client.get(f"/sales/ask/{person.id}").text
    assert "Tie it to their own words:" in page


def test_only_approved_standing_words_and_only_promoters(client, db, login_as, anouk):
    person = anouk["person"]
    question = make_challenge(type_key="question")
    quote = make_challenge(type_key="quote")
    make_submission(person, question, data={"answer": "Waiting for a review, not quoted."}, status=PENDING)
    make_submission(person, quote, data={"quote": "A quote whose consent was withdrawn."}, consent_withdrawn_at=ago(1))
    make_nps_response(person, score=3, reason="A detractor's reason is not for the ask.", created_at=ago(30))
    make_nps_response(person, score=8, reason="A passive's reason is not for the ask.", created_at=ago(1))
    profile = make_challenge(type_key="profile")
    make_submission(person, profile, data={"job_title": "A long job title that is no quote at all"})
    make_submission(person, question, attempt=2, data={"answer": "Short."})  # too short to build on
    db.session.commit()
    login_as(anouk["anna"])
    assert quotes_on_page(client, person) == []
    assert "No answers or promoter reasons to quote yet." in client.get(f"/sales/ask/{person.id}").text


def test_at_most_three_of_the_newest_words(db, anouk, app):
    person = anouk["person"]
    question = make_challenge(type_key="question")
    for n in range(12):  # n days old; the oldest are the longest
        make_submission(person, question, attempt=n + 1, data={"answer": f"Answer {n:02d} " + "x" * (20 + 10 * n)},
                        created_at=ago(n))
    db.session.commit()
    with app.test_request_context():
        quotes = voice.ask_quotes(person.id)
    assert len(quotes) == 3
    # Of the ten newest, the three longest: 9, 8 and 7 days old; the two oldest are not considered.
    assert [q.text[:9] for q in quotes] == ["Answer 09", "Answer 08", "Answer 07"]


def test_which_types_are_quoted_comes_from_the_registry(db, anouk, app, monkeypatch):
    person = anouk["person"]
    content = make_challenge(type_key="content")
    make_submission(person, content, data={"reaction": "A reaction in my own words, worth quoting.", "confirmed": True})
    db.session.commit()
    assert "content" not in quotable_keys()
    with app.test_request_context():
        assert voice.ask_quotes(person.id) == []
        kind = type(REGISTRY["content"])
        monkeypatch.setattr(kind, "ask_quote", lambda self, data: data.get("reaction", ""), raising=False)
        assert "content" in quotable_keys() and kind.ask_quote is not ChallengeType.ask_quote
        assert [q.text for q in voice.ask_quotes(person.id)] == ["A reaction in my own words, worth quoting."]


def test_odd_stored_answers_never_break_the_ask_page(client, db, login_as, anouk):
    person = anouk["person"]
    make_submission(person, make_challenge(type_key="question"), data={"answer": ["not", "text"]})
    make_submission(person, make_challenge(type_key="quote"), data={"quote": None})
    db.session.commit()
    login_as(anouk["anna"])
    assert quotes_on_page(client, person) == []


def test_the_ask_page_statement_count_does_not_grow_with_words(app, client, db, login_as, anouk):
    from app.extensions import db as _db

    person = anouk["person"]
    question = make_challenge(type_key="question")
    make_submission(person, question, data={"answer": "The first answer in my own words."})
    db.session.commit()
    login_as(anouk["anna"])
    url, ids = f"/sales/ask/{person.id}", (person.id, question.id)
    client.get(url)

    def statements() -> int:
        _db.session.expunge_all()
        with count_queries(app) as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    few = statements()
    person, question = _db.session.get(User, ids[0]), _db.session.get(Challenge, ids[1])
    for n in range(30):
        make_submission(person, question, attempt=n + 2, data={"answer": f"Another answer number {n} in my words."})
        make_nps_response(person, score=9, reason=f"Promoter reason number {n}, in my words.")
    db.session.commit()
    assert statements() == few


def test_the_demo_ambassador_is_quoted_and_offers_to_be_a_reference(app, client, db, login_as):
    from app.demo.seed import seed_demo_data

    with app.test_request_context():
        seed_demo_data("demo-ambassador")
        db.session.commit()
    login_as(User.by_email("sales@example.com"))
    anouk = User.by_email("ambassadeur@example.com")
    found = quotes_on_page(client, anouk)
    sources = [source for _lang, _text, source in found]
    assert any(source.startswith("Answer to “Which result are you most proud of?”") for source in sources), sources
    assert any(source.startswith("NPS 10, ") for source in sources), sources
    assert all(lang == "nl" for lang, _text, _source in found)
    offers = client.get("/references").text
    assert "Anouk Jansen" in offers and "0 of 2" in offers
