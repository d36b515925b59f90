"""Poll results: counts and percentages per option (single and multiple choice), per segment, in the
viewer's scope, with the answers list's filters; the chart and the table show the same numbers."""
from __future__ import annotations

import re

import pytest

from app.challenges import get_type
from app.challenges.registry import Tally
from app.voice import polls
from app.voice.answers import AnswerFilters, reader_scope
from tests.factories import make_challenge, make_company, make_level, make_level_unlock, make_submission, make_user

OPTIONS = [{"nl": "Rood", "en": "Red"}, {"nl": "Groen", "en": "Green"}, {"nl": "Blauw", "en": "Blue"}]


def _poll(multiple=False):
    return make_challenge(type_key="poll", config={"multiple": multiple, "options": OPTIONS},
                          title_en="Favourite colour", title_nl="Lievelingskleur")


def _vote(challenge, user, *choices):
    return make_submission(user, challenge, data={"choices": list(choices), "labels": [OPTIONS[c] for c in choices]})


def _row(html: str, label: str) -> tuple[str, str]:
    match = re.search(rf'<th scope="row">{label}</th><td class="num">([^<]*)</td><td class="num">([^<]*)</td>', html)
    assert match, label
    return match.group(1), match.group(2)


@pytest.fixture
def people(db):
    rep_a, rep_b = make_user("sales", name="Rep Anna"), make_user("sales", name="Rep Bram")
    acme, globex = make_company("Acme", account_manager=rep_a), make_company("Globex", account_manager=rep_b)
    level1, level2 = make_level(1, name="Start"), make_level(2, name="Loyal")
    return dict(rep_a=rep_a, rep_b=rep_b, acme=acme, globex=globex, level1=level1, level2=level2)


def test_single_choice_tally_counts_and_percentages(app, client, db, login_as, people):
    poll = _poll()
    for choice in (0, 0, 1, 0):
        _vote(poll, make_user(company=people["acme"]), choice)
    db.session.commit()
    login_as("marketer", locale="en")
    page = client.get(f"/answers/{poll.id}")
    assert page.status_code == 200
    assert _row(page.text, "Red") == ("3", "75%") and _row(page.text, "Green") == ("1", "25%")
    assert _row(page.text, "Blue") == ("0", "0%")
    assert "4 customers answered" in page.text and "several options" not in page.text
    # The chart: one bar per chosen option, its value the same percentage as the table.
    assert page.text.count('class="an-cur"') == 2 and ">75%</text>" in page.text
    assert '<svg class="an-chart"' in page.text and "<title id=\"poll-overall-title\">" in page.text


def test_multiple_choice_counts_each_option_as_a_share_of_respondents(client, db, login_as, people):
    poll = _poll(multiple=True)
    _vote(poll, make_user(company=people["acme"]), 0, 1)
    _vote(poll, make_user(company=people["acme"]), 0)
    _vote(poll, make_user(company=people["acme"]), 0, 1, 2)
    _vote(poll, make_user(company=people["acme"]), 2)
    db.session.commit()
    login_as("marketer", locale="en")
    page = client.get(f"/answers/{poll.id}")
    assert _row(page.text, "Red") == ("3", "75%") and _row(page.text, "Green") == ("2", "50%")
    assert _row(page.text, "Blue") == ("2", "50%")
    assert "4 customers answered" in page.text and "share of respondents" in page.text
    assert "Of respondents" in page.text


def test_results_in_dutch(client, db, login_as, people):
    poll = _poll()
    _vote(poll, make_user(company=people["acme"]), 2)
    db.session.commit()
    login_as("marketer", locale="nl")
    page = client.get(f"/answers/{poll.id}")
    assert _row(page.text, "Blauw") == ("1", "100%")


