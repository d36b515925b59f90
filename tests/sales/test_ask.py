"""Ready for the ask: who is on the queue (and who never is), the readiness order, claiming a
customer, the ask page with its call script and the log form, the cross-team cap, bad input,
htmx and plain variants, query budgets and the demo data."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import dates
from app.auth.models import User
from app.dates import utcnow
from app.journey.models import APPROVED, PENDING, LevelUnlock, Submission
from app.nps.models import CLOSED, CONTACTED, OPEN, FollowUp, NpsResponse, category_for
from app.referrals.models import Ask, AskStatus
from app.sales import ask_services as asks
from tests.conftest import HX, HX_BOOSTED, count_queries
from tests.factories import make_challenge, make_company, make_level, make_user

QUEUE = "/sales/ask"


# ---- helpers ------------------------------------------------------------------------------------

@pytest.fixture
def levels(db):
    return {n: make_level(position=n) for n in (1, 2, 3)}


@pytest.fixture
def team(db, levels):
    """A sales manager with one account manager in the team; a third account manager outside it."""
    boss = make_user("sales", name="Bea Boss", locale="en")
    anna = make_user("sales", name="Anna Account", locale="en", manager=boss)
    otto = make_user("sales", name="Otto Other", locale="en")
    mine = make_company("Anna Corp", account_manager=anna)
    theirs = make_company("Otto Ltd", account_manager=otto)
    db.session.commit()
    return dict(boss=boss, anna=anna, otto=otto, mine=mine, theirs=theirs, levels=levels)


def customer(db, team, name, company="mine", level=0, score=None, contributions=0, **fields):
    person = make_user("customer", name=name, company=team[company], locale="en", **fields)
    for position in range(1, level + 1):
        db.session.add(LevelUnlock(user_id=person.id, level_id=team["levels"][position].id))
    if contributions:
        challenge = make_challenge(level=team["levels"][2], type_key="quote")
        for n in range(contributions):
            db.session.add(Submission(user_id=person.id, challenge_id=challenge.id, attempt=n + 1, status=APPROVED))
    if score is not None:
        answer(db, person, score)
    db.session.commit()
    return person


def answer(db, person, score, days_ago=0, follow_up=None, reason=""):
    """An NPS answer as a plain row; a follow-up task with the given status when asked for."""
    row = NpsResponse(user_id=person.id, company_id=person.company_id, score=score, category=category_for(score),
                      reason=reason, created_at=utcnow() - timedelta(days=days_ago))
    db.session.add(row)
    db.session.flush()
    if follow_up:
        db.session.add(FollowUp(response_id=row.id, trigger=row.category if row.category != "passive" else "detractor",
                                assignee_id=person.company.account_manager_id,
                                due_at=row.created_at + timedelta(days=2), status=follow_up))
    db.session.commit()
    return row


def queue_names(client, url=QUEUE) -> list[str]:
    page = client.get(url)
    assert page.status_code == 200
    return re.findall(r'<tr id="ask-row-\d+"[^>]*>\s*<th scope="row">\s*<a [^>]*>([^<]+)</a>', page.text)


def asked(db, person, days_ago, by=None):
    status = db.session.get(AskStatus, person.id) or AskStatus(customer_id=person.id)
    status.last_asked_at = utcnow() - timedelta(days=days_ago)
    db.session.add(status)
    if by is not None:
        db.session.add(Ask(customer_id=person.id, asked_by_id=by.id, asked_on=(utcnow() - timedelta(days=days_ago)).date(),
                           channel="phone", outcome="no"))
    db.session.commit()


def log_data(**overrides):
    data = {"asked_on": dates.today().isoformat(), "channel": "phone", "outcome": "yes", "follow_up_on": "",
            "note": "Thinks of two people at a supplier."}
    data.update(overrides)
    return data


def ask_count(db, person=None) -> int:
    statement = select(func.count(Ask.id))
    if person is not None:
        statement = statement.where(Ask.customer_id == person.id)
    return db.session.scalar(statement)


# ---- who is on the queue --------------------------------------------------------------------------

def test_level3_and_promoters_in_readiness_order(client, db, login_as, team):
    customer(db, team, "Passive Paula", level=2, score=8)                      # neither: not listed
    customer(db, team, "Promoter Piet", level=2, score=10, contributions=1)
    customer(db, team, "Promoter Pim", level=1, score=10)                      # no level-2 contribution yet
    customer(db, team, "Promoter Pending", level=2, score=9, contributions=0)   # nothing approved at level 2
    customer(db, team, "Ambassador Few", level=3, score=8, contributions=1)
    customer(db, team, "Ambassador Many", level=3, score=7, contributions=3)
    customer(db, team, "Ambassador Silent", level=3, contributions=1)          # no NPS answer at all
    asked_long_ago = customer(db, team, "Ambassador Asked", level=3, score=8, contributions=1)
    asked(db, asked_long_ago, days_ago=200)
    login_as(team["anna"])
    assert queue_names(client) == ["Ambassador Many", "Ambassador Few", "Ambassador Asked", "Ambassador Silent",
                                   "Promoter Piet"]
    page = client.get(QUEUE).text
    assert "Never asked" in page and "200 days ago" in page
    assert "Reached level 3 with 3 approved level-2 contributions." in page
    assert "A promoter (10) who would recommend us, at level 2 of the journey." in page
    assert "Promoter Pim" not in page and "Promoter Pending" not in page
    assert "<caption>5 customers ready for the ask</caption>" in page


def test_never_a_detractor(client, db, login_as, team):
    latest_unhappy = customer(db, team, "Once Happy", level=3, score=10)
    answer(db, latest_unhappy, 3, follow_up=CLOSED)  # followed up and closed, but still unhappy last time
    customer(db, team, "Just Unhappy", level=3, score=2)  # no follow-up row at all
    login_as(team["anna"])
    assert queue_names(client) == []


def test_open_detractor_follow_up_keeps_them_out_until_closed(client, db, login_as, team):
    person = customer(db, team, "Recovering Rita", level=3)
    unhappy = answer(db, person, 4, days_ago=10, follow_up=CONTACTED)
    answer(db, person, 9, days_ago=1)  # happier since, but the account manager has not closed the follow-up
    login_as(team["anna"])
    assert queue_names(client) == []
    unhappy.follow_up.status = CLOSED
    db.session.commit()
    assert queue_names(client) == ["Recovering Rita"]


def test_asked_within_the_cap_is_left_out_and_comes_back_after_it(client, db, login_as, team):
    person = customer(db, team, "Capped Carl", level=3, score=9)
    asked(db, person, days_ago=89, by=team["otto"])  # asked by someone of another team
    login_as(team["anna"])
    assert queue_names(client) == []
    asked(db, person, days_ago=91)
    assert queue_names(client) == ["Capped Carl"]


def test_only_the_viewers_accounts_a_manager_sees_the_team_admin_all(client, db, login_as, team):
    customer(db, team, "Mine Mia", level=3)
    customer(db, team, "Theirs Tom", company="theirs", level=3)
    login_as(team["anna"])
    assert queue_names(client) == ["Mine Mia"]
    login_as(team["otto"])
    assert queue_names(client) == ["Theirs Tom"]
    login_as(team["boss"])
    assert queue_names(client) == ["Mine Mia"]
    login_as("admin", locale="en")
    assert sorted(queue_names(client)) == ["Mine Mia", "Theirs Tom"]


def test_deactivated_customers_and_staff_are_never_listed(client, db, login_as, team):
    customer(db, team, "Gone Gerda", level=3, score=10, is_active=False)
    staff = make_user("sales", name="Staff Sam", company=team["mine"])
    db.session.add(LevelUnlock(user_id=staff.id, level_id=team["levels"][3].id))
    db.session.commit()
    login_as(team["anna"])
    assert queue_names(client) == []


def test_pending_contributions_do_not_count(client, db, login_as, team):
    person = customer(db, team, "Pending Pim", level=3, contributions=1)
    challenge = make_challenge(level=team["levels"][2])
    db.session.add(Submission(user_id=person.id, challenge_id=challenge.id, status=PENDING))
    db.session.commit()
    login_as(team["anna"])
    assert "1 approved level-2 contribution." in client.get(QUEUE).text


def test_queue_htmx_fragment_and_boosted_page(client, db, login_as, team):
    customer(db, team, "Mine Mia", level=3)
    login_as(team["anna"])
    fragment = client.get(QUEUE, headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="ask-queue"' in fragment.text
    boosted = client.get(QUEUE, headers=HX_BOOSTED)
    assert "<html" in boosted.text
    assert "HX-Request" in fragment.headers["Vary"]


def test_empty_queue_says_so(client, db, login_as, team):
    login_as(team["anna"])
    assert "Nobody is ready for the ask right now." in client.get(QUEUE).text


def test_queue_paginates(client, db, login_as, team):
    for n in range(27):
        customer(db, team, f"Person {n:02d}", level=3)
    login_as(team["anna"])
    assert len(queue_names(client)) == 25
    assert len(queue_names(client, QUEUE + "?page=2")) == 2
    assert "Page 1 of 2" in client.get(QUEUE).text


# ---- query budget ----------------------------------------------------------------------------------

def _statements(app, client, url) -> int:
    client.get(url)  # warm up: the settings row, caches
    with count_queries(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_queue_query_count_does_not_grow_with_rows(app, client, db, login_as, team):
    login_as(team["anna"])
    for n in range(2):
        person = customer(db, team, f"Small {n}", level=3, score=9, contributions=2)
        asked(db, person, days_ago=120, by=team["otto"])
    small = _statements(app, client, QUEUE)
    for n in range(30):
        person = customer(db, team, f"Big {n}", level=3 if n % 2 else 1, score=9 if n % 3 else 10, contributions=n % 4)
        if n % 5 == 0:
            asked(db, person, days_ago=100 + n, by=team["boss"])
        if n % 7 == 0:
            db.session.merge(AskStatus(customer_id=person.id, claimed_by_id=team["boss"].id, claimed_at=utcnow()))
            db.session.commit()
    big = _statements(app, client, QUEUE)
    assert small == big and big <= 8, (small, big)


def test_ask_page_query_count_is_fixed(app, client, db, login_as, team):
    few = customer(db, team, "Few", level=3, score=9, contributions=1)
    many = customer(db, team, "Many", level=3, score=9, contributions=12)
    for n in range(10):
        answer(db, many, 9, days_ago=n + 1)
    login_as(team["anna"])
    assert _statements(app, client, f"/sales/ask/{few.id}") == _statements(app, client, f"/sales/ask/{many.id}")


# ---- claiming --------------------------------------------------------------------------------------

def test_claim_with_htmx_returns_the_row(client, db, login_as, post_form, team):
    person = customer(db, team, "Claimable Cas", level=3)
    login_as(team["anna"])
    response = post_form(f"/sales/ask/{person.id}/claim", htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.text and response.text.lstrip().startswith(f'<tr id="ask-row-{person.id}"')
    assert "You claimed Claimable Cas for the ask." in response.text
    assert ">Claim<" not in response.text  # your own claim: no button
    status = db.session.get(AskStatus, person.id)
    db.session.refresh(status)
    assert status.claimed_by_id == team["anna"].id


def test_claim_without_js_redirects_back_with_a_flash(client, db, login_as, post_form, team):
    person = customer(db, team, "Claimable Cas", level=3)
    login_as(team["anna"])
    response = post_form(f"/sales/ask/{person.id}/claim", {"next": "/sales/ask?page=1"})
    assert response.status_code == 303 and response.headers["Location"] == "/sales/ask?page=1"
    page = client.get("/sales/ask?page=1").text
    assert "You claimed Claimable Cas for the ask." in page
    evil = post_form(f"/sales/ask/{person.id}/claim", {"next": "//evil.example"})
    assert evil.status_code == 303 and evil.headers["Location"] == "/sales/ask"


def test_second_claimer_loses_with_a_clear_message(client, db, login_as, post_form, team):
    person = customer(db, team, "Wanted Wim", level=3)
    login_as(team["anna"])
    assert post_form(f"/sales/ask/{person.id}/claim", htmx=True).status_code == 200
    login_as(team["boss"])  # the manager sees the same customer, and claims a moment later
    lost = post_form(f"/sales/ask/{person.id}/claim", htmx=True)
    assert lost.status_code == 409
    assert "Anna Account claimed Wanted Wim on" in lost.text and "just before you" in lost.text
    assert f'id="ask-row-{person.id}"' in lost.text
    plain = post_form(f"/sales/ask/{person.id}/claim")
    assert plain.status_code == 303
    assert "Anna Account claimed Wanted Wim" in client.get(QUEUE).text
    db.session.expire_all()
    assert db.session.get(AskStatus, person.id).claimed_by_id == team["anna"].id


def test_a_claim_older_than_14_days_may_be_taken_over(client, db, login_as, post_form, team):
    person = customer(db, team, "Stale Stan", level=3)
    db.session.add(AskStatus(customer_id=person.id, claimed_by_id=team["boss"].id,
                             claimed_at=utcnow() - timedelta(days=15)))
    db.session.commit()
    login_as(team["anna"])
    page = client.get(QUEUE).text
    assert "Bea Boss" not in page and ">Claim<" in page  # an old claim is not shown
    assert post_form(f"/sales/ask/{person.id}/claim", htmx=True).status_code == 200
    db.session.expire_all()
    assert db.session.get(AskStatus, person.id).claimed_by_id == team["anna"].id


def test_queue_shows_a_fresh_claim(client, db, login_as, team):
    person = customer(db, team, "Taken Tess", level=3)
    db.session.add(AskStatus(customer_id=person.id, claimed_by_id=team["boss"].id, claimed_at=utcnow()))
    db.session.commit()
    login_as(team["anna"])
    row = client.get(QUEUE).text.split(f'id="ask-row-{person.id}"')[1].split("</tr>")[0]
    assert "Bea Boss" in row and ">Claim<" not in row


def test_claim_outside_scope_is_404_and_paused_is_409(client, db, login_as, post_form, team):
    theirs = customer(db, team, "Theirs Tom", company="theirs", level=3)
    unhappy = customer(db, team, "Unhappy Ulla", level=3)
    answer(db, unhappy, 2, follow_up=OPEN)
    login_as(team["anna"])
    assert post_form(f"/sales/ask/{theirs.id}/claim").status_code == 404
    assert post_form(f"/sales/ask/{theirs.id}/claim", htmx=True).status_code == 404
    refused = post_form(f"/sales/ask/{unhappy.id}/claim", htmx=True)
    assert refused.status_code == 409 and "is not asked for now" in refused.text
    assert db.session.get(AskStatus, theirs.id) is None and db.session.get(AskStatus, unhappy.id) is None


def test_claim_of_someone_just_asked_is_refused(client, db, login_as, post_form, team):
    person = customer(db, team, "Asked Ada", level=3)
    asked(db, person, days_ago=3, by=team["otto"])
    login_as(team["anna"])
    refused = post_form(f"/sales/ask/{person.id}/claim", htmx=True)
    assert refused.status_code == 409 and "was already asked on" in refused.text and "Otto Other" in refused.text


# ---- the ask page ----------------------------------------------------------------------------------

def test_ask_page_shows_facts_and_script(client, db, login_as, team):
    person = customer(db, team, "Anouk Ambassador", level=3, contributions=2)
    answer(db, person, 10, reason="Quick, personal support.")
    login_as(team["anna"])
    page = client.get(f"/sales/ask/{person.id}")
    assert page.status_code == 200
    text = page.text
    for fact in ("Anna Corp", "Level 3", "Quick, personal support.", "Never", "Recent contributions"):
        assert fact in text, fact
    assert "Begin with what Anouk told us: “Quick, personal support”. Thank them" in text
    assert "Who in your network deals with" in text and "fifteen minutes" in text
    assert 'action="/sales/ask/%d"' % person.id in text and f'hx-post="/sales/ask/{person.id}"' in text
    assert f'value="{dates.today().isoformat()}"' in text  # the date defaults to today
    fragment = client.get(f"/sales/ask/{person.id}", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="ask-page"' in fragment.text


def test_ask_page_speaks_dutch_to_a_dutch_viewer(client, db, login_as, team):
    person = customer(db, team, "Anouk Ambassador", level=3)
    team["anna"].locale = "nl"
    db.session.commit()
    login_as(team["anna"])
    page = client.get(f"/sales/ask/{person.id}")
    assert page.status_code == 200 and '<html lang="nl">' in page.text


def test_ask_page_out_of_scope_or_not_a_customer_is_404(client, db, login_as, team):
    theirs = customer(db, team, "Theirs Tom", company="theirs", level=3)
    gone = customer(db, team, "Gone Gerda", level=3, is_active=False)
    login_as(team["anna"])
    for person in (theirs, gone, team["otto"]):
        assert client.get(f"/sales/ask/{person.id}").status_code == 404
        assert client.get(f"/sales/ask/{person.id}", headers=HX).status_code == 404
    assert client.get("/sales/ask/2147483647").status_code == 404
    assert client.get("/sales/ask/99999999999").status_code == 404


def test_ask_page_of_a_paused_customer_is_409(client, db, login_as, post_form, team):
    person = customer(db, team, "Unhappy Ulla", level=3)
    answer(db, person, 3, follow_up=OPEN)
    login_as(team["anna"])
    page = client.get(f"/sales/ask/{person.id}")
    assert page.status_code == 409 and "Unhappy Ulla is not asked for now" in page.text and "<form method=\"post\" action=\"/sales/ask/" not in page.text
    for htmx in (False, True):
        refused = post_form(f"/sales/ask/{person.id}", log_data(), htmx=htmx)
        assert refused.status_code == 409 and "is not asked for now" in refused.text
    assert ask_count(db) == 0


# ---- logging an ask --------------------------------------------------------------------------------

def test_logging_an_ask_removes_them_for_the_cap_and_they_come_back(client, db, login_as, post_form, team):
    person = customer(db, team, "Asked Ada", level=3, score=9)
    db.session.add(AskStatus(customer_id=person.id, claimed_by_id=team["anna"].id, claimed_at=utcnow()))
    db.session.commit()
    login_as(team["anna"])
    response = post_form(f"/sales/ask/{person.id}", log_data(outcome="later", follow_up_on=(dates.today() + timedelta(days=7)).isoformat()))
    assert response.status_code == 303 and response.headers["Location"] == "/sales/ask"
    assert "The ask of Asked Ada is logged. Follow up on" in client.get(QUEUE).text
    assert queue_names(client) == []
    db.session.expire_all()
    status = db.session.get(AskStatus, person.id)
    assert status.last_asked_at is not None and status.claimed_by_id is None and status.claimed_at is None
    ask = db.session.scalar(select(Ask))
    assert (ask.customer_id, ask.asked_by_id, ask.channel, ask.outcome) == (person.id, team["anna"].id, "phone", "later")
    assert ask.note == "Thinks of two people at a supplier."
    status.last_asked_at = utcnow() - timedelta(days=91)
    db.session.commit()
    assert queue_names(client) == ["Asked Ada"]


def test_logging_with_htmx_redirects(client, db, login_as, post_form, team):
    person = customer(db, team, "Asked Ada", level=3)
    login_as(team["anna"])
    response = post_form(f"/sales/ask/{person.id}", log_data(outcome="no"), htmx=True)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/sales/ask"
    assert ask_count(db, person) == 1


def test_a_second_ask_within_the_cap_by_anyone_is_refused(client, db, login_as, post_form, team):
    person = customer(db, team, "Asked Ada", level=3)
    login_as(team["anna"])
    assert post_form(f"/sales/ask/{person.id}", log_data()).status_code == 303
    login_as(team["boss"])
    page = client.get(f"/sales/ask/{person.id}").text
    assert "Asked Ada was asked on" in page and "The next ask is possible from" in page
    for htmx in (False, True):
        refused = post_form(f"/sales/ask/{person.id}", log_data(), htmx=htmx)
        assert refused.status_code == 409
        assert "Asked Ada was already asked on" in refused.text and "by Anna Account" in refused.text
    assert ask_count(db, person) == 1


def test_an_ask_logged_for_an_earlier_day_counts_from_that_day(client, db, login_as, post_form, team):
    person = customer(db, team, "Earlier Eva", level=3)
    login_as(team["anna"])
    earlier = (dates.today() - timedelta(days=100)).isoformat()
    assert post_form(f"/sales/ask/{person.id}", log_data(asked_on=earlier)).status_code == 303
    assert queue_names(client) == ["Earlier Eva"]  # asked 100 days ago: due again
    assert "100 days ago" in client.get(QUEUE).text
    assert post_form(f"/sales/ask/{person.id}", log_data()).status_code == 303
    assert queue_names(client) == []
    # A late log of an older ask never moves the clock back.
    db.session.expire_all()
    db.session.get(AskStatus, person.id).last_asked_at = utcnow() - timedelta(days=95)
    db.session.commit()
    assert post_form(f"/sales/ask/{person.id}", log_data(asked_on=earlier)).status_code == 303
    db.session.expire_all()
    assert (utcnow() - db.session.get(AskStatus, person.id).last_asked_at).days == 95




def FUTURE() -> str:  # computed when the test runs, so it is tomorrow even past midnight
    return (dates.today() + timedelta(days=1)).isoformat()


BAD_INPUT = [
    ({"asked_on": "junk"}, "Enter a date as year-month-day."),
    ({"asked_on": "2024-13-45"}, "Enter a date as year-month-day."),
    ({"asked_on": "0001-01-01"}, "Log asks of the last 365 days only."),
    ({"asked_on": "9999-12-31"}, "The ask cannot be in the future."),
    ({"asked_on": ""}, "Enter the date of the ask."),
    ({"asked_on": "a" * 100_000}, "Enter a date as year-month-day."),
    ({"channel": "pigeon"}, "Choose one of the ways listed."),
    ({"channel": ""}, "Choose how you asked."),
    ({"channel": "phone\x00"}, None),  # NUL dropped: "phone" is fine, so only the outcome below fails
    ({"outcome": "maybe"}, "Choose one of the answers listed."),
    ({"outcome": "later"}, "Plan when to follow up when they want time to think."),
    ({"outcome": "later", "follow_up_on": "today"}, "Enter a date as year-month-day."),
    ({"follow_up_on": "__TODAY__"}, "The follow-up must be after the day of the ask."),
    ({"follow_up_on": "9999-01-01"}, "Plan the follow-up within two years."),
    ({"note": "x" * 2001}, "Use at most 2000 characters."),
    ({"note": "n" * 1_000_000}, "Use at most 2000 characters."),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("case", range(len(BAD_INPUT)))
def test_bad_input_is_422_with_the_input_kept(client, db, login_as, post_form, team, case, htmx):
    person = customer(db, team, "Careful Cor", level=3)
    login_as(team["anna"])
    changes, message = BAD_INPUT[case]
    changes = {k: (dates.today().isoformat() if v == "__TODAY__" else v) for k, v in changes.items()}
    if message is None:  # a valid channel after the NUL is dropped; break the outcome to see the page again
        changes["outcome"] = "maybe"
        message = "Choose one of the answers listed."
    data = log_data(note="Kept <b>note</b>", **{k: v for k, v in changes.items() if k != "note"})
    if "note" in changes:
        data["note"] = changes["note"]
    response = post_form(f"/sales/ask/{person.id}", data, htmx=htmx)
    assert response.status_code == 422, response.text[:500]
    assert message in response.text
    assert ("<html" in response.text) is not htmx
    if "note" not in changes:
        assert "Kept &lt;b&gt;note&lt;/b&gt;" in response.text  # the input is kept, as text
    assert ask_count(db) == 0 and db.session.get(AskStatus, person.id) is None


@pytest.mark.parametrize("payload", [
    {"asked_on": ["2024-01-01", "x"], "channel": ["phone", "email"], "outcome": ["yes", "no"]},
    {"asked_on": "\x00", "channel": "\x00", "outcome": "\x00", "follow_up_on": "\x00", "note": "\x00"},
    {"asked_on": "2024-02-30", "follow_up_on": "-1", "note": "🙂" * 3000},
    {},
])
def test_hostile_input_never_a_server_error(client, db, login_as, post_form, csrf, team, payload):
    person = customer(db, team, "Careful Cor", level=3)
    login_as(team["anna"])
    for htmx in (False, True):
        response = post_form(f"/sales/ask/{person.id}", payload, htmx=htmx)
        assert response.status_code == 422, response.status_code
    body = f"asked_on=%ff%00&channel=%c3%28&outcome=%fe&note=%00&csrf_token={csrf()}"
    raw = client.post(f"/sales/ask/{person.id}", data=body.encode(), content_type="application/x-www-form-urlencoded")
    assert raw.status_code < 500
    assert ask_count(db) == 0


def test_nul_bytes_in_the_note_are_dropped(client, db, login_as, post_form, team):
    person = customer(db, team, "Careful Cor", level=3)
    login_as(team["anna"])
    assert post_form(f"/sales/ask/{person.id}", log_data(note="two\x00 names")).status_code == 303
    assert db.session.scalar(select(Ask.note)) == "two names"


def test_dutch_errors_for_a_dutch_viewer(client, db, login_as, post_form, team):
    person = customer(db, team, "Careful Cor", level=3)
    team["anna"].locale = "nl"
    db.session.commit()
    login_as(team["anna"])
    response = post_form(f"/sales/ask/{person.id}", log_data(asked_on="junk"))
    assert response.status_code == 422 and '<html lang="nl">' in response.text


# ---- follow-ups of asks -----------------------------------------------------------------------------

def test_due_ask_follow_ups_and_marking_one_done(app, db, team):
    person = customer(db, team, "Later Lot", level=3)
    today = dates.today()
    due = Ask(customer_id=person.id, asked_by_id=team["anna"].id, asked_on=today - timedelta(days=7), channel="phone",
              outcome="later", follow_up_on=today)
    overdue = Ask(customer_id=person.id, asked_by_id=team["anna"].id, asked_on=today - timedelta(days=30),
                  channel="email", outcome="later", follow_up_on=today - timedelta(days=3))
    future = Ask(customer_id=person.id, asked_by_id=team["anna"].id, asked_on=today, channel="meeting",
                 outcome="later", follow_up_on=today + timedelta(days=3))
    other = Ask(customer_id=person.id, asked_by_id=team["boss"].id, asked_on=today, channel="phone",
                outcome="later", follow_up_on=today)
    none = Ask(customer_id=person.id, asked_by_id=team["anna"].id, asked_on=today, channel="phone", outcome="no")
    db.session.add_all([due, overdue, future, other, none])
    db.session.commit()
    assert [a.id for a in asks.due_ask_follow_ups(team["anna"], today)] == [overdue.id, due.id]
    assert asks.mark_ask_follow_up_done(due, team["anna"]) is True
    assert asks.mark_ask_follow_up_done(due, team["anna"]) is False  # once
    db.session.commit()
    assert [a.id for a in asks.due_ask_follow_ups(team["anna"], today)] == [overdue.id]
    assert due.follow_up_done_at is not None


# ---- the demo data ---------------------------------------------------------------------------------

def test_demo_data_fills_the_queue(app, client, db, login_as):
    from app.demo.sales import seed_sales_demo
    from app.demo.seed import seed_demo_data

    with app.test_request_context():
        seed_demo_data("demo-ambassador")
        seed_sales_demo()  # (seed_demo_data may already call it)
        db.session.commit()
        assert seed_sales_demo() == 0  # idempotent
    db.session.commit()

    sam = User.by_email("sales@example.com")
    login_as(sam)
    names = queue_names(client)
    # Claire is a promoter at level 1 with no level-2 contribution yet: not ready for the ask.
    assert names[0] == "Anouk Jansen" and "Claire Customer" not in names
    login_as(User.by_email("sales-lead@example.com"))
    assert "Anouk Jansen" in queue_names(client)
    login_as(User.by_email("accounts@example.com"))
    assert "Anouk Jansen" not in queue_names(client)
    due = asks.due_ask_follow_ups(sam, dates.today())
    assert [a.customer.email for a in due] == ["klant@example.com"]
    anouk = User.by_email("ambassadeur@example.com")
    login_as(sam)
    assert client.get(f"/sales/ask/{anouk.id}").status_code == 200
