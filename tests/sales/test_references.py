"""Reference offers: who is listed (and who never is), sales' scope, logging a reference call under
the customer's own quarterly limit and the cross-team ask cap, the database's guard, bad input, htmx
and plain variants, the audit entry and the list's query budget."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import dates
from app.audit.models import AuditEntry
from app.auth.models import Company
from app.dates import utcnow
from app.journey.models import PENDING, REJECTED, Submission
from app.referrals.models import AskStatus, ReferenceCall
from app.sales import ask_services as asks
from app.sales import references
from tests.conftest import HX, HX_BOOSTED, count_queries
from tests.factories import (
    make_ask_status,
    make_company,
    make_nps_response,
    make_programme_settings,
    make_reference_call,
    make_reference_offer,
    make_user,
)

LIST = "/references"


@pytest.fixture
def team(db):
    """Anna (in Bea's team) and Otto each hold an account; Carla offers 2 calls, Olaf (Otto's) 1."""
    boss = make_user("sales", name="Bea Boss", locale="en")
    anna = make_user("sales", name="Anna Account", locale="en", manager=boss)
    otto = make_user("sales", name="Otto Other", locale="en")
    mine = make_company("Anna Corp", account_manager=anna)
    theirs = make_company("Otto Ltd", account_manager=otto)
    carla = make_user("customer", name="Carla Customer", company=mine, locale="nl")
    olaf = make_user("customer", name="Olaf Outside", company=theirs, locale="en")
    make_reference_offer(carla, 2, topics="Onze overstap naar de cloud", contact="phone", locale="nl")
    make_reference_offer(olaf, 1, topics="Rollout in retail")
    db.session.commit()
    return dict(boss=boss, anna=anna, otto=otto, carla=carla, olaf=olaf, mine=mine)


def log_data(**overrides):
    data = {"called_on": dates.today().isoformat(), "prospect": "Jan Peters, Bouwbedrijf Noord",
            "note": "Wanted to know about the rollout."}
    data.update(overrides)
    return data


def calls(db, customer) -> int:
    return db.session.scalar(select(func.count(ReferenceCall.id)).where(ReferenceCall.customer_id == customer.id))


def _statements(app, client, url) -> int:
    from app.extensions import db

    db.session.expunge_all()
    with count_queries(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


# ---- the list ---------------------------------------------------------------------------------------

def test_sales_see_their_accounts_offers_with_terms_and_language(client, db, login_as, team):
    login_as(team["anna"])
    page = client.get(LIST)
    assert page.status_code == 200
    assert "Carla Customer" in page.text and "Olaf Outside" not in page.text
    assert "0 of 2" in page.text and "Phone" in page.text
    assert '<span lang="nl">Onze overstap naar de cloud</span>' in page.text
    assert f'href="/references/{team["carla"].id}"' in page.text
    login_as(team["boss"])  # the manager sees the team's accounts
    assert "Carla Customer" in client.get(LIST).text


def test_marketing_and_admins_see_every_offer(client, db, login_as, team):
    for role in ("marketer", "admin"):
        login_as(role, locale="en")
        page = client.get(LIST).text
        assert "Carla Customer" in page and "Olaf Outside" in page and "Anna Account" in page
    assert 'href="/references"' in page  # in the marketing navigation


def test_withdrawn_rejected_and_inactive_offers_are_not_listed(client, db, login_as, team):
    carla, olaf = team["carla"], team["olaf"]
    offer = db.session.scalar(select(Submission).where(Submission.user_id == carla.id))
    offer.consent_withdrawn_at = utcnow()
    rejected = make_user("customer", name="Rita Rejected", company=team["mine"])
    make_reference_offer(rejected, 2, status=REJECTED)
    waiting = make_user("customer", name="Willem Waiting", company=team["mine"])
    make_reference_offer(waiting, 2, status=PENDING)
    olaf.is_active = False
    db.session.commit()
    login_as("marketer", locale="en")
    page = client.get(LIST).text
    assert "Carla Customer" not in page and "Rita Rejected" not in page and "Olaf Outside" not in page
    assert "Willem Waiting" in page  # stored, not rejected: the offer stands
    assert client.get(f"/references/{carla.id}").status_code == 404


def test_the_latest_offer_counts(client, db, login_as, team):
    make_reference_offer(team["carla"], 4, topics="Later offer")
    db.session.commit()
    login_as(team["anna"])
    page = client.get(LIST).text
    assert "0 of 4" in page and "Later offer" in page
    assert page.count(f'href="/participants/{team["carla"].id}"') == 1


def test_sales_nav_links_the_list(client, db, login_as, team):
    login_as(team["anna"])
    assert 'href="/references"' in client.get("/sales").text


def test_the_list_paginates_with_and_without_htmx(client, db, login_as, team):
    for n in range(30):
        make_reference_offer(make_user("customer", name=f"Zed {n:02d}", company=team["mine"]), 1)
    db.session.commit()
    login_as(team["anna"])
    full = client.get(f"{LIST}?page=2")
    assert "<html" in full.text and "Page 2 of 2" in full.text
    fragment = client.get(f"{LIST}?page=2", headers={**HX, "HX-Target": "reference-offers"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="reference-offers"' in fragment.text
    assert "<h1>" not in fragment.text
    boosted = client.get(f"{LIST}?page=2", headers=HX_BOOSTED)
    assert "<html" in boosted.text


def test_the_list_query_budget_does_not_grow_with_rows(app, client, db, login_as, team):
    login_as(team["anna"])
    client.get(LIST)  # the first request of a test makes the settings row
    few = _statements(app, client, LIST)
    mine = db.session.get(Company, team["mine"].id)
    for n in range(20):
        person = make_user("customer", name=f"Many {n:02d}", company=mine)
        offer = make_reference_offer(person, 3)
        make_reference_call(person, submission_id=offer.id, calls_limit=3)
        make_ask_status(person, last_asked_at=utcnow() - timedelta(days=n))
    db.session.commit()
    many = _statements(app, client, LIST)
    assert few == many <= 10, (few, many)


# ---- logging a call ------------------------------------------------------------------------------------

def test_log_a_call_counts_moves_the_cap_and_is_audited(client, db, login_as, post_form, team):
    carla = team["carla"]
    anna = login_as(team["anna"])
    page = client.get(f"/references/{carla.id}")
    assert page.status_code == 200 and "Log a reference call" in page.text and "0 of 2" in page.text
    response = post_form(f"/references/{carla.id}", log_data())
    assert response.status_code == 303 and response.headers["Location"] == f"/references/{carla.id}"
    call = db.session.scalar(select(ReferenceCall).where(ReferenceCall.customer_id == carla.id))
    assert (call.seq, call.calls_limit, call.quarter) == (1, 2, references.current_quarter())
    assert call.prospect == "Jan Peters, Bouwbedrijf Noord" and call.logged_by_id == anna.id
    assert db.session.get(AskStatus, carla.id).last_asked_at is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "reference_call.log"))
    assert entry.actor_id == anna.id and entry.target_id == carla.id
    assert entry.details["prospect"] == "Jan Peters, Bouwbedrijf Noord"
    after = client.get(f"/references/{carla.id}").text
    assert "The reference call of Carla Customer with Jan Peters, Bouwbedrijf Noord is logged." in after
    assert "1 of 2" in after and "logged by Anna Account" in after


def test_log_with_htmx_swaps_the_offer_and_focuses_the_message(client, db, login_as, post_form, team):
    carla = team["carla"]
    login_as(team["anna"])
    response = post_form(f"/references/{carla.id}", log_data(), htmx=True)
    assert response.status_code == 200 and "<html" not in response.text
    assert 'id="reference-offer"' in response.text and "data-focus" in response.text
    assert "is logged." in response.text and "1 of 2" in response.text
    assert 'value="Jan Peters' not in response.text  # a fresh form for the next call


def test_the_quarter_limit_refuses_with_a_clear_message(client, db, login_as, post_form, team):
    carla = team["carla"]
    make_programme_settings(ask_cap_days=1)
    for seq, days in ((1, 0), (2, 0)):
        make_reference_call(carla, seq=seq, calls_limit=2, called_on=dates.today() - timedelta(days=days))
    db.session.commit()
    login_as(team["anna"])
    for htmx in (False, True):
        response = post_form(f"/references/{carla.id}", log_data(prospect="Third Prospect"), htmx=htmx)
        assert response.status_code == 409
        assert "Carla Customer takes at most 2 reference calls per quarter" in response.text
        assert 'value="Third Prospect"' in response.text  # the input is kept
        assert ("<html" in response.text) is not htmx
    assert calls(db, carla) == 2
    assert db.session.get(AskStatus, carla.id) is None  # a refused call does not move the cap's clock


def test_calls_until_the_limit_then_refused(client, db, login_as, post_form, team):
    carla = team["carla"]
    make_reference_call(carla, seq=1, calls_limit=2)  # an earlier call this quarter (the cap has passed)
    db.session.commit()
    login_as(team["anna"])
    assert "1 of 2" in client.get(f"/references/{carla.id}").text
    assert post_form(f"/references/{carla.id}", log_data()).status_code == 303
    refused = post_form(f"/references/{carla.id}", log_data(prospect="One too many"))
    assert refused.status_code == 409 and "has had them all" in refused.text
    assert calls(db, carla) == 2


def test_a_call_is_an_ask_within_the_cap_refused(client, db, login_as, post_form, team):
    carla = team["carla"]
    make_ask_status(carla, last_asked_at=utcnow() - timedelta(days=3))
    db.session.commit()
    login_as(team["anna"])
    response = post_form(f"/references/{carla.id}", log_data())
    assert response.status_code == 409
    assert "A reference call counts as an ask." in response.text and "was already asked on" in response.text
    assert calls(db, carla) == 0


def test_after_a_call_the_ask_is_refused_and_names_who_called(client, db, login_as, post_form, team):
    carla = team["carla"]
    login_as(team["anna"])
    assert post_form(f"/references/{carla.id}", log_data()).status_code == 303
    with pytest.raises(asks.AskRefused) as refused:
        asks.log_ask(carla, team["boss"], asked_on=dates.today(), channel="phone", outcome="yes",
                     follow_up_on=None, note="", cap_days=90)
    assert refused.value.reason == asks.RECENTLY_ASKED and refused.value.by == "Anna Account"


def test_a_detractor_is_not_called(client, db, login_as, post_form, team):
    carla = team["carla"]
    make_nps_response(carla, score=3)
    db.session.commit()
    login_as(team["anna"])
    response = post_form(f"/references/{carla.id}", log_data())
    assert response.status_code == 409 and "is not asked for now" in response.text
    assert calls(db, carla) == 0


def test_out_of_scope_is_404_and_marketing_may_log(client, db, login_as, post_form, team):
    login_as(team["anna"])
    assert client.get(f"/references/{team['olaf'].id}").status_code == 404
    assert post_form(f"/references/{team['olaf'].id}", log_data()).status_code == 404
    login_as("marketer", locale="en")
    assert post_form(f"/references/{team['olaf'].id}", log_data()).status_code == 303
    assert calls(db, team["olaf"]) == 1


def test_the_database_refuses_a_call_beyond_the_limit_or_twice_the_same_place(db, team):
    carla = team["carla"]
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            make_reference_call(carla, seq=3, calls_limit=2)
    make_reference_call(carla, seq=1, calls_limit=2)
    db.session.flush()
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            make_reference_call(carla, seq=1, calls_limit=2)


def test_a_call_logged_for_an_earlier_day_counts_in_that_days_quarter(app, db, team):
    carla = team["carla"]
    with app.test_request_context():
        day = dates.today() - timedelta(days=references.LOG_BACK_DAYS - 1)
        offer = references.offer_of(team["anna"], carla.id)
        call = references.log_reference_call(offer, team["anna"], called_on=day, prospect="P", note="", cap_days=1)
        assert call.quarter == references.quarter_of(day) != references.current_quarter()


BAD_INPUT = [
    ({"called_on": "junk"}, "Enter a date as year-month-day."),
    ({"called_on": ""}, "Enter the date of the call."),
    ({"called_on": "9999-12-31"}, "The call cannot be in the future."),
    ({"called_on": "2001-01-01"}, "Log calls of the last 92 days only."),
    ({"prospect": ""}, "Say who the call was with"),
    ({"prospect": "   "}, "Say who the call was with"),
    ({"prospect": "p" * 201}, "Use at most 200 characters."),
    ({"note": "n" * 2001}, "Use at most 2000 characters."),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("case", range(len(BAD_INPUT)))
def test_bad_input_is_422_with_the_input_kept(client, db, login_as, post_form, team, case, htmx):
    carla = team["carla"]
    login_as(team["anna"])
    changes, message = BAD_INPUT[case]
    data = log_data(note="Kept <b>note</b>", **{k: v for k, v in changes.items() if k != "note"})
    data.update({k: v for k, v in changes.items() if k == "note"})
    response = post_form(f"/references/{carla.id}", data, htmx=htmx)
    assert response.status_code == 422, response.text[:500]
    assert message in response.text
    assert ("<html" in response.text) is not htmx
    if "note" not in changes:
        assert "Kept &lt;b&gt;note&lt;/b&gt;" in response.text
    assert calls(db, carla) == 0


@pytest.mark.parametrize("payload", [
    {"called_on": ["2024-01-01", "x"], "prospect": ["a", "b"]},
    {"called_on": "\x00", "prospect": "\x00", "note": "\x00"},
    {"called_on": "2024-02-30", "note": "🙂" * 3000},
    {},
])
def test_hostile_input_never_a_server_error(client, db, login_as, post_form, csrf, team, payload):
    carla = team["carla"]
    login_as(team["anna"])
    for htmx in (False, True):
        assert post_form(f"/references/{carla.id}", payload, htmx=htmx).status_code == 422
    body = f"called_on=%ff%00&prospect=%c3%28&note=%00&csrf_token={csrf()}"
    raw = client.post(f"/references/{carla.id}", data=body.encode(), content_type="application/x-www-form-urlencoded")
    assert raw.status_code < 500
    assert calls(db, carla) == 0


def test_dutch_viewer_reads_dutch(client, db, login_as, post_form, team):
    anna = team["anna"]
    anna.locale = "nl"
    db.session.commit()
    login_as(anna)
    page = client.get(LIST).text
    assert "Referentieaanbod" in page and "0 van 2" in page
    response = post_form(f"/references/{team['carla'].id}", log_data(prospect=""))
    assert response.status_code == 422 and "Vul in met wie het gesprek was" in response.text


def test_customers_get_403(client, db, login_as, team):
    login_as(team["carla"])
    assert client.get(LIST).status_code == 403
    assert client.get(f"/references/{team['carla'].id}").status_code == 403
