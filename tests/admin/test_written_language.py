"""Staff read a customer's words marked with the language they wrote them in (`lang`), and moderation
cards say that language before the note field; old answers that do not know it carry no mark."""
from __future__ import annotations

import re

import pytest

from app.journey.models import APPROVED, PENDING
from app.referrals.intake import Introduction, add_referee
from tests.factories import make_challenge, make_company, make_level, make_submission, make_user

QUOTE = {"quote": "Sinds we met dit team werken hebben we eindelijk overzicht.", "show_name": True,
         "show_company": True, "show_logo": False, "show_photo": False, "channels": ["website"], "until": None,
         "agree": True}


@pytest.fixture
def quotes(db):
    level = make_level(1, threshold=0)
    challenge = make_challenge(level, "quote", 20, {"channels": ["website"]}, needs_review=True)
    customer = make_user("customer", name="Kees Klant", locale="nl")
    made = {}
    for n, locale in enumerate(("nl", "en", None)):
        made[locale] = make_submission(customer, challenge, status=PENDING, locale=locale, attempt=n + 1,
                                       data={**QUOTE, "quote": f"{QUOTE['quote']} ({locale or 'old'})"})
    db.session.commit()
    return made


def card(page: str, submission_id: int) -> str:
    start = page.index(f'id="submission-{submission_id}"')
    return page[start:page.index("</form>", start)]


def test_moderation_cards_say_the_language_before_the_note_and_mark_the_text(client, db, login_as, quotes):
    login_as("marketer", locale="en")
    page = client.get("/admin/moderation").text
    dutch, english, old = (card(page, quotes[key].id) for key in ("nl", "en", None))
    assert '<blockquote class="answer-text" lang="nl">' in dutch
    assert dutch.index("Written in Dutch") < dutch.index('<label for="note-')
    assert '<blockquote class="answer-text" lang="en">' in english and "Written in English" in english
    assert '<blockquote class="answer-text">' in old and "Written in" not in old


def test_the_language_is_said_in_the_readers_language(client, db, login_as, quotes):
    login_as("marketer", locale="nl")
    page = client.get("/admin/moderation").text
    assert "Geschreven in het Nederlands" in card(page, quotes["nl"].id)
    assert "Geschreven in het Engels" in card(page, quotes["en"].id)


def test_the_content_library_marks_each_quote_with_its_language(client, db, login_as, quotes):
    for submission in quotes.values():
        submission.status = APPROVED
    db.session.commit()
    login_as("marketer", locale="en")
    page = client.get("/admin/library").text
    for locale, submission in quotes.items():
        start = page.index(f'id="library-{submission.id}"')
        item = page[start:page.index("</li>", start)]
        expected = f'<blockquote class="answer-text" lang="{locale}">' if locale else '<blockquote class="answer-text">'
        assert expected in item


@pytest.fixture
def referrals(db):
    manager = make_user("sales", name="Sam Sales", locale="en")
    referrer = make_user("customer", name="Kees Klant", locale="nl", company=make_company("Noord", account_manager=manager))
    level = make_level(3, threshold=0)
    challenge = make_challenge(level, "referral", 50)
    made = {}
    for n, locale in enumerate(("nl", None)):
        answer = make_submission(referrer, challenge, status=PENDING, locale=locale, attempt=n + 1)
        referee = add_referee(referrer, Introduction(
            name=f"Anna {n}", company=f"Prospect {n}", benefit=f"Ze plannen nu in spreadsheets ({n}).",
            route="contact", may_mention=True, message_locale="en"), source="referral", count_quota=False)
        referee.submission_id = answer.id
        referee.flag = "existing_customer"  # so that it waits on the review page too
        made[locale] = referee
    db.session.commit()
    return dict(manager=manager, **{str(k): v for k, v in made.items()})


def test_the_sales_review_page_marks_the_referrers_words(client, db, login_as, referrals):
    login_as(referrals["manager"])
    page = client.get("/sales/review").text
    assert re.search(r'<q lang="nl">Ze plannen nu in spreadsheets \(0\)\.</q>', page)
    assert "<q>Ze plannen nu in spreadsheets (1).</q>" in page


def test_the_referral_page_marks_the_referrers_words_and_the_message(client, db, login_as, referrals):
    login_as(referrals["manager"])
    dutch = client.get(f"/sales/referrals/{referrals['nl'].id}").text
    assert '<dd lang="nl">Ze plannen nu in spreadsheets (0).</dd>' in dutch
    old = client.get(f"/sales/referrals/{referrals['None'].id}").text
    assert "<dd>Ze plannen nu in spreadsheets (1).</dd>" in old
