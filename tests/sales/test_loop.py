"""The sales loop: a referral's origin and owner at creation, referrals sales enter for a customer,
an ask "yes" leading to the introduction, the deal value, and the pipeline's owner, search and filters."""
from __future__ import annotations

import csv
import html
import io
import random
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app import dates
from app.audit.models import AuditEntry
from app.referrals.intake import Introduction, add_referee, key_hash, person_key
from app.referrals.models import Referee, ReferralEvent, ReferralQuota
from app.referrals.origin import ASK_LINK_DAYS
from app.sales.pipeline_forms import parse_amount
from tests.conftest import HX, count_queries
from tests.factories import make_ask, make_company, make_referee_objection, make_user


@pytest.fixture
def team(db):
    lead = make_user("sales", name="Lena Lead", email="lead@seller.example", locale="en")
    mine = make_user("sales", name="Milan Mine", email="mine@seller.example", manager=lead, locale="en")
    other = make_user("sales", name="Otto Other", email="other@seller.example", locale="en")
    referrer = make_user("customer", name="Anouk Jansen", email="anouk@zorg.example", locale="en",
                         company=make_company("Zorggroep Oost", account_manager=mine))
    stranger = make_user("customer", name="Sam Stranger", email="sam@far.example",
                         company=make_company("Far Away", account_manager=other))
    db.session.commit()
    return dict(lead=lead, mine=mine, other=other, referrer=referrer, stranger=stranger)


def introduce(referrer, name="Anna de Vries", company="Bouwbedrijf Noord", source="referral"):
    return add_referee(referrer, Introduction(name=name, company=company, benefit="They plan in spreadsheets.",
                                              route="contact", may_mention=True), source=source, count_quota=False)


ENTRY = {"name": "Pieter de Boer", "company": "De Boer Bouw", "role": "Director", "email": "",
         "benefit": "They plan thirty crews in a spreadsheet.", "message_locale": "en", "origin": "received", "ask": ""}


def checked(page: str, name: str) -> str | None:
    found = re.search(rf'<input checked id="{name}-\d+" name="{name}"[^>]*value="([^"]*)"', page)
    return found[1] if found else None


def selected(page: str, name: str) -> str | None:
    select_html = page.split(f'name="{name}"', 1)[1].split("</select>")[0]
    found = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select_html)
    return (found[1] or found[2] or "") if found else None


def enter(post_form, customer, **overrides):
    return post_form(f"/sales/customers/{customer.id}/referral", {**ENTRY, **overrides})


# --- origin and owner at creation ----------------------------------------------------------------

def test_a_customers_own_introduction_is_proactive_unless_it_follows_an_open_yes(db, team):
    anouk = team["referrer"]
    first = introduce(anouk, "First Person", "First Co")
    assert (first.origin, first.ask_id, first.owner_id) == ("proactive", None, team["mine"].id)
    make_ask(anouk, asked_by=team["mine"], outcome="no", asked_on=dates.today() - timedelta(days=3))
    old = make_ask(anouk, asked_by=team["mine"], outcome="yes", asked_on=dates.today() - timedelta(days=ASK_LINK_DAYS + 1))
    assert introduce(anouk, "Second Person", "Second Co").origin == "proactive"  # the "yes" is too long ago
    ask = make_ask(anouk, asked_by=team["mine"], outcome="yes", asked_on=dates.today() - timedelta(days=ASK_LINK_DAYS))
    asked = introduce(anouk, "Third Person", "Third Co")
    assert (asked.origin, asked.ask_id) == ("asked", ask.id)
    # That ask is linked now: the next introduction is her own again.
    assert introduce(anouk, "Fourth Person", "Fourth Co").origin == "proactive"
    assert db.session.scalar(select(func.count()).where(Referee.ask_id == old.id)) == 0
    assert db.session.scalar(select(func.count()).where(Referee.ask_id == ask.id)) == 1
    # A share-link sign-up and a LinkedIn contact are what they are, an ask or not.
    make_ask(anouk, asked_by=team["mine"], outcome="yes")
    assert introduce(anouk, "Fifth Person", "Fifth Co", source="share").origin == "share"
    linked_in = introduce(anouk, "Sixth Person", "Sixth Co", source="linkedin")
    assert (linked_in.origin, linked_in.ask_id) == ("linkedin", None)


def test_the_owner_is_an_active_account_manager_or_nobody(db, team):
    team["mine"].is_active = False
    db.session.commit()
    assert introduce(team["referrer"]).owner_id is None


