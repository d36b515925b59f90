"""The NPS comments page (every answer with a reason: filters, search, CSV, who sees what) and the
NPS overview's filters by company and account manager."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from app.dates import utcnow
from app.nps.models import NpsResponse, category_for
from tests.conftest import HX, HX_BOOSTED, count_queries
from tests.factories import make_company, make_user
from tests.nps.test_pages import big_score


@pytest.fixture
def voices(db):
    boss = make_user("sales", name="Bea Boss", locale="en")
    anna = make_user("sales", name="Anna Account", locale="en", manager=boss)
    otto = make_user("sales", name="Otto Other", locale="en")
    mine = make_company("Anna Corp", account_manager=anna)
    theirs = make_company("Otto Ltd", account_manager=otto)
    kees = make_user("customer", name="Kees Klant", company=mine, locale="nl")
    lisa = make_user("customer", name="Lisa Lid", company=theirs, locale="en")
    db.session.commit()
    return dict(boss=boss, anna=anna, otto=otto, mine=mine, theirs=theirs, kees=kees, lisa=lisa)


def say(db, user, score, reason, days_ago=0, locale=None, source="challenge", **fields):
    row = NpsResponse(user_id=user.id, company_id=user.company_id, score=score, category=category_for(score),
                      reason=reason, locale=locale or user.locale, source=source,
                      created_at=utcnow() - timedelta(days=days_ago), **fields)
    db.session.add(row)
    db.session.commit()
    return row


def reasons(page: str) -> list[str]:
    return [re.sub(r"\s+", " ", r).strip() for r in re.findall(r'<span class="nps-reason"[^>]*>(.*?)</span>', page, re.S)]


def test_every_answer_with_a_reason_newest_first_passives_included(client, db, login_as, voices):
    say(db, voices["kees"], 10, "Heel fijn samengewerkt", days_ago=3)
    say(db, voices["lisa"], 7, "Fine, a bit slow", days_ago=2, source="survey", satisfaction="satisfied",
        wants_more=True)
    say(db, voices["kees"], 2, "Te laat opgeleverd", days_ago=1)
    say(db, voices["lisa"], 9, "")  # no reason: not a comment
    login_as("marketer", locale="en")
    page = client.get("/nps/comments").text
    assert reasons(page) == ["Te laat opgeleverd", "Fine, a bit slow", "Heel fijn samengewerkt"]
    assert '<span class="nps-reason" lang="nl">Te laat opgeleverd</span>' in page
    assert '<span class="nps-reason" lang="en">Fine, a bit slow</span>' in page
    assert "Language: English" in page and "Interested in more services" in page
    assert "Passive" in page and "Survey" in page and "Satisfied" in page and "Otto Other" in page
    assert f'href="/participants/{voices["kees"].id}"' in page
    assert "3 answers with a reason" in page


def test_an_old_answer_without_a_language_is_shown_without_lang(client, db, login_as, voices):
    row = say(db, voices["kees"], 5, "Oud antwoord")
    row.locale = None
    db.session.commit()
    login_as("marketer", locale="en")
    assert '<span class="nps-reason">Oud antwoord</span>' in client.get("/nps/comments").text


@pytest.mark.parametrize("query,expected", [
    ("category=passive", ["Fine, a bit slow"]),
    ("category=detractor", ["Te laat opgeleverd"]),
    ("language=en", ["Fine, a bit slow"]),
    ("language=nl", ["Te laat opgeleverd", "Heel fijn samengewerkt"]),
    ("q=LAAT", ["Te laat opgeleverd"]),
    ("q=lisa", ["Fine, a bit slow"]),           # the customer's name
    ("q=100%25", []),                           # % is a character, not a wildcard
    ("period=30", ["Te laat opgeleverd", "Fine, a bit slow"]),
    ("category=promoter&period=30", []),
])
def test_filters_and_search(client, db, login_as, voices, query, expected):
    say(db, voices["kees"], 10, "Heel fijn samengewerkt", days_ago=40)
    say(db, voices["lisa"], 7, "Fine, a bit slow", days_ago=2)
    say(db, voices["kees"], 2, "Te laat opgeleverd", days_ago=1)
    login_as("marketer", locale="en")
    response = client.get(f"/nps/comments?{query}")
    assert response.status_code == 200 and reasons(response.text) == expected


def test_company_and_account_manager_filters(client, db, login_as, voices):
    say(db, voices["kees"], 10, "Mine")
    say(db, voices["lisa"], 3, "Theirs")
    login_as("marketer", locale="en")
    assert reasons(client.get(f"/nps/comments?company={voices['theirs'].id}").text) == ["Theirs"]
    assert reasons(client.get(f"/nps/comments?manager={voices['anna'].id}").text) == ["Mine"]
    assert reasons(client.get(f"/nps/comments?manager={voices['anna'].id}&company={voices['theirs'].id}").text) == []


def test_sales_see_their_own_and_their_teams_accounts_only(client, db, login_as, voices):
    say(db, voices["kees"], 10, "Mine")
    say(db, voices["lisa"], 3, "Theirs")
    for viewer, expected in (("anna", ["Mine"]), ("boss", ["Mine"]), ("otto", ["Theirs"])):
        login_as(voices[viewer])
        page = client.get("/nps/comments").text
        assert reasons(page) == expected, viewer
        rows = list(csv.reader(io.StringIO(client.get("/nps/comments.csv").text.lstrip("\ufeff"))))
        assert [row[-1] for row in rows[1:]] == expected, viewer
    login_as(voices["anna"])
    assert "Otto Ltd" not in client.get("/nps/comments").text  # not even among the filter's choices
    refused = client.get(f"/nps/comments?company={voices['theirs'].id}")
    assert refused.status_code == 422 and reasons(refused.text) == ["Mine"] and 'aria-invalid="true"' in refused.text
    assert client.get(f"/nps/comments?manager={voices['otto'].id}").status_code == 422
    assert client.get(f"/nps/comments.csv?company={voices['theirs'].id}").status_code == 422
    login_as("customer")
    assert client.get("/nps/comments").status_code == 403
    assert client.get("/nps/comments.csv").status_code == 403


@pytest.mark.parametrize("query", ["category=nobody", "company=abc", "manager=99999999999999999999", "period=7",
                                   "language=xx", "q=" + "x" * 201, "company=%00", "page=abc"])
def test_bad_filters_are_422_never_500(client, db, login_as, voices, query):
    say(db, voices["kees"], 10, "Mine")
    login_as("marketer", locale="en")
    response = client.get(f"/nps/comments?{query}")
    expected = 200 if query == "page=abc" else 422
    assert response.status_code == expected and "Mine" in response.text


def test_the_csv_holds_the_filtered_rows_formula_safe(client, db, login_as, voices):
    say(db, voices["kees"], 2, "=HYPERLINK(\"http://evil\")", source="survey", satisfaction="dissatisfied",
        wants_more=False)
    say(db, voices["lisa"], 9, "Great work")
    login_as("marketer", locale="en")
    response = client.get("/nps/comments.csv?category=detractor")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][:5] == ["Date", "Customer", "Company", "Account manager", "Score"]
    assert len(rows) == 2
    assert rows[1][1:] == ["Kees Klant", "Anna Corp", "Anna Account", "2", "Detractor", "Survey", "Dissatisfied",
                           "No", "Nederlands", "'=HYPERLINK(\"http://evil\")"]


def test_htmx_gets_the_fragment_and_a_boosted_visit_the_page(client, db, login_as, voices):
    say(db, voices["kees"], 10, "Mine")
    login_as("marketer", locale="en")
    fragment = client.get("/nps/comments?category=promoter", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="nps-comments"' in fragment.text
    assert "<html" in client.get("/nps/comments", headers=HX_BOOSTED).text
    invalid = client.get("/nps/comments?category=nobody", headers=HX)
    assert invalid.status_code == 422 and "<html" not in invalid.text


def test_comments_are_paginated_with_a_fixed_statement_count(app, client, db, login_as, voices):
    def queries(url):
        db.session.expire_all()
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    for n in range(3):
        say(db, voices["kees"], n, f"few {n}")
    viewers = ("marketer", voices["anna"], voices["boss"])
    few = {}
    for n, viewer in enumerate(viewers):
        login_as(viewer)
        few[n] = queries("/nps/comments"), queries("/nps/comments?q=few&page=2"), queries("/nps/comments.csv")
    for n in range(60):
        customer = make_user("customer", company=voices["mine"] if n % 2 else make_company(account_manager=voices["otto"]))
        say(db, customer, n % 11, f"many {n}")
    for n, viewer in enumerate(viewers):
        login_as(viewer)
        many = queries("/nps/comments"), queries("/nps/comments?q=many&page=2"), queries("/nps/comments.csv")
        assert many == few[n] and max(many) <= 8, (viewer, many)
    login_as("marketer", locale="en")
    assert "Page 2 of 3" in client.get("/nps/comments?page=2").text  # 63 answers, 25 a page
    assert len(reasons(client.get("/nps/comments?page=3").text)) == 13


# --- the overview's filters ------------------------------------------------------------------------

def test_the_overview_recomputes_for_a_company_or_an_account_manager(client, db, login_as, voices):
    for score in (10, 10, 2):
        say(db, voices["kees"], score, "")
    for score in (0, 0, 8):
        say(db, voices["lisa"], score, "")
    login_as("marketer", locale="en")
    assert big_score(client.get("/nps").text) == "-17"
    page = client.get(f"/nps?company={voices['mine'].id}").text
    assert big_score(page) == "33" and "NPS from 3 answers" in page and "Otto Ltd</th>" not in page
    assert big_score(client.get(f"/nps?manager={voices['otto'].id}").text) == "-67"
    assert big_score(client.get(f"/nps?manager={voices['boss'].id}").text) == "–"  # manages no company itself
    trend = client.get(f"/nps?manager={voices['anna'].id}&period=all").text
    assert re.search(r'<span class="nps-num">3</span>', trend)  # this month's answers: Kees's three
    fragment = client.get(f"/nps?company={voices['mine'].id}", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and big_score(fragment.text) == "33"


def test_the_overview_filters_stay_within_what_sales_may_see(client, db, login_as, voices):
    say(db, voices["kees"], 10, "")
    say(db, voices["lisa"], 0, "")
    login_as(voices["anna"])
    refused = client.get(f"/nps?company={voices['theirs'].id}")
    assert refused.status_code == 422 and big_score(refused.text) == "100"  # her own figures, not Otto's
    assert client.get(f"/nps?manager={voices['otto'].id}").status_code == 422
    assert big_score(client.get(f"/nps?manager={voices['anna'].id}").text) == "100"
    login_as(voices["boss"])
    assert big_score(client.get(f"/nps?manager={voices['anna'].id}").text) == "100"


def test_the_overview_with_filters_keeps_a_fixed_statement_count(app, client, db, login_as, voices):
    def queries(url):
        db.session.expire_all()
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    urls = (f"/nps?company={voices['mine'].id}", f"/nps?manager={voices['anna'].id}&period=all&page=2")
    login_as(voices["boss"])
    few = [queries(url) for url in urls]
    for n in range(40):
        customer = make_user("customer", company=voices["mine"] if n % 2 else make_company(account_manager=voices["anna"]))
        say(db, customer, n % 11, "")
    login_as(voices["boss"])
    assert [queries(url) for url in urls] == few and max(few) <= 10