def test_segments_per_level_and_per_account_manager(client, db, login_as, people):
    poll = _poll()
    a1, a2 = make_user(company=people["acme"]), make_user(company=people["acme"])
    g1 = make_user(company=people["globex"])
    make_level_unlock(a2, people["level2"])
    make_level_unlock(g1, people["level2"])
    _vote(poll, a1, 0)
    _vote(poll, a2, 1)
    _vote(poll, g1, 1)
    db.session.commit()
    login_as("marketer", locale="en")
    by_level = client.get(f"/answers/{poll.id}?segment=level")
    assert "Level 1: Start" in by_level.text and "Level 2: Loyal" in by_level.text
    level1, level2 = by_level.text.split("Level 2: Loyal <span")
    assert _row(level1.split("Level 1: Start <span")[1], "Red") == ("1", "100%")
    assert _row(level2, "Green") == ("2", "100%") and _row(level2, "Red") == ("0", "0%")
    by_manager = client.get(f"/answers/{poll.id}?segment=manager")
    anna = by_manager.text.split("Rep Anna <span")[1].split("</section>")[0]
    bram = by_manager.text.split("Rep Bram <span")[1].split("</section>")[0]
    assert _row(anna, "Red") == ("1", "50%") and _row(anna, "Green") == ("1", "50%")
    assert _row(bram, "Green") == ("1", "100%")
    # The segment selector is in the form, and the overall results stay on top.
    assert 'name="segment"' in by_manager.text and _row(by_manager.text, "Green") == ("2", "67%")


def test_sales_results_count_only_their_accounts(client, db, login_as, people):
    poll = _poll()
    _vote(poll, make_user(company=people["acme"]), 0)
    _vote(poll, make_user(company=people["globex"]), 1)
    _vote(poll, make_user(company=people["globex"]), 1)
    people["rep_a"].locale = "en"
    db.session.commit()
    login_as(people["rep_a"])
    page = client.get(f"/answers/{poll.id}?segment=manager")
    assert _row(page.text, "Red") == ("1", "100%") and _row(page.text, "Green") == ("0", "0%")
    assert "Rep Bram" not in page.text and "1 customer answered" in page.text


def test_results_follow_the_filters(client, db, login_as, people):
    poll = _poll()
    _vote(poll, make_user(company=people["acme"]), 0)
    _vote(poll, make_user(company=people["globex"]), 1)
    db.session.commit()
    login_as("marketer", locale="en")
    page = client.get(f"/answers/{poll.id}?company={people['globex'].id}")
    assert _row(page.text, "Green") == ("1", "100%") and "(with these filters)" in page.text


def test_the_tally_from_the_registry_reads_odd_values_and_removed_options(app, db, people):
    poll = _poll()
    ctype = get_type("poll")
    with app.test_request_context():
        tally = ctype.results(poll, [([0], 2), ([0, 1], 1), ([7], 1), ("x", 5), (None, 1), ([True], 1)])
    assert isinstance(tally, Tally) and tally.respondents == 4
    assert tally.options[:3] == [("Rood", 3), ("Groen", 1), ("Blauw", 0)]
    assert tally.options[3][1] == 1  # an option that was removed later
    assert tally.percent(3) == 75.0 and Tally([], 0).percent(0) == 0.0
    assert get_type("question").results(poll, [([0], 1)]) is None and get_type("question").results_key is None


def test_poll_results_module_direct(app, db, people):
    poll = _poll()
    _vote(poll, make_user(company=people["acme"]), 0)
    marketer = make_user("marketer")
    db.session.commit()
    with app.test_request_context():
        scope = reader_scope(marketer)
        results = polls.poll_results(poll, scope, AnswerFilters(), "nonsense")
        assert results.segment is None and results.overall.respondents == 1
        assert polls.poll_results(make_challenge(type_key="question"), scope, AnswerFilters()) is None


def test_a_question_has_no_results_section(client, db, login_as):
    question = make_challenge(type_key="question")
    make_submission(make_user(), question)
    db.session.commit()
    login_as("marketer", locale="en")
    page = client.get(f"/answers/{question.id}")
    assert "poll-results" not in page.text and 'name="segment"' not in page.text