# --- a referral sales enter ----------------------------------------------------------------------

def test_sales_enter_a_received_referral_for_their_customer(app, client, db, team, login_as, post_form):
    login_as(team["mine"])
    page = client.get(f"/sales/customers/{team['referrer'].id}/referral")
    assert page.status_code == 200 and "A referral from Anouk Jansen" in page.text
    assert checked(page.text, "origin") == "received"
    response = enter(post_form, team["referrer"])
    assert response.status_code == 303
    referee = db.session.scalar(select(Referee))
    assert (referee.origin, referee.owner_id, referee.referrer_id, referee.route, referee.message) == (
        "received", team["mine"].id, team["referrer"].id, "sales", "")
    first = db.session.scalar(select(ReferralEvent).where(ReferralEvent.referee_id == referee.id))
    assert first.by_id == team["mine"].id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "referral.entered"))
    assert entry.actor_id == team["mine"].id and entry.details["origin"] == "received"
    assert db.session.scalar(select(func.count()).select_from(ReferralQuota)) == 0  # not the customer's daily cap
    shown = client.get(response.headers["Location"]).text
    assert "Received" in shown and "they approved no message" in shown and "Milan Mine" in shown
    # Another team's customer: the same answer as a customer that does not exist.
    assert client.get(f"/sales/customers/{team['stranger'].id}/referral").status_code == 404
    assert enter(post_form, team["stranger"], name="Someone Else").status_code == 404


@pytest.mark.parametrize("overrides, message", [
    ({"email": "anouk@zorg.example"}, "That is the customer's own e-mail address"),
    ({"email": "someone@zorg.example"}, "That address is at the customer's own organisation"),
    ({"company": "Zorggroep Oost B.V."}, "That is the customer's own company"),
    ({"name": "Anouk Jansen"}, "That is the customer themselves"),
    ({"name": "", "company": ""}, "Enter their name."),
    ({"email": "not-an-address"}, "Enter a valid e-mail address."),
    ({"origin": "share"}, "Choose how it came about."),
    ({"ask": "999999", "origin": "asked"}, "Choose one of this customer's asks."),
])
def test_the_introductions_guards_refuse_with_the_input_kept(client, db, team, login_as, post_form, overrides, message):
    login_as(team["mine"])
    response = enter(post_form, team["referrer"], **overrides)
    assert response.status_code == 422 and message in html.unescape(response.text)
    assert "They plan thirty crews in a spreadsheet.</textarea>" in response.text
    assert db.session.scalar(select(func.count(Referee.id))) == 0


def test_a_known_or_objecting_person_is_refused_and_a_known_customer_waits_for_a_check(
        client, db, team, login_as, post_form):
    introduce(team["stranger"], "Mark Visser", "Visser Installatietechniek")
    make_referee_objection(key_hash(person_key("Olga Objector", "Objectco")))
    db.session.commit()
    login_as(team["mine"])
    twice = enter(post_form, team["referrer"], name="Mark Visser", company="Visser Installatietechniek B.V.")
    assert twice.status_code == 422 and "they are in the pipeline already" in twice.text
    objected = enter(post_form, team["referrer"], name="Olga Objector", company="Objectco")
    assert objected.status_code == 422 and "they asked us not to contact them" in objected.text
    flagged = enter(post_form, team["referrer"], name="Frank Far", company="Far Away")
    assert flagged.status_code == 303 and flagged.headers["Location"].endswith("/sales/review")
    assert db.session.scalar(select(Referee.flag).where(Referee.name == "Frank Far")) == "existing_customer"


def test_an_ask_yes_offers_the_introduction_at_once_and_later_from_the_follow_ups(
        client, db, team, login_as, post_form):
    from app.journey.models import LevelUnlock
    from tests.factories import make_level
    db.session.add(LevelUnlock(user_id=team["referrer"].id, level_id=make_level(position=3).id))
    db.session.commit()
    login_as(team["mine"])
    logged = post_form(f"/sales/ask/{team['referrer'].id}", {"asked_on": dates.today().isoformat(), "channel": "phone",
                                                              "outcome": "yes", "follow_up_on": "", "note": ""})
    assert logged.status_code == 303
    location = logged.headers["Location"]
    assert location.startswith(f"/sales/customers/{team['referrer'].id}/referral?ask=")
    ask_id = int(location.rsplit("=", 1)[1])
    form = client.get(location).text
    assert checked(form, "origin") == "asked" and selected(form, "ask") == str(ask_id)
    follow_ups = client.get("/sales/follow-ups").text
    assert "Introductions promised" in follow_ups and f"referral?ask={ask_id}" in follow_ups
    # An ask on the form needs origin "asked".
    wrong = enter(post_form, team["referrer"], ask=str(ask_id), origin="received")
    assert wrong.status_code == 422 and "choose “Asked”, or no ask" in wrong.text
    assert enter(post_form, team["referrer"], ask=str(ask_id), origin="asked").status_code == 303
    referee = db.session.scalar(select(Referee))
    assert (referee.origin, referee.ask_id) == ("asked", ask_id)
    follow_ups = client.get("/sales/follow-ups").text
    assert f"referral?ask={ask_id}" not in follow_ups and "No promised introduction waits" in follow_ups
    participant = client.get(f"/participants/{team['referrer'].id}").text
    assert "Led to: Pieter de Boer" in participant and "Add a referral they gave you" in participant


