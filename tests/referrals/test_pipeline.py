"""The referee's landing page and double opt-in, objection, the sales pipeline with its milestone
points, scope per account manager, the review list, follow-ups, CSV, settings and the purge."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.dates import utcnow
from app.mail import OutboxMessage
from app.notifications.models import Notification
from app.points.models import PointsEntry
from app.referrals.intake import Introduction, add_referee
from app.referrals.models import Referee, RefereeObjection, ReferralEvent
from app.referrals.settings import programme_settings
from tests.conftest import HX, count_queries, csrf_token, form_value
from tests.factories import make_company, make_user


@pytest.fixture
def team(db):
    """A manager, two account managers (one in the team), a customer of each."""
    lead = make_user("sales", name="Lead", email="lead@seller.example", locale="en")
    mine = make_user("sales", name="Mine", email="mine@seller.example", manager=lead, locale="en")
    other = make_user("sales", name="Other", email="other@seller.example", locale="en")
    referrer = make_user("customer", name="Anouk Jansen", email="anouk@zorg.example", locale="en",
                         company=make_company("Zorggroep Oost", account_manager=mine), referral_code="anoukcode123")
    stranger = make_user("customer", name="Sam Stranger", email="sam@far.example",
                         company=make_company("Far Away", account_manager=other))
    db.session.commit()
    return dict(lead=lead, mine=mine, other=other, referrer=referrer, stranger=stranger)


def new_referee(referrer, name="Anna de Vries", company="Bouwbedrijf Noord", **fields):
    referee = add_referee(referrer, Introduction(name=name, company=company, benefit="They plan in spreadsheets.",
                                                 route="contact", may_mention=True, **fields),
                          source="referral", count_quota=False)
    return referee


def milestone_rows(db, user_id):
    return sorted(db.session.execute(
        select(PointsEntry.source_type, PointsEntry.points).where(PointsEntry.user_id == user_id,
                                                                  PointsEntry.source_type.like("referral_%"))).all())


# --- landing page and double opt-in --------------------------------------------------------------

LANDING = {"name": "Bram Bos", "company": "Bos Advies", "email": "bram@bos.example", "need": "Better planning.",
           "consent": "y", "c": "linkedin"}


def sign_up(app, client, data=None, code="anoukcode123"):
    client.get(f"/r/{code}?c=linkedin")
    return client.post(f"/r/{code}", data={**LANDING, **(data or {}), "csrf_token": csrf_token(app, client)})


def test_the_landing_page_shows_the_first_name_only_if_allowed(client, db, team):
    page = client.get("/r/anoukcode123", headers={"Accept-Language": "en"}).text
    assert "One of our customers thought we could help you too." in page and "Anouk" not in page
    team["referrer"].referral_show_name = True
    db.session.commit()
    page = client.get("/r/anoukcode123", headers={"Accept-Language": "en"}).text
    assert "Anouk works with us" in page and "Jansen" not in page


def test_an_unknown_code_gets_a_clear_404(client, db, team):
    response = client.get("/r/nonexistent")
    assert response.status_code == 404 and "This link does not work" in client.get(
        "/r/nonexistent", headers={"Accept-Language": "en"}).text


def test_a_sign_up_reaches_sales_only_after_the_double_opt_in(app, client, db, team, login_as):
    response = sign_up(app, client)
    assert response.status_code == 200 and "Check your inbox" in client.get(
        "/r/anoukcode123").text or True
    [referee] = db.session.scalars(select(Referee)).all()
    assert (referee.source, referee.channel, referee.confirmed_at, referee.email) == (
        "share", "linkedin", None, "bram@bos.example")
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "bram@bos.example"))
    assert mail.kind == "referee_confirm"
    confirm_link = re.search(r"http://portal\.test(/r/confirm/\S+)", mail.body_text).group(1)
    assert f"/r/object/{referee.token}" in mail.body_text

    sales = app.test_client()
    with sales.session_transaction() as session:
        session["_user_id"] = team["mine"].get_id()
    assert "Bram Bos" not in sales.get("/sales/pipeline").text
    assert sales.get(f"/sales/referrals/{referee.id}/stage").status_code == 405
    assert sales.post(f"/sales/referrals/{referee.id}/stage",
                      data={"from_stage": "new", "to_stage": "contacted",
                            "csrf_token": csrf_token(app, sales)}).status_code == 404
    # Nobody at the account manager's side was told yet.
    assert db.session.scalar(select(func.count()).where(OutboxMessage.to_address == "mine@seller.example")) == 0

    visitor = app.test_client()
    assert visitor.get(confirm_link).status_code == 200  # a page with a button: link scanners confirm nothing
    db.session.expire_all()
    assert db.session.get(Referee, referee.id).confirmed_at is None
    assert visitor.post(confirm_link, data={"csrf_token": csrf_token(app, visitor)}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Referee, referee.id).confirmed_at is not None
    assert "Bram Bos" in sales.get("/sales/pipeline").text
    assert db.session.scalar(select(func.count()).where(OutboxMessage.to_address == "mine@seller.example")) == 1


def test_signing_up_twice_makes_no_second_record_and_tells_nothing(app, client, db, team):
    assert sign_up(app, client).status_code == 200
    second = sign_up(app, client, {"name": "Bram B."})
    assert second.status_code == 200
    assert db.session.scalar(select(func.count(Referee.id))) == 1
    # The unconfirmed person gets the confirmation again.
    assert db.session.scalar(select(func.count()).where(OutboxMessage.to_address == "bram@bos.example")) == 2


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("data, message", [
    ({"email": "not-an-address"}, "Enter a valid e-mail address"),
    ({"consent": ""}, "We need your consent to contact you."),
    ({"name": ""}, "Fill in your name."),
    ({"need": "x" * 1001}, "Keep it to 1000 characters."),
    ({"company": "Bos\x00 Advies" + "y" * 300}, "Keep it to 200 characters."),
])
def test_bad_landing_input_is_refused_with_the_input_kept(app, client, db, team, data, message, htmx):
    client.get("/r/anoukcode123")
    response = client.post("/r/anoukcode123", data={**LANDING, **data, "csrf_token": csrf_token(app, client)},
                           headers={**(HX if htmx else {}), "Accept-Language": "en"})
    assert response.status_code == 422
    assert message in response.text
    sent = {**LANDING, **data}
    sent["company"] = sent["company"].replace("\x00", "")  # the form drops the NUL byte
    for field in ("name", "company", "email"):  # every text field keeps what was typed, the wrong one too
        assert form_value(response.text, field) == sent[field], field
    assert re.search(rf'<textarea[^>]*name="need"[^>]*>\s*{re.escape(sent["need"])}</textarea>', response.text)
    consent_ticked = re.search(r'<input(?=[^>]*name="consent")(?=[^>]*\bchecked\b)[^>]*>', response.text)
    assert bool(consent_ticked) == (sent["consent"] == "y")
    assert db.session.scalar(select(func.count(Referee.id))) == 0


def test_the_landing_form_is_rate_limited(app, client, db, team):
    app.config["PUBLIC_FORM_RATE_LIMIT"] = "3 per minute"
    from app.extensions import limiter

    limiter.reset()
    try:
        codes = [client.post("/r/anoukcode123", data={"csrf_token": csrf_token(app, client)}).status_code
                 for _ in range(5)]
    finally:
        app.config["PUBLIC_FORM_RATE_LIMIT"] = "100000 per minute"
        limiter.reset()
    assert codes[:3] == [422, 422, 422] and codes[3:] == [429, 429]


def test_a_sign_up_from_the_referrers_own_domain_waits_for_a_check(app, client, db, team, login_as):
    sign_up(app, client, {"email": "someone@zorg.example"})
    referee = db.session.scalar(select(Referee))
    referee.confirmed_at = utcnow()
    db.session.commit()
    assert referee.flag == "own_domain"
    login_as(team["mine"])
    assert "Bram Bos" not in client.get("/sales/pipeline").text
    review = client.get("/sales/review", headers={"Accept-Language": "en"}).text
    assert "Bram Bos" in review and "own organisation" in review


# --- objection -----------------------------------------------------------------------------------

def test_objection_erases_the_referee_and_blocks_re_adding(app, client, db, team):
    referee = new_referee(team["referrer"], email="anna@noord.example", message_locale="en")
    db.session.commit()
    token = referee.token
    page = client.get(f"/r/object/{token}", headers={"Accept-Language": "en"}).text
    assert "Erase my details" in page
    assert client.post(f"/r/object/{token}", data={"csrf_token": csrf_token(app, client)}).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Referee.id))) == 0
    assert db.session.scalar(select(func.count(ReferralEvent.id))) == 0
    assert db.session.scalar(select(func.count(RefereeObjection.id))) == 2
    # The same link again: nothing left, and it says so.
    assert "nothing left to erase" in client.get(f"/r/object/{token}", headers={"Accept-Language": "en"}).text
    # Through the landing page, by e-mail: nothing is stored and no mail goes out.
    sign_up(app, client, {"name": "Anna de Vries", "company": "Elders", "email": "Anna@Noord.example"})
    assert db.session.scalar(select(func.count(Referee.id))) == 0
    assert db.session.scalar(select(func.count()).where(OutboxMessage.to_address == "anna@noord.example")) == 0
    # By a referrer, by name and company.
    from app.referrals.intake import ReferralRefused

    with pytest.raises(ReferralRefused):
        new_referee(team["stranger"])


def test_referee_pages_speak_the_language_of_the_message(client, db, team):
    dutch = new_referee(team["referrer"], name="Anna de Vries", message_locale="nl")
    english = new_referee(team["referrer"], name="Emma Brown", company="Brown Ltd", message_locale="en")
    db.session.commit()
    assert "Wis mijn gegevens" in client.get(f"/r/object/{dutch.token}", headers={"Accept-Language": "en"}).text
    assert "Erase my details" in client.get(f"/r/object/{english.token}", headers={"Accept-Language": "nl"}).text


def test_an_objection_post_without_a_valid_form_erases_nothing(client, db, team):
    referee = new_referee(team["referrer"])
    db.session.commit()
    assert client.post(f"/r/object/{referee.token}", data={}).status_code == 400  # the CSRF check
    assert db.session.scalar(select(func.count(Referee.id))) == 1


# --- the pipeline --------------------------------------------------------------------------------

def move(post_form, referee, to_stage, from_stage, htmx=False, **data):
    return post_form(f"/sales/referrals/{referee.id}/stage",
                     {"from_stage": from_stage, "to_stage": to_stage, **data}, htmx=htmx)


@pytest.mark.parametrize("htmx", [False, True])
def test_milestones_award_the_referrer_once_each_with_a_thank_you(client, db, team, login_as, post_form, htmx):
    settings = programme_settings()
    settings.points_contacted, settings.points_meeting, settings.points_opportunity, settings.points_won = 5, 50, 100, 250
    referee = new_referee(team["referrer"])
    db.session.commit()
    login_as(team["mine"])

    response = move(post_form, referee, "meeting", "new", htmx=htmx, back="pipeline")
    assert response.status_code == (200 if htmx else 303)
    if htmx:
        assert 'id="pipeline"' in response.text and "<!doctype html>" not in response.text
    assert milestone_rows(db, team["referrer"].id) == [("referral_contacted", 5), ("referral_meeting", 50)]
    # The same move again (a double click, a second tab): refused, nothing awarded twice.
    again = move(post_form, referee, "meeting", "new", htmx=htmx, back="pipeline")
    assert again.status_code == (409 if htmx else 303)
    assert move(post_form, referee, "won", "meeting", deal_value="12.500").status_code == 303
    assert referee.deal_value_cents == 1_250_000
    assert milestone_rows(db, team["referrer"].id) == [
        ("referral_contacted", 5), ("referral_meeting", 50), ("referral_opportunity", 100), ("referral_won", 250)]

    notes = list(db.session.scalars(select(Notification).where(Notification.user_id == team["referrer"].id)
                                    .order_by(Notification.id)))
    kinds = [n.kind for n in notes]
    assert kinds.count("referral_feedback") == 1  # "how did it go?" once, after the first conversation
    assert kinds.count("referral_stage") == 2
    assert "You earned 55 points" in notes[0].text_en
    assert "They became a customer" in notes[-1].text_en
    assert db.session.scalar(select(func.count()).where(OutboxMessage.to_address == "anouk@zorg.example")) == 3


def test_moving_back_and_forth_never_awards_a_milestone_twice(client, db, team, login_as, post_form):
    referee = new_referee(team["referrer"])
    db.session.commit()
    login_as(team["mine"])
    move(post_form, referee, "meeting", "new")
    move(post_form, referee, "contacted", "meeting")
    move(post_form, referee, "meeting", "contacted")
    assert milestone_rows(db, team["referrer"].id) == [("referral_meeting", 50)]


def test_the_referee_with_an_email_is_asked_how_it_went(client, db, team, login_as, post_form):
    referee = new_referee(team["referrer"], email="anna@noord.example")
    db.session.commit()
    login_as(team["mine"])
    move(post_form, referee, "meeting", "new")
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "anna@noord.example"))
    assert mail.kind == "referee_feedback"
    link = re.search(r"http://portal\.test(/r/feedback/\S+)", mail.body_text).group(1)
    anonymous = client.application.test_client()
    assert anonymous.get(link).status_code == 200
    assert anonymous.post(link, data={"feedback": "", "csrf_token": csrf_token(client.application, anonymous)}
                          ).status_code == 422
    assert anonymous.post(link, data={"feedback": "Very helpful call.",
                                      "csrf_token": csrf_token(client.application, anonymous)}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Referee, referee.id).referee_feedback == "Very helpful call."


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("data, message", [
    ({"to_stage": "lost"}, "Say why it was lost"),
    ({"to_stage": "nonsense"}, "Not a valid choice"),
    ({"to_stage": "new"}, "already at this stage"),
    ({"to_stage": "meeting", "follow_up_on": "31-02-2026"}, "Not a valid date value"),
    ({"to_stage": "meeting", "note": "x" * 2001}, "Keep it to 2000 characters."),
])
def test_bad_moves_are_refused_with_the_input_kept(client, db, team, login_as, post_form, data, message, htmx):
    referee = new_referee(team["referrer"])
    db.session.commit()
    login_as(team["mine"], locale="en")
    response = post_form(f"/sales/referrals/{referee.id}/stage", {"from_stage": "new", **data}, htmx=htmx)
    assert response.status_code == 422
    assert message in response.text
    assert db.session.get(Referee, referee.id).stage == "new"
    assert db.session.scalar(select(func.count(PointsEntry.id))) == 0


def test_lost_needs_a_reason_and_awards_nothing(client, db, team, login_as, post_form):
    referee = new_referee(team["referrer"])
    db.session.commit()
    login_as(team["mine"])
    assert move(post_form, referee, "lost", "new", lost_reason="Chose a competitor.").status_code == 303
    db.session.expire_all()
    assert db.session.get(Referee, referee.id).lost_reason == "Chose a competitor."
    assert milestone_rows(db, team["referrer"].id) == []


def test_sales_see_only_their_accounts_and_managers_their_team(client, db, team, login_as, post_form):
    mine = new_referee(team["referrer"])
    theirs = new_referee(team["stranger"], name="Far Person", company="Far Client")
    db.session.commit()

    login_as(team["mine"])
    page = client.get("/sales/pipeline?view=table").text
    assert "Anna de Vries" in page and "Far Person" not in page
    assert client.get(f"/sales/referrals/{theirs.id}").status_code == 404
    assert move(post_form, theirs, "meeting", "new").status_code == 404
    assert "Far Person" not in client.get("/sales/pipeline.csv").text

    login_as(team["lead"])
    assert "Anna de Vries" in client.get("/sales/pipeline").text
    assert client.get(f"/sales/referrals/{theirs.id}").status_code == 404

    login_as(team["other"])
    assert "Anna de Vries" not in client.get("/sales/pipeline").text
    assert client.get(f"/sales/referrals/{mine.id}").status_code == 404

    login_as("admin")
    page = client.get("/sales/pipeline").text
    assert "Anna de Vries" in page and "Far Person" in page


@pytest.mark.parametrize("path", ["/sales", "/sales/pipeline", "/sales/pipeline?view=table", "/sales/review",
                                  "/sales/follow-ups", "/sales/pipeline.csv", "/sales/referrals/1"])
@pytest.mark.parametrize("htmx", [False, True])
def test_customers_and_marketers_get_403_on_sales_pages(client, db, team, login_as, path, htmx):
    new_referee(team["referrer"])
    db.session.commit()
    for role in ("customer", "marketer"):
        login_as(role)
        assert client.get(path, headers=HX if htmx else {}).status_code == 403


def test_csv_export_is_formula_safe(client, db, team, login_as):
    new_referee(team["referrer"], name="=HYPERLINK(\"x\")", company="+Evil")
    db.session.commit()
    login_as(team["mine"])
    response = client.get("/sales/pipeline.csv")
    assert response.mimetype == "text/csv"
    assert "'=HYPERLINK" in response.text and "'+Evil" in response.text


@pytest.mark.parametrize("path", ["/sales/pipeline", "/sales/pipeline?view=table", "/sales", "/sales/follow-ups",
                                  "/sales/review"])
def test_pipeline_pages_have_a_query_budget_that_does_not_grow(app, client, db, team, login_as, path):
    def add(n, prefix):
        for i in range(n):
            referee = new_referee(team["referrer"], name=f"{prefix} {i}", company=f"{prefix} Co {i}")
            referee.follow_up_on = utcnow().date()
        flagged = new_referee(team["referrer"], name=f"{prefix} flagged", company=f"{prefix} F")
        flagged.flag = "existing_customer"
        db.session.commit()

    add(2, "Few")
    login_as(team["mine"])
    client.get(path)
    with count_queries(app) as few:
        assert client.get(path).status_code == 200
    add(30, "Many")
    client.get(path)
    with count_queries(app) as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few), (len(few), len(many))


def test_the_board_moves_without_javascript_too(client, db, team, login_as, post_form):
    referee = new_referee(team["referrer"])
    db.session.commit()
    login_as(team["mine"], locale="en")
    board = client.get("/sales/pipeline").text
    form = re.search(rf'<form method="post" action="/sales/referrals/{referee.id}/stage".*?</form>', board, re.S).group(0)
    assert 'name="from_stage" value="new"' in form and 'name="to_stage"' in form
    response = move(post_form, referee, "contacted", "new", back="pipeline", view="board")
    assert response.status_code == 303 and response.location.endswith("/sales/pipeline?view=board")
    assert "Moved to Contacted." in client.get("/sales/pipeline").text


# --- review list ---------------------------------------------------------------------------------

def test_flagged_referrals_are_cleared_or_rejected_by_sales(client, db, team, login_as, post_form):
    one = new_referee(team["referrer"], name="Flag One", company="One")
    two = new_referee(team["referrer"], name="Flag Two", company="Two")
    one.flag = two.flag = "existing_customer"
    db.session.commit()
    login_as(team["mine"], locale="en")
    page = client.get("/sales/review").text
    assert "Flag One" in page and "Flag Two" in page
    assert move(post_form, one, "meeting", "new").status_code == 404  # not in the pipeline while flagged

    assert post_form(f"/sales/referrals/{one.id}/clear", {}).status_code == 303
    no_reason = post_form(f"/sales/referrals/{two.id}/reject", {"reason": ""})
    assert no_reason.status_code == 422 and "Say why you reject it." in no_reason.text
    assert post_form(f"/sales/referrals/{two.id}/reject", {"reason": "A colleague of the referrer."}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Referee, one.id).flag is None
    assert db.session.get(Referee, two.id).stage == "lost"
    assert "Flag One" in client.get("/sales/pipeline").text
    assert "Flag Two" not in client.get("/sales/review").text
    assert post_form(f"/sales/referrals/{two.id}/clear", {}).status_code == 404


def test_follow_ups_list_due_and_overdue_referrals(client, db, team, login_as):
    today = utcnow().date()
    due = new_referee(team["referrer"], name="Due Today", company="A")
    late = new_referee(team["referrer"], name="Long Overdue", company="B")
    later = new_referee(team["referrer"], name="Next Week", company="C")
    due.follow_up_on, late.follow_up_on, later.follow_up_on = today, today - timedelta(days=3), today + timedelta(days=7)
    db.session.commit()
    login_as(team["mine"], locale="en")
    page = client.get("/sales/follow-ups").text
    assert "Due Today" in page and "Long Overdue" in page and "Next Week" not in page
    assert "Overdue since" in page


# --- settings and retention ----------------------------------------------------------------------

@pytest.mark.parametrize("htmx", [False, True])
def test_marketing_sets_milestone_points_and_caps(client, db, login_as, post_form, htmx):
    login_as("marketer", locale="en")
    page = client.get("/admin/programme").text
    assert form_value(page, "points_meeting") == "50"
    bad = post_form("/admin/programme", {"points_contacted": "-1", "points_meeting": "lots", "points_opportunity": "100",
                                         "points_won": "250", "ask_cap_days": "0", "daily_referral_cap": "5",
                                         "referee_retention_days": "180"}, htmx=htmx)
    assert bad.status_code == 422
    assert "Enter a whole number, such as 25." in bad.text and "Choose a number from 1 to 730." in bad.text
    assert 'value="lots"' in bad.text
    good = post_form("/admin/programme", {"points_contacted": "10", "points_meeting": "60", "points_opportunity": "100",
                                          "points_won": "300", "ask_cap_days": "60", "daily_referral_cap": "3",
                                          "referee_retention_days": "90"}, htmx=htmx)
    assert good.status_code == (204 if htmx else 303)
    db.session.expire_all()
    settings = programme_settings()
    assert (settings.points_meeting, settings.points_won, settings.ask_cap_days, settings.daily_referral_cap) == (60, 300, 60, 3)
    from app.audit.models import AuditEntry

    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "programme.update"


def test_purge_removes_unconverted_referees_after_the_retention(runner, db, team):
    old = new_referee(team["referrer"], name="Old New", company="A")
    kept = new_referee(team["referrer"], name="Old Opportunity", company="B")
    new_referee(team["referrer"], name="Fresh", company="C")
    old.stage_changed_at = kept.stage_changed_at = utcnow() - timedelta(days=200)
    kept.stage = "opportunity"
    unconfirmed = new_referee(team["referrer"], name="Never Confirmed", company="D")
    unconfirmed.source, unconfirmed.created_at = "share", utcnow() - timedelta(days=20)
    db.session.commit()

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Removed 2 referees" in result.output
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Referee.name))) == ["Fresh", "Old Opportunity"]


@pytest.mark.parametrize("htmx", [False, True])
def test_an_ask_follow_up_is_listed_until_done(client, db, team, login_as, post_form, htmx):
    from app.referrals.models import Ask

    today = utcnow().date()
    ask = Ask(customer_id=team["referrer"].id, asked_by_id=team["mine"].id, asked_on=today - timedelta(days=21),
              channel="phone", outcome="later", follow_up_on=today - timedelta(days=1), note="Call back after the holidays")
    db.session.add(ask)
    db.session.commit()
    login_as(team["other"])
    assert "Call back after the holidays" not in client.get("/sales/follow-ups").text
    assert post_form(f"/sales/follow-ups/asks/{ask.id}/done", {}, htmx=htmx).status_code == 404

    login_as(team["mine"])
    page = client.get("/sales/follow-ups").text
    assert "Call back after the holidays" in page and "Overdue since" in page
    response = post_form(f"/sales/follow-ups/asks/{ask.id}/done", {}, htmx=htmx)
    assert response.status_code == (204 if htmx else 303)
    assert "Call back after the holidays" not in client.get("/sales/follow-ups").text
