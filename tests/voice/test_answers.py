"""Answers per challenge: the index, one challenge's answers (filters, search, scope, htmx, CSV) and what
reads them; poll results in tests/voice/test_polls.py."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import pytest

from app.dates import utcnow
from tests.conftest import HX, HX_BOOSTED, count_queries
from tests.factories import make_challenge, make_company, make_level, make_level_unlock, make_submission, make_user

RESULTS = {**HX, "HX-Target": "answers-results"}


def _url(challenge, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/answers/{challenge.id}" + (f"?{query}" if query else "")


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _names_in(html: str) -> list[str]:
    return re.findall(r'<a href="/participants/\d+">([^<]+)</a>', html)


@pytest.fixture
def setting(db):
    """Two account managers with a company each, a question with answers from both accounts."""
    rep_a, rep_b = make_user("sales", name="Rep Anna"), make_user("sales", name="Rep Bram")
    acme, globex = make_company("Acme", account_manager=rep_a), make_company("Globex", account_manager=rep_b)
    level1, level2 = make_level(1), make_level(2)
    question = make_challenge(level1, "question", title_nl="Wat levert het op?", title_en="What does it bring?")
    ann = make_user(name="Ann Acme", company=acme, locale="en")
    kees = make_user(name="Kees Globex", company=globex, locale="nl")
    make_level_unlock(kees, level2)
    now = utcnow()
    make_submission(ann, question, data={"answer": "It saves us hours every week."}, locale="en",
                    created_at=now - timedelta(days=10))
    make_submission(kees, question, data={"answer": "Het bespaart ons uren per week."}, locale="nl",
                    created_at=now - timedelta(days=1))
    db.session.commit()
    return dict(rep_a=rep_a, rep_b=rep_b, acme=acme, globex=globex, question=question, ann=ann, kees=kees,
                level2=level2)


def test_index_lists_challenges_with_answers_and_counts_in_the_viewers_scope(client, db, login_as, setting):
    unanswered = make_challenge(type_key="question", title_en="Nobody answered this")
    db.session.commit()
    login_as("marketer", locale="en")
    page = client.get("/answers")
    assert page.status_code == 200
    assert "What does it bring?" in page.text and "Nobody answered this" not in page.text
    assert re.search(r"What does it bring\?</a></td>\s*<td class=\"num\">2<", page.text)
    assert f'href="/answers/{setting["question"].id}"' in page.text and unanswered.id
    login_as(setting["rep_a"])
    own = client.get("/answers")
    assert re.search(r"Wat levert het op\?</a></td>\s*<td class=\"num\">1<", own.text)


def test_marketing_reads_every_answer_with_customer_company_date_language_and_status(client, db, login_as, setting):
    login_as("marketer", locale="en")
    page = client.get(_url(setting["question"]))
    assert page.status_code == 200
    assert _names_in(page.text) == ["Kees Globex", "Ann Acme"]  # newest first
    assert f'href="/participants/{setting["ann"].id}"' in page.text
    assert "Acme" in page.text and "Rep Anna" in page.text and "Approved" in page.text
    assert '<blockquote class="answer-text" lang="en">' in page.text
    assert '<blockquote class="answer-text" lang="nl">' in page.text
    assert "Dutch" in page.text and "English" in page.text
    assert "2 answers in total." in page.text


def test_an_answer_without_a_language_is_not_marked(client, db, login_as, setting):
    make_submission(make_user(company=setting["acme"]), setting["question"], data={"answer": "Old answer"},
                    locale=None)
    db.session.commit()
    login_as("marketer", locale="en")
    page = client.get(_url(setting["question"]))
    assert re.search(r'<blockquote class="answer-text"\s*>\s*<p>Old answer</p>', page.text)


def test_sales_see_only_their_accounts_answers(client, db, login_as, setting):
    login_as(setting["rep_a"])
    page = client.get(_url(setting["question"]))
    assert page.status_code == 200
    assert _names_in(page.text) == ["Ann Acme"] and "Kees Globex" not in page.text
    assert "Het bespaart" not in page.text
    # Filtering on another account's company or manager shows nothing of theirs either.
    other = client.get(_url(setting["question"], company=setting["globex"].id, manager=setting["rep_b"].id))
    assert other.status_code == 200 and "Kees Globex" not in other.text and "Het bespaart" not in other.text
    rows = _csv(client.get(f"/answers/{setting['question'].id}/export"))
    assert [row[0] for row in rows[1:]] == ["Ann Acme"]


def test_a_team_lead_sees_their_teams_accounts(client, db, login_as, setting):
    lead = make_user("sales", name="Lead")
    setting["rep_b"].manager_id = lead.id
    db.session.commit()
    login_as(lead)
    assert _names_in(client.get(_url(setting["question"])).text) == ["Kees Globex"]


def test_a_challenge_that_does_not_exist_is_404_and_customers_403(client, db, login_as, setting):
    login_as("marketer")
    assert client.get("/answers/999999").status_code == 404
    assert client.get("/answers/999999/export").status_code == 404
    login_as(setting["ann"])
    assert client.get(_url(setting["question"])).status_code == 403
    assert client.get("/answers").status_code == 403


@pytest.mark.parametrize("args, expected", [
    ({"company": "ACME"}, ["Ann Acme"]),
    ({"company": "GLOBEX"}, ["Kees Globex"]),
    ({"manager": "REP_B"}, ["Kees Globex"]),
    ({"level": "2"}, ["Kees Globex"]),
    ({"level": "1"}, ["Ann Acme"]),
    ({"q": "hours"}, ["Ann Acme"]),
    ({"q": "BESPAART"}, ["Kees Globex"]),
    ({"q": "100%"}, []),
    ({"date_from": "DAYS_AGO_3"}, ["Kees Globex"]),
    ({"date_to": "DAYS_AGO_3"}, ["Ann Acme"]),
    ({"date_from": "DAYS_AGO_20", "date_to": "TODAY"}, ["Kees Globex", "Ann Acme"]),
])
def test_filters_and_search(client, db, login_as, setting, args, expected):
    login_as("marketer", locale="en")
    today = utcnow().date()
    values = {"ACME": setting["acme"].id, "GLOBEX": setting["globex"].id, "REP_B": setting["rep_b"].id,
              "DAYS_AGO_3": today - timedelta(days=3), "DAYS_AGO_20": today - timedelta(days=20), "TODAY": today}
    args = {key: values.get(value, value) for key, value in args.items()}
    page = client.get(f"/answers/{setting['question'].id}", query_string=args)
    assert page.status_code == 200
    assert _names_in(page.text) == expected
    assert "answers match these filters." in page.text or "answer matches these filters." in page.text
    # The CSV holds exactly the rows of the list.
    rows = _csv(client.get(f"/answers/{setting['question'].id}/export", query_string=args))
    assert [row[0] for row in rows[1:]] == expected


@pytest.mark.parametrize("args", [
    {"date_from": "yesterday"}, {"date_to": "2026-02-30"}, {"date_from": "0001-01-01"}, {"date_to": "9999-12-31"},
    {"company": "abc"}, {"company": "99999999999999999999"}, {"manager": "-1"}, {"level": "x"},
    {"segment": "company"}, {"page": "abc"}, {"page": "-5"}, {"q": "x" * 300},
    {"date_from": "2026-05-01", "date_to": "2026-04-01"},
])
def test_bad_filter_input_is_left_out_with_a_message_never_a_500(client, db, login_as, setting, args):
    login_as("marketer", locale="en")
    page = client.get(f"/answers/{setting['question'].id}", query_string=args)
    assert page.status_code == 200
    if "page" not in args:
        assert "These filters were not used:" in page.text
    export = client.get(f"/answers/{setting['question'].id}/export", query_string=args)
    assert export.status_code == 200


def test_the_wrong_dates_are_explained(client, db, login_as, setting):
    login_as("marketer", locale="en")
    page = client.get(_url(setting["question"], date_from="2026-05-01", date_to="2026-04-01"))
    assert "The last day is before the first day." in page.text
    assert _names_in(page.text) == ["Kees Globex", "Ann Acme"]  # the one good filter still applies: none left
    garbage = client.get(_url(setting["question"], date_from="soon"))
    assert "Enter the first day as year-month-day" in garbage.text


def test_the_filter_form_works_without_javascript_and_htmx_swaps_only_the_list(client, db, login_as, setting):
    login_as("marketer", locale="en")
    url = _url(setting["question"], q="hours")
    plain = client.get(url)
    assert "<html" in plain.text and 'method="get"' in plain.text and 'role="search"' in plain.text
    assert 'hx-target="#answers-results"' in plain.text and "data-focus-after-swap" in plain.text
    fragment = client.get(url, headers=RESULTS)
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'role="search"' not in fragment.text
    assert _names_in(fragment.text) == ["Ann Acme"] and "HX-Request" in fragment.headers["Vary"]
    # The address bar gets the tidy URL, not every empty field.
    tidy = client.get(_url(setting["question"], q="hours", company="", level="", date_from=""), headers=RESULTS)
    assert tidy.headers["HX-Push-Url"] == f"/answers/{setting['question'].id}?q=hours"
    # A boosted navigation gets the whole page.
    boosted = client.get(url, headers={**HX_BOOSTED, "HX-Target": "answers-results"})
    assert "<html" in boosted.text


def test_the_list_is_paginated_and_the_csv_holds_every_filtered_row(client, db, login_as, setting):
    acme = setting["acme"]
    for n in range(30):
        make_submission(make_user(name=f"Bulk {n:02d}", company=acme), setting["question"],
                        data={"answer": f"Bulk answer {n}"}, locale="nl")
    db.session.commit()
    login_as("marketer", locale="en")
    first = client.get(_url(setting["question"], company=acme.id))
    assert "Page 1 of 2" in first.text and len(_names_in(first.text)) == 25
    assert f'page=2&amp;company={acme.id}' in first.text or f'company={acme.id}&amp;page=2' in first.text
    second = client.get(_url(setting["question"], company=acme.id, page=2))
    assert len(_names_in(second.text)) == 6
    rows = _csv(client.get(f"/answers/{setting['question'].id}/export?company={acme.id}"))
    assert len(rows) == 32 and {row[0] for row in rows[1:]} == set(_names_in(first.text)) | set(_names_in(second.text))


def test_the_csv_is_formula_safe_and_has_the_answer_text(client, db, login_as, setting):
    evil = make_user(name="=HYPERLINK(\"http://x\")", company=setting["acme"])
    make_submission(evil, setting["question"], data={"answer": "+SUM(A1:A2)"}, locale="en")
    db.session.commit()
    login_as("marketer", locale="en")
    rows = _csv(client.get(f"/answers/{setting['question'].id}/export"))
    assert rows[0][:3] == ["Customer", "E-mail", "Company"] and rows[0][-1] == "Answer"
    evil_row = next(row for row in rows if "HYPERLINK" in row[0])
    assert evil_row[0].startswith("'=") and evil_row[-1] == "'+SUM(A1:A2)"
    assert evil_row[6] == "en" and evil_row[7] == "Approved"


def test_a_type_without_words_has_no_search_and_answers_show_its_facts(client, db, login_as):
    reference = make_challenge(type_key="reference_call", title_en="Be a reference")
    make_submission(make_user(name="Ref Person"), reference,
                    data={"calls_per_quarter": "2", "contact": "phone", "topics": "Onboarding", "agree": True})
    content = make_challenge(type_key="share", title_en="Share")
    make_submission(make_user(name="Sharer"), content, data={"channels": ["email"], "confirm": True})
    db.session.commit()
    login_as("marketer", locale="en")
    page = client.get(_url(reference))
    assert "Calls per quarter at most" in page.text and "Onboarding" in page.text and 'name="q"' in page.text
    assert _names_in(client.get(_url(reference, q="onboard")).text) == ["Ref Person"]
    share = client.get(_url(content))
    assert share.status_code == 200 and 'name="q"' not in share.text and "Sharer" in share.text
    assert _names_in(client.get(_url(content, q="anything")).text) == []


def test_odd_stored_answers_never_break_the_page(client, db, login_as):
    question = make_challenge(type_key="question")
    poll = make_challenge(type_key="poll")
    gone = make_challenge(type_key="question")
    for data in ({}, {"answer": None}, {"answer": ["a"]}, {"choices": "x", "labels": "y"}, {"choices": [True, 99]}):
        make_submission(make_user(), question, data=data)
        make_submission(make_user(), poll, data=data)
    make_submission(make_user(), gone, data={"answer": "old"})
    gone.type_key = "no_longer_exists"
    db.session.commit()
    login_as("marketer", locale="en")
    for challenge in (question, poll, gone):
        assert client.get(_url(challenge)).status_code == 200
        assert client.get(_url(challenge, segment="level")).status_code == 200
        assert client.get(f"/answers/{challenge.id}/export").status_code == 200
        assert client.get(_url(challenge, q="a")).status_code == 200
    assert client.get("/answers").status_code == 200


def _fill(db, challenge, company, n):
    for i in range(n):
        user = make_user(company=company)
        make_submission(user, challenge, data={"answer": f"Answer {i}", "choices": [i % 2], "labels": []}
                        if challenge.type_key == "question" else {"choices": [i % 2], "labels": []},
                        created_at=datetime(2026, 1, 1) + timedelta(hours=i))
    db.session.commit()


@pytest.mark.parametrize("role", ["marketer", "sales"])
def test_statement_budgets_do_not_grow_with_answers(app, client, db, login_as, role):
    rep = make_user("sales")
    company = make_company(account_manager=rep)
    question = make_challenge(type_key="question")
    poll = make_challenge(type_key="poll")
    login_as(rep if role == "sales" else "marketer")
    urls = ["/answers", _url(question), _url(question, q="answer", level="1", company=company.id),
            _url(poll), _url(poll, segment="level"), _url(poll, segment="manager"),
            f"/answers/{question.id}/export", f"/answers/{poll.id}/export?segment=manager"]
    _fill(db, question, company, 3)
    _fill(db, poll, company, 3)
    few = {}
    for url in urls:
        db.session.expire_all()  # every request starts alike: the signed-in user is loaded again
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        few[url] = list(statements)
    _fill(db, question, company, 40)
    _fill(db, poll, company, 40)
    for url in urls:
        db.session.expire_all()
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        assert len(statements) == len(few[url]), (url, [x[:90] for x in few[url]], [x[:90] for x in statements])
        assert len(statements) <= 14, (url, statements)  # the page, its filters, the scope, the header