def test_choosing_the_customer_lists_only_the_viewers_accounts(client, db, team, login_as):
    login_as(team["mine"])
    page = client.get("/sales/referrals/new").text
    assert "Anouk Jansen" in page and "Sam Stranger" not in page
    assert "Anouk Jansen" not in client.get("/sales/referrals/new?q=stranger").text
    assert "Anouk Jansen" in client.get("/sales/referrals/new?q=zorg").text
    assert client.get("/sales/referrals/new?q=%25_%5C").status_code == 200


# --- the deal value ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, cents", [
    ("12500", 1_250_000), ("12.500", 1_250_000), ("12,500", 1_250_000), ("12 500", 1_250_000),
    ("12500,5", 1_250_050), ("12500.50", 1_250_050), ("12.500,50", 1_250_050), ("12,500.50", 1_250_050),
    ("€ 1.000.000", 100_000_000), ("0,01", 1), ("10.000.000,00", 1_000_000_000), ("99 EUR", 9_900),
])
def test_amounts_read_with_a_decimal_comma_or_point(app, text, cents):
    with app.test_request_context():
        assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["-5", "0", "0,00", "abc", "12,5,0", "1.000,000", "12.500.50", "1e6",
                                  "10.000.000,01", "99999999999999999999", "1,2,3", "12..5"])
def test_amounts_that_are_refused(app, text):
    with app.test_request_context(), force_locale("en"), pytest.raises(ValueError):
        parse_amount(text)


def _in_pipeline(db, team, stage="opportunity"):
    referee = introduce(team["referrer"])
    referee.stage = stage
    db.session.commit()
    return referee


def _move(post_form, referee, to_stage, **data):
    return post_form(f"/sales/referrals/{referee.id}/stage", {"from_stage": referee.stage, "to_stage": to_stage, **data})


@pytest.mark.parametrize("to_stage, data, message", [
    ("won", {}, "Enter the deal value to move it to Won."),
    ("won", {"deal_value": "-100"}, "Enter an amount above zero."),
    ("won", {"deal_value": "lots"}, "Enter an amount in euros"),
    ("won", {"deal_value": "10000000,01"}, "Enter at most 10,000,000.00 euros."),
    ("lost", {"deal_value": "100", "lost_reason": "Chose another supplier"}, "A lost referral has no deal value."),
    ("lost", {"expected_value": "100", "lost_reason": "Chose another supplier"}, "A lost referral has no deal value."),
    ("meeting", {"expected_value": "100"}, "An expected value belongs to an opportunity"),
    ("meeting", {"deal_value": "100"}, "The deal value is for a won referral"),
])
def test_a_bad_value_is_refused_with_the_input_kept(client, db, team, login_as, post_form, to_stage, data, message):
    referee = _in_pipeline(db, team)
    login_as(team["mine"])
    response = _move(post_form, referee, to_stage, **data)
    assert response.status_code == 422 and message in response.text
    for value in data.values():
        assert value in response.text
    db.session.refresh(referee)
    assert (referee.stage, referee.deal_value_cents) == ("opportunity", None)


def test_won_with_a_deal_value_and_an_expected_value_from_the_opportunity(client, db, team, login_as, post_form):
    referee = _in_pipeline(db, team, stage="meeting")
    login_as(team["mine"])
    assert _move(post_form, referee, "opportunity", expected_value="20.000").status_code == 303
    db.session.refresh(referee)
    assert referee.expected_value_cents == 2_000_000
    assert _move(post_form, referee, "won", deal_value="24.000,50").status_code == 303
    db.session.refresh(referee)
    assert (referee.stage, referee.deal_value_cents, referee.expected_value_cents, referee.currency) == (
        "won", 2_400_050, 2_000_000, "EUR")
    page = client.get(f"/sales/referrals/{referee.id}").text
    assert "€24,000.50" in page and "€20,000.00" in page
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "referral.won"))
    assert entry.details["after"]["deal_value"] == "24000.50"


