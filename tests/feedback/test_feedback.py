"""The "tell us" channel: a customer sends an idea, a problem or praise; marketing reads it in a queue,
answers (the customer is told in their language) and closes it; two marketers never overwrite each other."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.dates import utcnow
from app.extensions import db as _db
from app.extensions import limiter
from app.feedback.models import ANSWERED, CLOSED, NEW, Feedback
from app.mail import OutboxMessage
from app.notifications.models import Notification
from tests.conftest import HX, HX_BOOSTED, count_queries, csrf_token
from tests.factories import make_company, make_feedback, make_user
from tests.helpers import run_at_once

GOOD = {"kind": "idea", "message": "Show on the points page what the next reward is."}


def fresh(feedback: Feedback) -> Feedback:
    _db.session.expire_all()
    return _db.session.get(Feedback, feedback.id)


def textarea(html: str, name: str) -> str | None:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    return match.group(1).strip() if match else None


# --- the customer's form ---------------------------------------------------------------------------

def test_every_customer_page_links_to_the_form_with_the_page_it_is_on(client, db, login_as):
    login_as("customer", locale="en")
    for path in ("/", "/points", "/contributions", "/profile"):
        page = client.get(path).text
        assert f'href="/feedback/new?from={path}"' in page, path
        assert "Tell us: an idea, a problem or praise" in page


def test_staff_pages_have_no_tell_us_link(client, db, login_as):
    login_as("marketer", locale="en")
    assert "/feedback/new" not in client.get("/admin/feedback").text


def test_a_customer_sends_feedback_and_it_keeps_the_page_and_the_language(client, db, login_as, post_form):
    customer = login_as("customer", locale="en")
    form = client.get("/feedback/new?from=/challenges/12").text
    assert re.search(r'name="page"[^>]*value="/challenges/12"|value="/challenges/12"[^>]*name="page"', form)
    response = post_form("/feedback/new", {**GOOD, "page": "/challenges/12"})
    saved = _db.session.scalar(select(Feedback).where(Feedback.user_id == customer.id))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/feedback#feedback-{saved.id}"
    assert (saved.kind, saved.message, saved.page, saved.locale, saved.status) == (
        "idea", GOOD["message"], "/challenges/12", "en", NEW)
    mine = client.get("/feedback").text
    assert GOOD["message"] in mine and "Received" in mine


def test_a_dutch_customers_message_is_stored_as_dutch(client, db, login_as, post_form):
    customer = login_as("customer", locale="nl")
    assert post_form("/feedback/new", {"kind": "praise", "message": "Fijn dat alles zo snel ging!"}).status_code == 303
    assert _db.session.scalar(select(Feedback.locale).where(Feedback.user_id == customer.id)) == "nl"


@pytest.mark.parametrize("page", ["https://evil.example/x", "//evil.example", "/\\evil", "javascript:alert(1)",
                                  "/" + "a" * 300, "/path?secret=1"])
def test_only_a_short_path_on_this_site_is_kept_as_the_page(client, db, login_as, post_form, page):
    customer = login_as("customer")
    assert post_form("/feedback/new", {**GOOD, "page": page}).status_code == 303
    kept = _db.session.scalar(select(Feedback.page).where(Feedback.user_id == customer.id))
    assert kept == ("/path" if page == "/path?secret=1" else "")


@pytest.mark.parametrize("locale, data, message", [
    ("en", {"kind": "idea", "message": "Too short"}, "Write between 10 and 2000 characters."),
    ("nl", {"kind": "idea", "message": "Te kort"}, "Schrijf tussen de 10 en 2000 tekens."),
    ("en", {"kind": "idea", "message": "x" * 2001}, "Write between 10 and 2000 characters."),
    ("en", {"kind": "idea", "message": "   "}, "Write your message."),
    ("nl", {"kind": "idea", "message": ""}, "Schrijf je bericht."),
    ("en", {"message": "A perfectly fine message."}, "Choose an idea, a problem or praise."),
    ("nl", {"kind": "complaint", "message": "A perfectly fine message."}, "Kies een van de getoonde opties."),
])
def test_an_invalid_message_comes_back_with_the_input_and_a_clear_message(client, db, login_as, post_form, locale,
                                                                         data, message):
    customer = login_as("customer", locale=locale)
    response = post_form("/feedback/new", {**data, "page": "/points"})
    assert response.status_code == 422
    assert message in response.text
    if data.get("message", "").strip():
        assert textarea(response.text, "message") == data["message"]
    assert re.search(r'name="page"[^>]*value="/points"|value="/points"[^>]*name="page"', response.text)
    assert _db.session.scalar(select(func.count(Feedback.id)).where(Feedback.user_id == customer.id)) == 0


def test_the_form_keeps_the_chosen_kind_when_the_message_is_wrong(client, db, login_as, post_form):
    login_as("customer", locale="en")
    response = post_form("/feedback/new", {"kind": "problem", "message": "short"})
    assert response.status_code == 422
    assert re.search(r'checked[^>]*value="problem"|value="problem"[^>]*checked', response.text)


def test_the_form_as_an_htmx_fragment_and_as_a_page(client, db, login_as, post_form):
    login_as("customer", locale="en")
    full, fragment = client.get("/feedback/new"), client.get("/feedback/new", headers=HX)
    assert "<html" in full.text and "<html" not in fragment.text and 'name="message"' in fragment.text
    invalid = post_form("/feedback/new", {"kind": "idea", "message": "short"}, htmx=True)
    assert invalid.status_code == 422 and "<html" not in invalid.text
    sent = post_form("/feedback/new", GOOD, htmx=True, boosted=True)
    assert sent.status_code == 204 and sent.headers["HX-Redirect"].startswith("/feedback#feedback-")


def test_sending_is_rate_limited_per_customer_and_the_text_survives(app, client, db, login_as, post_form,
                                                                     monkeypatch):
    login_as("customer", locale="en")
    monkeypatch.setitem(app.config, "FEEDBACK_RATE_LIMIT", "2 per minute")
    limiter.reset()
    try:
        invalid = post_form("/feedback/new", {"kind": "idea", "message": "short"}).status_code
        sent = [post_form("/feedback/new", {**GOOD, "message": f"Message number {n} for you"}).status_code
                for n in range(2)]
        limited = post_form("/feedback/new", {"kind": "praise", "message": "A third message in a minute."})
        login_as("customer", locale="en")  # another customer has a limit of their own
        other = post_form("/feedback/new", GOOD).status_code
    finally:
        limiter.reset()
    assert invalid == 422 and sent == [303, 303], "a form sent back to fix does not count"
    assert limited.status_code == 429
    assert "You sent us several messages in a short time" in limited.text
    assert textarea(limited.text, "message") == "A third message in a minute."
    assert other == 303


def test_my_messages_shows_only_mine_with_status_and_answer(client, db, login_as):
    marketer = make_user("marketer", name="Marit Marketing")
    someone = make_user("customer")
    make_feedback(someone, "Someone else's words, not for me.")
    customer = login_as("customer", locale="en")
    make_feedback(customer, "My first idea is about the badges.")
    make_feedback(customer, "The export link was broken.", kind="problem", answered_by=marketer,
                  reply="Thanks, we fixed the link today.")
    make_feedback(customer, "Lovely programme, thank you.", kind="praise", answered_by=marketer, status=CLOSED,
                  reply="")
    _db.session.commit()
    page = client.get("/feedback").text
    assert "Someone else's words" not in page
    assert "My first idea is about the badges." in page and "Received" in page
    assert "Thanks, we fixed the link today." in page and "Answered" in page
    assert "We have read your message. Thank you for telling us." in page


# --- marketing's queue -----------------------------------------------------------------------------

@pytest.fixture
def people(db):
    marketer = make_user("marketer", name="Marit Marketing", locale="en")
    other = make_user("marketer", name="Otto Other", locale="en")
    company = make_company("Bouwbedrijf Noord")
    kees = make_user("customer", name="Kees Klant", locale="nl", company=company, email="kees@noord.example")
    anna = make_user("customer", name="Anna Customer", locale="en", company=company, email="anna@noord.example")
    _db.session.commit()
    return dict(marketer=marketer, other=other, kees=kees, anna=anna)


def test_the_queue_shows_new_messages_newest_first_with_who_where_and_language(client, db, login_as, people):
    old = make_feedback(people["kees"], "Het zou fijn zijn als de badges uitleg hadden.", locale="nl",
                        page="/badges", created_at=utcnow() - timedelta(days=2))
    new = make_feedback(people["anna"], "The leaderboard is hard to read on a phone.", kind="problem", locale="en",
                        page="/no/such/page")
    legacy = make_feedback(people["anna"], "Written before we knew languages.", locale=None,
                           created_at=utcnow() - timedelta(days=3))
    login_as(people["marketer"])
    page = client.get("/admin/feedback").text
    assert page.index(f'id="feedback-{new.id}"') < page.index(f'id="feedback-{old.id}"') < page.index(
        f'id="feedback-{legacy.id}"')
    item = page[page.index(f'id="feedback-{old.id}"'):page.index(f'id="feedback-{legacy.id}"')]
    assert f'href="/participants/{people["kees"].id}"' in item and "Kees Klant" in item and "Bouwbedrijf Noord" in item
    assert "Written in Dutch" in item and "Sent from “Badges” (/badges)" in item
    assert '<blockquote class="answer-text" lang="nl">' in item
    assert "They wrote in Dutch: answer in Dutch." in item
    assert "Sent from /no/such/page" in page[page.index(f'id="feedback-{new.id}"'):page.index(f'id="feedback-{old.id}"')]
    legacy_item = page[page.index(f'id="feedback-{legacy.id}"'):]
    assert '<blockquote class="answer-text">' in legacy_item and "Written in" not in legacy_item.split("</li>")[0]


def test_the_queue_filters_by_status_and_kind_and_ignores_nonsense(client, db, login_as, people):
    idea = make_feedback(people["kees"], "An idea that is still new.", kind="idea")
    problem = make_feedback(people["kees"], "A problem that was answered.", kind="problem",
                            answered_by=people["marketer"])
    praise = make_feedback(people["anna"], "Praise that was closed.", kind="praise", answered_by=people["marketer"],
                           status=CLOSED)
    login_as(people["marketer"])

    def shown(query):
        response = client.get(f"/admin/feedback{query}")
        assert response.status_code == 200, query
        return {f.id for f in (idea, problem, praise) if f'id="feedback-{f.id}"' in response.text}

    assert shown("") == {idea.id}  # new ones by default: the work to do
    assert shown("?status=answered") == {problem.id}
    assert shown("?status=closed") == {praise.id}
    assert shown("?status=all") == {idea.id, problem.id, praise.id}
    assert shown("?status=all&kind=problem") == {problem.id}
    assert shown("?status=all&kind=praise") == {praise.id}
    assert shown("?status=%00&kind[]=x&page=-3") == {idea.id}
    assert "Nothing matches these filters." in client.get("/admin/feedback?status=answered&kind=praise").text


def test_the_queue_is_paginated_and_keeps_its_filters(client, db, login_as, people):
    for n in range(23):
        make_feedback(people["kees"], f"Idea number {n:02d} for the portal.", kind="idea", answered_by=people["other"])
    login_as(people["marketer"])
    first = client.get("/admin/feedback?status=answered").text
    assert first.count('class="moderation-item feedback-item') == 20
    assert 'href="/admin/feedback?page=2&amp;status=answered"' in first
    second = client.get("/admin/feedback?status=answered&page=2").text
    assert second.count('class="moderation-item feedback-item') == 3


def test_the_marketing_navigation_counts_new_messages(client, db, login_as, people):
    make_feedback(people["kees"])
    make_feedback(people["anna"])
    make_feedback(people["anna"], answered_by=people["other"])
    login_as(people["marketer"])
    page = client.get("/admin/moderation").text
    nav = page[page.index('class="admin-nav"'):]
    nav = nav[:nav.index("</nav>")]
    assert re.search(r'href="/admin/feedback"[^>]*>Feedback<span id="new-feedback-count"> <span class="count-badge">2<',
                     nav)


def _queue_statements(app, client) -> int:
    _db.session.expire_all()
    with count_queries(app) as statements:
        assert client.get("/admin/feedback?status=all").status_code == 200
    return len(statements)


def test_the_queue_has_a_statement_budget_that_does_not_grow(app, client, db, login_as, people):
    make_feedback(people["kees"])
    make_feedback(people["anna"], answered_by=people["other"])
    login_as(people["marketer"])
    few = _queue_statements(app, client)
    for n in range(30):
        customer = make_user("customer", company=make_company())
        make_feedback(customer, f"Message {n} from another company.", kind=("idea", "problem", "praise")[n % 3],
                      answered_by=(people["marketer"], people["other"], None)[n % 3] or None)
    _db.session.commit()
    many = _queue_statements(app, client)
    # the user, the identity, the header's counts (NPS and new feedback in one), the page's count and its rows
    assert few == many <= 5, (few, many)


# --- answering and closing -------------------------------------------------------------------------

def test_an_answer_tells_the_customer_in_their_language_and_is_audited(client, db, login_as, post_form, people):
    feedback = make_feedback(people["kees"], "Kunnen de badges een uitleg krijgen?", locale="nl")
    login_as(people["marketer"])
    response = post_form(f"/admin/feedback/{feedback.id}", {"action": "answer", "reply": "Goed idee, we gaan het doen."})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/feedback"
    saved = fresh(feedback)
    assert (saved.status, saved.reply, saved.answered_by_id) == (ANSWERED, "Goed idee, we gaan het doen.",
                                                                  people["marketer"].id)
    note = _db.session.scalar(select(Notification).where(Notification.user_id == people["kees"].id))
    assert note.text_nl == "We hebben je bericht beantwoord: “Goed idee, we gaan het doen.”"
    assert note.text_en == "We answered your message: “Goed idee, we gaan het doen.”"
    assert note.link.endswith(f"/feedback#feedback-{feedback.id}")
    mail = _db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "kees@noord.example"))
    assert mail.subject == "Een antwoord op je bericht"
    assert "Hallo Kees Klant" in mail.body_text and "We hebben je bericht beantwoord" in mail.body_text
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "feedback.answer"))
    assert (entry.actor_id, entry.target_type, entry.target_id) == (people["marketer"].id, "Feedback", feedback.id)
    # the customer sees it on their own page, in their language
    login_as(people["kees"])
    home = client.get("/").text
    assert "We hebben je bericht beantwoord: “Goed idee, we gaan het doen.”" in home
    assert "Goed idee, we gaan het doen." in client.get("/feedback").text


def test_an_english_customer_is_told_in_english(client, db, login_as, post_form, people):
    feedback = make_feedback(people["anna"], "Could the badges explain themselves?", locale="en")
    login_as(make_user("marketer", locale="nl"))
    assert post_form(f"/admin/feedback/{feedback.id}", {"action": "answer", "reply": "Good idea!"}).status_code == 303
    mail = _db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "anna@noord.example"))
    assert mail.subject == "An answer to your message" and "Hello Anna Customer" in mail.body_text
    assert "We answered your message: “Good idea!”" in mail.body_text


def test_closing_without_an_answer_tells_nobody(client, db, login_as, post_form, people):
    feedback = make_feedback(people["anna"], "Just wanted to say the new page is nice.", kind="praise")
    login_as(people["marketer"])
    assert post_form(f"/admin/feedback/{feedback.id}", {"action": "close", "reply": ""}).status_code == 303
    saved = fresh(feedback)
    assert (saved.status, saved.reply, saved.answered_at, saved.closed_by_id) == (CLOSED, "", None,
                                                                                 people["marketer"].id)
    assert _db.session.scalar(select(func.count(Notification.id))) == 0
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "feedback.close"))
    assert entry.details["answered"] is False


def test_closing_with_an_answer_sends_it_and_closes(client, db, login_as, post_form, people):
    feedback = make_feedback(people["anna"], "The login page forgot my language.", kind="problem", locale="en")
    login_as(people["marketer"])
    response = post_form(f"/admin/feedback/{feedback.id}", {"action": "close", "reply": "Fixed, thank you!"})
    assert response.status_code == 303
    saved = fresh(feedback)
    assert (saved.status, saved.reply, saved.answered_by_id, saved.closed_by_id) == (
        CLOSED, "Fixed, thank you!", people["marketer"].id, people["marketer"].id)
    assert _db.session.scalar(select(func.count(Notification.id))) == 1


def test_an_answered_message_can_be_closed_later_without_a_second_answer(client, db, login_as, post_form, people):
    feedback = make_feedback(people["anna"], answered_by=people["other"], reply="We are on it.")
    login_as(people["marketer"])
    item = client.get("/admin/feedback?status=answered").text
    assert 'value="answer"' not in item and 'value="close"' in item and "Answered by Otto Other" in item
    assert post_form(f"/admin/feedback/{feedback.id}?status=answered", {"action": "close"}).status_code == 303
    saved = fresh(feedback)
    assert (saved.status, saved.reply, saved.answered_by_id) == (CLOSED, "We are on it.", people["other"].id)


def test_an_answer_needs_words_and_comes_back_422_in_place(client, db, login_as, post_form, people):
    feedback = make_feedback(people["anna"])
    login_as(people["marketer"])
    full = post_form(f"/admin/feedback/{feedback.id}", {"action": "answer", "reply": "  "})
    assert full.status_code == 422 and "<html" in full.text
    assert "Write your answer before sending it." in full.text
    fragment = post_form(f"/admin/feedback/{feedback.id}", {"action": "answer", "reply": "x" * 2001}, htmx=True)
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert fragment.text.lstrip().startswith("<li") and "Use at most 2000 characters." in fragment.text
    assert textarea(fragment.text, "reply") == "x" * 2001
    assert post_form(f"/admin/feedback/{feedback.id}", {"action": "delete"}).status_code == 422
    assert fresh(feedback).status == NEW


def test_the_htmx_answer_swaps_the_item_and_puts_the_focus_on_it(client, db, login_as, post_form, people):
    feedback = make_feedback(people["anna"], "The leaderboard is hard to read on a phone.")
    login_as(people["marketer"])
    page = client.get("/admin/feedback").text
    assert f'hx-post="/admin/feedback/{feedback.id}"' in page and f'hx-target="#feedback-{feedback.id}"' in page
    assert f'action="/admin/feedback/{feedback.id}"' in page  # and it works without JavaScript
    response = post_form(f"/admin/feedback/{feedback.id}", {"action": "answer", "reply": "Thanks, noted."}, htmx=True)
    assert response.status_code == 200 and "<html" not in response.text
    head = response.text[:response.text.index(">")]
    assert f'id="feedback-{feedback.id}"' in head and "autofocus" in head and 'tabindex="-1"' in head
    assert "Answer sent to Anna Customer." in response.text and "Thanks, noted." in response.text
    # the navigation's count follows, out of band: nothing new is left
    assert '<span id="new-feedback-count" hx-swap-oob="true"></span>' in response.text


def test_a_boosted_post_is_a_redirect_like_without_javascript(client, db, login_as, post_form, people):
    feedback = make_feedback(people["anna"])
    login_as(people["marketer"])
    response = post_form(f"/admin/feedback/{feedback.id}?status=all&page=2", {"action": "close"},
                         headers=dict(HX_BOOSTED))
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/admin/feedback?page=2&status=all"


def test_the_second_marketer_sees_who_answered_first_and_keeps_their_text(client, db, login_as, post_form, people):
    feedback = make_feedback(people["anna"], "Can I change my e-mail address myself?")
    login_as(people["other"])
    assert post_form(f"/admin/feedback/{feedback.id}", {"action": "answer", "reply": "Not yet, ask us."}).status_code == 303
    login_as(people["marketer"])  # had the queue open before Otto answered
    for htmx in (False, True):
        response = post_form(f"/admin/feedback/{feedback.id}", {"action": "answer", "reply": "Yes, on your profile."},
                             htmx=htmx)
        assert response.status_code == 409
        assert "Otto Other answered this message in the meantime. Your answer was not sent; it is still below." in response.text
        assert textarea(response.text, "reply") == "Yes, on your profile."
        assert "Not yet, ask us." in response.text
    saved = fresh(feedback)
    assert (saved.reply, saved.answered_by_id) == ("Not yet, ask us.", people["other"].id)
    assert _db.session.scalar(select(func.count(Notification.id))) == 1


def test_closing_a_closed_message_changes_nothing(client, db, login_as, post_form, people):
    feedback = make_feedback(people["anna"], answered_by=people["other"], status=CLOSED)
    login_as(people["marketer"])
    response = post_form(f"/admin/feedback/{feedback.id}", {"action": "close"}, htmx=True)
    assert response.status_code == 409 and "Otto Other closed this message in the meantime." in response.text
    assert fresh(feedback).closed_by_id == people["other"].id


def test_a_missing_message_is_404(client, db, login_as, post_form):
    login_as("marketer")
    assert post_form("/admin/feedback/424242", {"action": "close"}).status_code == 404


@pytest.mark.postgres
@pytest.mark.committed
def test_five_marketers_answering_at_once_make_one_answer(app, db):
    customer = make_user("customer", locale="en", company=make_company())
    marketers = [make_user("marketer", name=f"Marketer {n}") for n in range(5)]
    feedback = make_feedback(customer, "Two of you will want to answer this.")
    _db.session.commit()
    feedback_id, ids = feedback.id, iter([m.get_id() for m in marketers])
    clients = []
    for user_id in ids:
        visitor = app.test_client()
        with visitor.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user_id, True
        clients.append((visitor, csrf_token(app, visitor)))
    pool = iter(clients)

    def answer():
        visitor, token = next(pool)
        return visitor.post(f"/admin/feedback/{feedback_id}", data={
            "action": "answer", "reply": "Our answer.", "csrf_token": token}).status_code

    statuses = run_at_once(app, 5, answer)
    assert sorted(statuses) == [303, 409, 409, 409, 409], statuses
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count(Notification.id))) == 1
    assert _db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "feedback.answer")) == 1


def test_the_audit_log_names_the_change_in_the_readers_language_and_links_to_the_message(client, db, login_as,
                                                                                        post_form, people):
    feedback = make_feedback(people["anna"], kind="problem")
    login_as(people["marketer"])
    assert post_form(f"/admin/feedback/{feedback.id}", {"action": "close", "reply": "Fixed."}).status_code == 303
    login_as(make_user("admin", locale="nl"))
    log = client.get("/admin/audit").text
    assert "Klantfeedback afgerond" in log and "Soort: Probleem, met een antwoord" in log
    assert f'href="/admin/feedback?status=all#feedback-{feedback.id}"' in log