@pytest.mark.parametrize("stage, proposed", [("new", "contacted"), ("contacted", "meeting"), ("meeting", "opportunity"),
                                             ("opportunity", "")])
def test_move_to_never_defaults_to_won_or_lost(client, db, team, login_as, stage, proposed):
    referee = _in_pipeline(db, team, stage=stage)
    login_as(team["mine"])
    page = client.get(f"/sales/referrals/{referee.id}").text
    assert selected(page, "to_stage") == proposed  # at an opportunity: "Choose a stage"
    board = client.get("/sales/pipeline").text
    card = board.split(f'id="to-stage-{referee.id}"')[1].split("</select>")[0]
    assert 'value="won"' not in card and 'value="lost"' not in card


# --- owner, search and filters -------------------------------------------------------------------

def test_the_owner_is_shown_and_reassigned_within_the_team(client, db, team, login_as, post_form):
    referee = _in_pipeline(db, team, stage="new")
    login_as(team["lead"])
    assert "Milan Mine" in client.get("/sales/pipeline").text
    response = post_form(f"/sales/referrals/{referee.id}/owner", {"owner": str(team["lead"].id)})
    assert response.status_code == 303
    db.session.refresh(referee)
    assert referee.owner_id == team["lead"].id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "referral.owner"))
    assert entry.details["before"] == {"owner": "Milan Mine"} and entry.details["after"] == {"owner": "Lena Lead"}
    outside = post_form(f"/sales/referrals/{referee.id}/owner", {"owner": str(team["other"].id)})
    assert outside.status_code == 422 and "Choose someone from the list." in outside.text
    db.session.refresh(referee)
    assert referee.owner_id == team["lead"].id
    login_as(team["other"])
    assert post_form(f"/sales/referrals/{referee.id}/owner", {"owner": str(team["other"].id)}).status_code == 404


def test_search_and_filters_narrow_board_table_and_csv_and_stay_on(client, db, team, login_as, post_form):
    visser = introduce(team["referrer"], "Mark Visser", "Visser Installatietechniek")
    dekker = introduce(team["referrer"], "Sophie Dekker", "Dekker Zorg")
    dekker.origin, dekker.owner_id = "received", team["lead"].id
    other = make_user("customer", name="Bram Referrer", company=make_company("Bramco", account_manager=team["mine"]))
    db.session.commit()
    bos = introduce(other, "Pim Bos", "Bos Bouw")
    db.session.commit()
    login_as(team["lead"])
    for view in ("board", "table"):
        assert "Pim Bos" in client.get(f"/sales/pipeline?view={view}&q=bram").text  # the referrer's name
        page = client.get(f"/sales/pipeline?view={view}&q=installatie").text  # the referee's company
        assert "Mark Visser" in page and "Sophie Dekker" not in page and "Pim Bos" not in page
        page = client.get(f"/sales/pipeline?view={view}&origin=received").text
        assert "Sophie Dekker" in page and "Mark Visser" not in page
        page = client.get(f"/sales/pipeline?view={view}&owner={team['lead'].id}").text
        assert "Sophie Dekker" in page and "Mark Visser" not in page
        assert 'name="q" value=""' in page and f'<option value="{team["lead"].id}" selected>' in page
        assert f"owner={team['lead'].id}" in page.split('id="pipeline"')[1]  # the view links keep it
    assert "Mark Visser" not in client.get("/sales/pipeline?owner=none").text
    # A move from the filtered board comes back filtered (with and without htmx).
    data = {"from_stage": "new", "to_stage": "contacted", "back": "pipeline", "view": "board", "q": "visser"}
    fragment = post_form(f"/sales/referrals/{visser.id}/stage", data, htmx=True)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "Mark Visser" in fragment.text and "Sophie Dekker" not in fragment.text and 'value="visser"' in fragment.text
    data["from_stage"], data["to_stage"] = "contacted", "meeting"
    plain = post_form(f"/sales/referrals/{visser.id}/stage", data)
    assert plain.status_code == 303 and "q=visser" in plain.headers["Location"]
    rows = list(csv.reader(io.StringIO(client.get("/sales/pipeline.csv?origin=received").text)))
    assert rows[0][-5:] == ["Origin", "Owner", "Currency", "Expected value", "Deal value"]
    assert [r[0] for r in rows[1:]] == ["Sophie Dekker"] and rows[1][-5:] == ["Received", "Lena Lead", "EUR", "", ""]
    assert bos.origin == "proactive"


@pytest.mark.parametrize("url", ["/sales/pipeline?q=%00visser", "/sales/pipeline?view=table&q=%25%5C_&owner=99999999999",
                                 "/sales/pipeline.csv?q=%00&origin=nonsense&owner=-1", "/sales/referrals/new?q=%00"])
def test_odd_filters_are_tidied_not_a_500(client, db, team, login_as, url):
    introduce(team["referrer"], "Mark Visser", "Visser Installatietechniek")
    login_as(team["mine"])
    assert client.get(url).status_code == 200


def test_the_filter_form_works_without_htmx_and_as_a_fragment(client, db, team, login_as):
    introduce(team["referrer"], "Mark Visser", "Visser Installatietechniek")
    login_as(team["mine"])
    fragment = client.get("/sales/pipeline?q=visser", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and "Mark Visser" in fragment.text
    assert "<html" in client.get("/sales/pipeline?q=visser").text


def _referrals(db, team, rng, count, prefix):
    for n in range(count):
        referee = introduce(team["referrer"], f"{prefix} referee {n}", f"{prefix} company {n}")
        referee.origin = rng.choice(["received", "proactive", "asked"])
        referee.owner_id = rng.choice([team["mine"].id, team["lead"].id, None])
    make_user("customer", name=f"{prefix} customer", company=team["referrer"].company)
    db.session.commit()


@pytest.mark.parametrize("url", ["/sales/pipeline?q=referee&origin=received&owner={mine}",
                                 "/sales/pipeline?view=table&q=referee&owner=none",
                                 "/sales/pipeline.csv?origin=asked", "/sales/referrals/new?q=customer",
                                 "/sales/follow-ups"])
def test_filtered_pages_keep_a_fixed_statement_count(app, client, db, team, login_as, url):
    login_as(team["lead"])
    url = url.format(mine=team["mine"].id)
    rng = random.Random(3)

    def statements() -> int:
        client.get(url)
        with count_queries(app) as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    _referrals(db, team, rng, 3, "Few")
    for n in range(2):
        make_ask(team["referrer"], asked_by=team["lead"], outcome="yes", asked_on=dates.today() - timedelta(days=n))
    db.session.commit()
    few = statements()
    _referrals(db, team, rng, 30, "Many")
    for n in range(6):
        make_ask(team["referrer"], asked_by=team["lead"], outcome="yes", asked_on=dates.today() - timedelta(days=n))
    db.session.commit()
    assert statements() == few <= 12


def test_the_values_are_set_without_moving_and_refused_when_wrong(client, db, team, login_as, post_form):
    referee = _in_pipeline(db, team, stage="opportunity")
    login_as(team["mine"])
    url = f"/sales/referrals/{referee.id}/value"
    assert post_form(url, {"expected_value": "15.000"}).status_code == 303
    db.session.refresh(referee)
    assert (referee.stage, referee.expected_value_cents) == ("opportunity", 1_500_000)
    wrong = post_form(url, {"expected_value": "fifteen"})
    assert wrong.status_code == 422 and "Enter an amount in euros" in wrong.text and 'value="fifteen"' in wrong.text
    deal = post_form(url, {"expected_value": "15.000", "deal_value": "16.000"})
    assert deal.status_code == 422 and "The deal value is for a won referral" in deal.text
    referee.stage, referee.deal_value_cents = "won", 1_600_000
    db.session.commit()
    missing = post_form(url, {"expected_value": "15.000", "deal_value": ""})
    assert missing.status_code == 422 and "Enter the deal value of this won referral." in missing.text
    assert post_form(url, {"expected_value": "", "deal_value": "17.250,00"}).status_code == 303
    db.session.refresh(referee)
    assert (referee.deal_value_cents, referee.expected_value_cents) == (1_725_000, None)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "referral.value")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.details["before"] == {"deal_value": "16000.00", "expected_value": "15000.00"}
    assert entry.details["after"] == {"deal_value": "17250.00", "expected_value": ""}
    # Before the opportunity, or lost: nothing to value.
    referee.stage = "lost"
    db.session.commit()
    assert post_form(url, {"expected_value": "1"}).status_code == 404
