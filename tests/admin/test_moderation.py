"""Moderation queue, content library and reward fulfilment: what marketers see, what each decision
does (points, notification, audit), double decisions, hostile input, and a fixed query budget."""
from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.auth.models import User
from app.extensions import db as _db
from app.journey.models import APPROVED, PENDING, REJECTED, Submission
from app.mail import OutboxMessage
from app.notifications.models import Notification
from app.points.models import PointsEntry
from app.rewards.models import CANCELLED, FULFILLED, REQUESTED, Redemption, Reward
from app.spreadsheet import csv_safe
from tests.conftest import HX, count_queries, csrf_token
from tests.factories import make_challenge, make_company, make_level, make_user
from tests.helpers import programme_today, run_at_once

_seq = itertools.count(1)
TODAY = programme_today()
BASE_TIME = datetime(2025, 1, 6, 9, 0)

QUOTE = {"quote": "Since we work with this team we finally have an overview of all our projects.",
         "show_name": True, "show_company": True, "show_logo": False, "show_photo": False,
         "channels": ["website", "social"], "until": None, "agree": True}
CASE_STORY = {"agree_story": True, "interview_format": "video_call", "period": "next_quarter",
              "topics": "From spreadsheets to one platform"}
REVIEW = {"review_url": "https://www.g2.com/products/ambassador-journey/reviews/123", "site_name": "G2"}
EVENT = {"event": {"nl": "Klantendag 2027", "en": "Customer Day 2027"}, "slot": 1,
         "slot_label": {"nl": "Middag", "en": "Afternoon session"}, "role": "speaker", "note": "Our rollout"}
DATA = {"quote": QUOTE, "case_story": CASE_STORY, "review": REVIEW, "event": EVENT,
        "referral": {"name": "Anna de Vries", "company": "Bouwbedrijf Noord", "role": "COO", "benefit": "x" * 30,
                     "may_mention": True, "route": "introduce"}}


# --- test data ---------------------------------------------------------------------------------

@pytest.fixture
def level(db):
    return make_level(1, threshold=0)


def challenge(level, type_key="quote", points=30, needs_review=True, **fields):
    return make_challenge(level, type_key, points, {}, needs_review=needs_review,
                          title_en=fields.pop("title_en", f"Share a {type_key} {next(_seq)}"), **fields)


def customer(name=None, company=None, locale="en"):
    return make_user("customer", name=name or f"Customer {next(_seq)}", locale=locale,
                     company=company or make_company(f"Firm {next(_seq)}"))


def submission(user, ch, status=PENDING, data=None, minutes=0, **fields) -> Submission:
    when = BASE_TIME + timedelta(minutes=minutes or next(_seq))
    # A fresh attempt number each time, so one customer can have many items for one challenge.
    item = Submission(user_id=user.id, challenge_id=ch.id, data=data if data is not None else dict(DATA[ch.type_key]),
                      status=status, created_at=when, reviewed_at=when if status != PENDING else None,
                      attempt=fields.pop("attempt", next(_seq)), **fields)
    _db.session.add(item)
    _db.session.flush()
    return item


def quote(user, ch, **changes) -> Submission:
    status = changes.pop("status", APPROVED)
    extra = {k: changes.pop(k) for k in ("consent_withdrawn_at", "minutes") if k in changes}
    return submission(user, ch, status=status, data={**QUOTE, **changes}, **extra)


def ledger(source_type, source_id) -> list[PointsEntry]:
    return list(_db.session.scalars(
        select(PointsEntry).where(PointsEntry.source_type == source_type, PointsEntry.source_id == source_id)))


def notifications(user) -> list[Notification]:
    return list(_db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def audits(action) -> list[AuditEntry]:
    return list(_db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def status_of(item) -> str:
    _db.session.expire_all()
    return _db.session.get(type(item), item.id).status


def flash_texts(html: str) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+"[^>]*>([^<]*)</p>', html)


def queries_for(app, client, url) -> int:
    _db.session.expire_all()
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def review_url(item) -> str:
    return f"/admin/moderation/{item.id}/review"


# --- the moderation queue ----------------------------------------------------------------------

def test_queue_shows_reviewable_pending_submissions_oldest_first_with_the_full_answer(client, db, login_as, level):
    login_as("marketer", locale="en")
    anna = customer("Anna de Vries", make_company("Bouwbedrijf Noord"))
    long_quote = "We finally see every project in one place. " * 10
    second = quote(anna, challenge(level, title_en="Quote challenge"), status=PENDING, minutes=20,
                   quote=long_quote, show_logo=True, channels=["website", "events"], until="2031-05-01")
    first = submission(anna, challenge(level, "case_story", title_en="Story challenge"), minutes=10)
    third = submission(anna, challenge(level, "review", title_en="Review challenge"), minutes=30)
    fourth = submission(anna, challenge(level, "event", title_en="Event challenge"), minutes=40)
    # Not for marketing: level-3 types (sales owns them), even when marked for review; decided ones;
    # challenges that do not need a review.
    submission(anna, challenge(level, "referral", needs_review=False, title_en="Referral A"))
    submission(anna, challenge(level, "referral", needs_review=True, title_en="Referral B"))
    quote(anna, challenge(level, title_en="Approved already"), status=APPROVED)
    quote(anna, challenge(level, title_en="Rejected already"), status=REJECTED)
    quote(anna, challenge(level, needs_review=False, title_en="No review needed"), status=PENDING)
    db.session.commit()

    page = client.get("/admin/moderation").text

    ids = [int(i) for i in re.findall(r'<li class="moderation-item" id="submission-(\d+)"', page)]
    assert ids == [first.id, second.id, third.id, fourth.id]
    for title in ("Referral A", "Referral B", "Approved already", "Rejected already", "No review needed"):
        assert title not in page
    assert "4 submissions wait for review." in page
    assert "Anna de Vries · Bouwbedrijf Noord" in page
    assert "Quote challenge" in page and "Story challenge" in page
    # The whole quote, with its consent scope
    assert long_quote.strip() in page
    assert "Website, Events" in page and "May 1, 2031" in page
    assert '<li class="scope scope-yes"><span aria-hidden="true">✓</span> Logo</li>' in page
    assert "Photo<span class=\"visually-hidden\"> (not allowed)</span>" in page
    # The review as a link that does not pass on our standing, the case story's choices, the event's
    assert f'<a href="{REVIEW["review_url"]}" rel="noopener nofollow"' in page
    assert "Video call" in page and "Next quarter" in page and "From spreadsheets to one platform" in page
    assert "Customer Day 2027" in page and "Afternoon session" in page and "Speaker" in page
    # A form that works without JavaScript, enhanced by htmx, and a checkbox for the bulk form
    assert f'action="/admin/moderation/{first.id}/review"' in page and f'hx-post="/admin/moderation/{first.id}/review"' in page
    assert f'<input type="checkbox" name="ids" value="{first.id}" form="bulk-approve"' in page
    assert 'id="bulk-approve"' in page and 'action="/admin/moderation/bulk"' in page
    assert page.count('name="csrf_token"') >= 5
    assert 'name="decision" value="approve"' in page and 'name="decision" value="reject"' in page


def test_queue_answers_htmx_with_a_fragment_and_has_no_inline_script_or_style(client, db, login_as, level):
    login_as("marketer", locale="en")
    quote(customer(), challenge(level), status=PENDING)
    db.session.commit()
    for url in ("/admin/moderation", "/admin/library", "/admin/fulfilment"):
        full, fragment = client.get(url), client.get(url, headers=HX)
        assert full.status_code == fragment.status_code == 200
        assert "<html" in full.text and "<html" not in fragment.text and "<h1>" in fragment.text
        assert "style=" not in full.text and "<script>" not in full.text


def test_empty_queue_says_so(client, db, login_as):
    login_as("marketer", locale="en")
    assert "Nothing to review." in client.get("/admin/moderation").text


@pytest.mark.parametrize("link", ["javascript:alert(1)", "https://evil.example/ x", "data:text/html,hi",
                                  "https://x.example/\\evil", 12, None])
def test_an_odd_review_link_is_never_made_clickable(client, db, login_as, level, link):
    login_as("marketer", locale="en")
    submission(customer(), challenge(level, "review"), data={"review_url": link, "site_name": "G2"})
    db.session.commit()
    page = client.get("/admin/moderation")
    assert page.status_code == 200
    assert 'rel="noopener nofollow"' not in page.text
    assert "href=\"javascript" not in page.text and "href=\"data:" not in page.text


@pytest.mark.parametrize("data", [{}, None, [], "text", {"quote": 5, "channels": "website", "until": "soon",
                                                             "show_name": "yes", "interview_format": ["x"]}])
def test_odd_stored_data_never_breaks_the_queue_or_library(client, db, login_as, level, data):
    login_as("marketer", locale="en")
    user = customer()
    for key in ("quote", "case_story", "review", "event"):
        submission(user, challenge(level, key), data=data if data is not None else {})
        submission(user, challenge(level, key), status=APPROVED, data=data if data is not None else {})
    db.session.commit()
    assert client.get("/admin/moderation").status_code == 200
    assert client.get("/admin/library").status_code == 200
    assert client.get("/admin/library/export").status_code == 200


def test_approve_without_javascript_awards_points_tells_the_customer_and_audits(client, db, login_as, post_form, level):
    marketer = login_as("marketer", locale="en")
    anna = customer("Anna de Vries", locale="nl")
    item = quote(anna, challenge(level, points=30, title_en="Share a quote", title_nl="Deel een quote"), status=PENDING)
    db.session.commit()

    response = post_form(review_url(item), {"decision": "approve"})

    assert response.status_code == 303 and response.headers["Location"] == "/admin/moderation"
    assert status_of(item) == APPROVED
    [entry] = ledger("submission", item.id)
    assert entry.points == 30 and entry.user_id == anna.id
    reviewed = db.session.get(Submission, item.id)
    assert reviewed.reviewer_id == marketer.id and reviewed.reviewed_at is not None
    [note] = notifications(anna)
    assert note.kind == "review" and note.link == "http://portal.test/contributions"
    assert "“Share a quote” is approved. You earned 30 points." in note.text_en
    assert "Deel een quote" in note.text_nl and "30" in note.text_nl
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == anna.email))
    assert mail is not None and "Deel een quote" in mail.body_text  # in the customer's language
    [audit] = audits("submission.approve")
    assert audit.actor_id == marketer.id and audit.target_type == "Submission" and audit.target_id == item.id
    assert audit.details["points"] == 30
    page = client.get("/admin/moderation").text
    assert "Approved: “Share a quote” by Anna de Vries. 30 points awarded." in flash_texts(page)
    assert f'id="submission-{item.id}"' not in page


def test_approve_with_htmx_replaces_the_row_with_a_result_line(client, db, login_as, post_form, level):
    login_as("marketer", locale="en")
    anna = customer("Anna de Vries")
    item = quote(anna, challenge(level, points=30, title_en="Share a quote"), status=PENDING)
    db.session.commit()

    response = post_form(review_url(item), {"decision": "approve"}, htmx=True)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert f'id="submission-{item.id}"' in response.text and 'role="status"' in response.text
    assert "Approved: “Share a quote” by Anna de Vries. 30 points awarded." in response.text
    assert 'name="decision"' not in response.text
    assert len(ledger("submission", item.id)) == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_reject_needs_a_note_and_keeps_the_page(client, db, login_as, post_form, level, htmx):
    login_as("marketer", locale="en")
    item = quote(customer(), challenge(level), status=PENDING)
    other = quote(customer(), challenge(level), status=PENDING)
    db.session.commit()

    response = post_form(review_url(item), {"decision": "reject", "note": "   "}, htmx=htmx)

    assert response.status_code == 422
    assert "Write a note for the customer: why it is rejected and what would work." in response.text
    assert f'id="note-{item.id}"' in response.text and 'aria-invalid="true"' in response.text
    assert ("<html" in response.text) is not htmx
    assert (f'id="submission-{other.id}"' in response.text) is not htmx  # the whole queue, or just the row
    assert status_of(item) == PENDING and notifications(item.user) == []


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_note_longer_than_1000_characters_is_refused_with_the_text_kept(client, db, login_as, post_form, level, htmx):
    login_as("marketer", locale="en")
    item = quote(customer(), challenge(level), status=PENDING)
    db.session.commit()
    response = post_form(review_url(item), {"decision": "reject", "note": "n" * 1001}, htmx=htmx)
    assert response.status_code == 422
    assert "Use at most 1000 characters." in response.text and "n" * 1001 in response.text
    assert status_of(item) == PENDING


def test_reject_with_a_note_tells_the_customer_the_note_and_awards_nothing(client, db, login_as, post_form, level):
    login_as("marketer", locale="en")
    anna = customer("Anna de Vries")
    item = quote(anna, challenge(level, title_en="Share a quote"), status=PENDING)
    db.session.commit()

    response = post_form(review_url(item), {"decision": "reject", "note": "Please leave out the price."}, htmx=True)

    assert response.status_code == 200
    assert "Rejected: “Share a quote” by Anna de Vries." in response.text
    stored = db.session.get(Submission, item.id)
    assert stored.status == REJECTED and stored.review_note == "Please leave out the price."
    assert ledger("submission", item.id) == []
    [note] = notifications(anna)
    assert "was not accepted" in note.text_en and "Please leave out the price." in note.text_en
    assert "Please leave out the price." in note.text_nl
    assert len(audits("submission.reject")) == 1


def test_approving_with_a_note_passes_the_note_on(client, db, login_as, post_form, level):
    login_as("marketer", locale="en")
    anna = customer()
    item = quote(anna, challenge(level), status=PENDING)
    db.session.commit()
    assert post_form(review_url(item), {"decision": "approve", "note": "Lovely words!"}).status_code == 303
    [note] = notifications(anna)
    assert "Lovely words!" in note.text_en


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_second_decision_is_refused_and_never_awards_twice(client, db, login_as, post_form, level, htmx):
    first_marketer = make_user("marketer", name="Mia Marketing")
    login_as("marketer", locale="en")
    item = quote(customer("Anna de Vries"), challenge(level, title_en="Share a quote"), status=PENDING)
    db.session.commit()
    # Someone else approved it a moment ago (through the same service the route uses).
    from app.journey.progress import decide_submission as review_submission

    assert review_submission(item, first_marketer, True)
    db.session.commit()

    for decision in ("approve", "reject"):
        response = post_form(review_url(item), {"decision": decision, "note": "No"}, htmx=htmx)
        assert response.status_code == 409
        assert "“Share a quote” by Anna de Vries was already reviewed by Mia Marketing: approved." in response.text
        assert ("<html" in response.text) is not htmx

    assert status_of(item) == APPROVED
    assert len(ledger("submission", item.id)) == 1
    assert notifications(item.user) == [] and audits("submission.approve") == audits("submission.reject") == []


def test_double_click_on_approve_awards_once(client, db, login_as, post_form, level):
    login_as("marketer", locale="en")
    item = quote(customer(), challenge(level), status=PENDING)
    db.session.commit()
    codes = [post_form(review_url(item), {"decision": "approve"}, htmx=True).status_code for _ in range(3)]
    assert codes == [200, 409, 409]
    assert len(ledger("submission", item.id)) == 1 and len(notifications(item.user)) == 1


@pytest.mark.parametrize("target", ["missing", "huge", "level3", "no_review"])
def test_reviewing_something_outside_the_queue_is_404(client, db, login_as, post_form, level, target):
    login_as("marketer", locale="en")
    user = customer()
    items = {
        "level3": submission(user, challenge(level, "referral", needs_review=True)),
        "no_review": quote(user, challenge(level, needs_review=False), status=PENDING),
    }
    db.session.commit()
    url = {"missing": "/admin/moderation/999999/review", "huge": "/admin/moderation/99999999999999999999/review"}.get(
        target) or review_url(items.get(target))
    assert post_form(url, {"decision": "approve"}).status_code == 404
    assert db.session.scalar(select(func.count(PointsEntry.id))) == 0


def test_bulk_approve_approves_the_pending_ones_and_counts_the_rest(client, db, login_as, post_form, level):
    login_as("marketer", locale="en")
    ch = challenge(level, points=20)
    people = [customer() for _ in range(4)]
    pending = [quote(person, ch, status=PENDING) for person in people[:3]]
    done = quote(people[3], ch, status=REJECTED)
    db.session.commit()

    response = post_form("/admin/moderation/bulk", {"ids": [str(s.id) for s in [*pending, done]] + ["x", "-1", ""]})

    assert response.status_code == 303 and response.headers["Location"] == "/admin/moderation"
    assert [status_of(s) for s in pending] == [APPROVED] * 3 and status_of(done) == REJECTED
    assert all(len(ledger("submission", s.id)) == 1 for s in pending)
    assert all(len(notifications(person)) == 1 for person in people[:3]) and notifications(people[3]) == []
    assert len(audits("submission.approve")) == 3
    assert flash_texts(client.get("/admin/moderation").text) == [
        "3 submissions approved. 1 was already handled by someone else."]


def test_bulk_approve_with_htmx_answers_the_queue_with_the_outcome(client, db, login_as, post_form, level):
    login_as("marketer", locale="en")
    ch = challenge(level)
    first, second = quote(customer(), ch, status=PENDING), quote(customer(), ch, status=PENDING)
    db.session.commit()
    post_form(review_url(first), {"decision": "approve"})

    response = post_form("/admin/moderation/bulk", {"ids": [str(first.id), str(second.id)]}, htmx=True)

    assert response.status_code == 200 and "<html" not in response.text
    assert "1 submission approved. 1 was already handled by someone else." in response.text
    assert "Nothing to review." in response.text
    assert len(ledger("submission", first.id)) == len(ledger("submission", second.id)) == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("ids", [[], ["abc"], ["0"], ["99999999999999999999"], [str(n) for n in range(1, 102)]])
def test_bulk_without_usable_ids_is_refused(client, db, login_as, post_form, htmx, ids):
    login_as("marketer", locale="en")
    response = post_form("/admin/moderation/bulk", {"ids": ids}, htmx=htmx)
    if ids == ["0"] or ids == ["99999999999999999999"] or not ids or ids == ["abc"]:
        assert response.status_code == 422 and "Select at least one submission to approve." in response.text
    else:
        assert response.status_code == 422 and "Select at most 100 submissions at once." in response.text
    assert ("<html" in response.text) is not htmx


def test_queue_query_budget_does_not_grow_with_rows(app, client, db, login_as, level):
    login_as("marketer", locale="en")
    kinds = ["quote", "case_story", "review", "event"]
    challenges = [challenge(level, key) for key in kinds]
    for i in range(2):
        submission(customer(), challenges[i])
    db.session.commit()
    few = queries_for(app, client, "/admin/moderation")
    for i in range(40):
        submission(customer(), challenges[i % 4])
    db.session.commit()
    many = queries_for(app, client, "/admin/moderation")
    assert few == many <= 5  # +1: the programme's identity (header, title, footer)
    page = client.get("/admin/moderation?page=2").text
    assert "Page 2 of 2" in page and page.count('class="moderation-item"') == 17


def test_the_customer_reads_the_outcome_on_their_contributions(client, db, login_as, post_form, level):
    login_as("marketer", locale="en")
    anna = customer()
    item = quote(anna, challenge(level, title_en="Share a quote"), status=PENDING)
    db.session.commit()
    post_form(review_url(item), {"decision": "reject", "note": "Shorter, please."})
    login_as(anna)
    page = client.get("/contributions").text
    assert "Shorter, please." in page


# --- the flow: submit, review, library, CSV, withdraw ------------------------------------

def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_a_quote_goes_from_customer_to_queue_to_library_and_out_again_on_withdrawal(client, db, login_as, post_form):
    level = make_level(1, threshold=0)
    ch = make_challenge(level, "quote", 30, {"channels": ["website", "social", "sales_material", "events"]},
                        needs_review=True, title_en="Share a quote about your experience")
    anna = login_as("customer", locale="en", name="Anna de Vries", company=make_company("Bouwbedrijf Noord"))
    until = (TODAY + timedelta(days=30)).isoformat()
    words = "Since we work with this team we finally have an overview of all our projects."
    sent = post_form(f"/challenges/{ch.id}", {"quote": words, "show_name": "y", "show_company": "y",
                                              "channels": ["website", "social"], "until": until, "agree": "y"})
    assert sent.status_code == 303
    [item] = db.session.scalars(select(Submission).where(Submission.challenge_id == ch.id)).all()
    assert item.status == PENDING and ledger("submission", item.id) == []

    login_as("marketer", locale="en")
    queue = client.get("/admin/moderation").text
    assert f'id="submission-{item.id}"' in queue and words in queue and "Anna de Vries · Bouwbedrijf Noord" in queue
    assert words not in client.get("/admin/library").text  # not usable before approval

    assert post_form(review_url(item), {"decision": "approve"}).status_code == 303
    assert post_form(review_url(item), {"decision": "approve"}).status_code == 409
    assert [e.points for e in ledger("submission", item.id)] == [30]

    library = client.get("/admin/library").text
    assert f'id="library-{item.id}"' in library and words in library
    rows = _csv_rows(client.get("/admin/library/export"))
    assert rows[1][:4] == ["Quote", "Anna de Vries", "Bouwbedrijf Noord", words]
    assert rows[1][4:10] == ["yes", "yes", "no", "no", "Website, Social media", until]

    login_as(anna)
    assert post_form(f"/contributions/{item.id}/withdraw").status_code == 303

    login_as("marketer", locale="en")
    assert words not in client.get("/admin/library").text
    assert len(_csv_rows(client.get("/admin/library/export"))) == 1  # the header only
    assert [e.points for e in ledger("submission", item.id)] == [30]  # the points stay earned


# --- the content library -----------------------------------------------------------------------

def test_library_holds_only_usable_content(client, db, login_as, level):
    login_as("marketer", locale="en")
    user = customer("Anna de Vries", make_company("Bouwbedrijf Noord"))
    ch = challenge(level)
    shown = {
        "open-ended": quote(user, ch, quote="Open ended quote " + "x" * 10),
        "until-today": quote(user, ch, quote="Valid through today " + "x" * 10, until=TODAY.isoformat()),
        "until-later": quote(user, ch, quote="Valid next year " + "x" * 10,
                             until=(TODAY + timedelta(days=365)).isoformat()),
        "story": submission(user, challenge(level, "case_story"), status=APPROVED),
        "review": submission(user, challenge(level, "review"), status=APPROVED),
    }
    hidden = {
        "expired": quote(user, ch, quote="Expired yesterday " + "x" * 10,
                         until=(TODAY - timedelta(days=1)).isoformat()),
        "withdrawn": quote(user, ch, quote="Consent withdrawn " + "x" * 10, consent_withdrawn_at=BASE_TIME),
        "pending": quote(user, ch, quote="Still waiting " + "x" * 10, status=PENDING),
        "rejected": quote(user, ch, quote="Not accepted " + "x" * 10, status=REJECTED),
        "event": submission(user, challenge(level, "event"), status=APPROVED),
        "withdrawn-story": submission(user, challenge(level, "case_story"), status=APPROVED,
                                      consent_withdrawn_at=BASE_TIME),
    }
    db.session.commit()

    page = client.get("/admin/library").text

    for name, item in shown.items():
        assert f'id="library-{item.id}"' in page, name
    for name, item in hidden.items():
        assert f'id="library-{item.id}"' not in page, name
    assert "5 items" in page
    assert f'<a href="{REVIEW["review_url"]}" rel="noopener nofollow"' in page
    assert "Video call" in page and "Next quarter" in page
    assert "No end date (until withdrawn)" in page
    exported = {row[3] for row in _csv_rows(client.get("/admin/library/export"))[1:]}
    assert "Open ended quote " + "x" * 10 in exported and "Expired yesterday " + "x" * 10 not in exported
    assert "Consent withdrawn " + "x" * 10 not in exported and REVIEW["review_url"] in exported
    assert "Video call · Next quarter · From spreadsheets to one platform" in exported


@pytest.fixture
def library_items(db, level):
    noord, zuid = make_company("Bouwbedrijf Noord"), make_company("Zorg_groep 100%")
    anna, bram = customer("Anna de Vries", noord), customer("Bram Bakker", zuid)
    ch = challenge(level)
    return {
        "web": quote(anna, ch, quote="Everything in one overview, finally.", channels=["website"]),
        "social": quote(bram, ch, quote="Support answers within the hour.", channels=["social", "events"]),
        "percent": quote(bram, ch, quote="We grew 100% in a year_ and kept calm.", channels=["sales_material"]),
        "story": submission(anna, challenge(level, "case_story"), status=APPROVED),
        "review": submission(bram, challenge(level, "review"), status=APPROVED),
    }


@pytest.mark.parametrize("query, expected", [
    ("", {"web", "social", "percent", "story", "review"}),
    ("type=quote", {"web", "social", "percent"}),
    ("type=case_story", {"story"}),
    ("type=review", {"review"}),
    ("channel=website", {"web"}),
    ("channel=events", {"social"}),
    ("channel=social&type=case_story", set()),
    ("company=noord", {"web", "story"}),
    ("company=100%25", {"social", "percent", "review"}),
    ("company=o_", set()),  # an underscore is a character, not a wildcard ("Noord" has no "o_")
    ("company=g_", {"social", "percent", "review"}),
    ("q=OVERVIEW", {"web"}),
    ("q=100%25", {"percent"}),
    ("q=%25", {"percent"}),
    ("q=anna", {"web", "story"}),
    ("q=g2.com", {"review"}),
    ("q=spreadsheets", {"story"}),
    ("q=nothing+like+this", set()),
    ("type=quote&company=zorg&q=support&channel=social", {"social"}),
])
def test_library_filters(client, db, login_as, library_items, query, expected):
    login_as("marketer", locale="en")
    db.session.commit()
    page = client.get(f"/admin/library?{query}")
    assert page.status_code == 200
    found = {name for name, item in library_items.items() if f'id="library-{item.id}"' in page.text}
    assert found == expected
    rows = _csv_rows(client.get(f"/admin/library/export?{query}"))
    assert len(rows) - 1 == len(expected)


@pytest.mark.parametrize("query", ["type=bogus", "channel=fax", "q=" + "a" * 201, "company=" + "b" * 201])
def test_a_wrong_filter_is_refused_with_its_error_and_the_rest_still_applies(client, db, login_as, library_items, query):
    login_as("marketer", locale="en")
    db.session.commit()
    page = client.get(f"/admin/library?{query}&type=review" if not query.startswith("type") else f"/admin/library?{query}")
    assert page.status_code == 422
    assert 'aria-invalid="true"' in page.text
    export = client.get(f"/admin/library/export?{query}")
    assert export.status_code == 422 and export.mimetype == "text/html"


@pytest.mark.parametrize("query", ["q=%00", "q=%00abc%00", "company=%00", "type=%00", "q=%FF%FE", "q=' OR 1=1 --",
                                   "q=<script>alert(1)</script>", "type=quote&type=review", "page=-3",
                                   "page=99999999999999", "channel[]=x", "q=\\", "q=%5C%25"])
def test_hostile_filters_never_give_a_server_error(client, db, login_as, library_items, query):
    login_as("marketer", locale="en")
    db.session.commit()
    for url in (f"/admin/library?{query}", f"/admin/library/export?{query}"):
        for headers in ({}, HX):
            response = client.get(url, headers=headers)
            assert response.status_code < 500, (url, response.status_code)
            assert "<script>alert(1)</script>" not in response.text


def test_library_pages_keep_the_filters(client, db, login_as, level):
    login_as("marketer", locale="en")
    ch = challenge(level)
    for n in range(30):
        quote(customer(f"Person {n}"), ch, channels=["website"])
    quote(customer(), ch, channels=["social"])
    db.session.commit()
    page = client.get("/admin/library?channel=website").text
    assert "30 items" in page and "Page 1 of 2" in page
    assert 'href="/admin/library?page=2&amp;channel=website"' in page
    assert 'href="/admin/library/export?channel=website"' in page and 'hx-boost="false"' in page
    second = client.get("/admin/library?page=2&channel=website").text
    assert second.count('class="library-item') == 5


def test_library_query_budget_does_not_grow_with_rows(app, client, db, login_as, level):
    login_as("marketer", locale="en")
    ch, story = challenge(level), challenge(level, "case_story")
    quote(customer(), ch)
    db.session.commit()
    few = queries_for(app, client, "/admin/library?q=overview")
    for n in range(40):
        quote(customer(), ch) if n % 2 else submission(customer(), story, status=APPROVED)
    db.session.commit()
    assert queries_for(app, client, "/admin/library?q=overview") == few <= 5  # +1: the programme's identity (header, title, footer)
    assert queries_for(app, client, "/admin/library") == few


# --- the CSV export ----------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("=1+2", "'=1+2"), ("+31 6 1234", "'+31 6 1234"), ("-5+cmd", "'-5+cmd"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("-5", "-5"), ("-12.5", "-12.5"), ("-40%", "-40%"),  # plain numbers keep their sign
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), ("", ""), (None, ""), ("a=b", "a=b"), (5, "5"),
])
def test_csv_cells_are_never_formulas(value, expected):
    assert csv_safe(value) == expected


def test_export_is_an_excel_friendly_csv_with_formula_safe_cells(client, db, login_as, level):
    marketer = login_as("marketer", locale="en")
    ch = challenge(level)
    evil = customer("=HYPERLINK(\"http://evil.example\")", make_company("@Company"))
    item = quote(evil, ch, quote="-Great team, really great work.", show_photo=True, until="2031-05-01",
                 channels=["website", "events"])
    item.reviewed_at = datetime(2025, 2, 3, 10, 30)
    plus = quote(customer("Émile Ünal", make_company("+Plus BV")), ch, quote="\t=1+2 is hidden behind a tab.")
    quote(customer("Carriage", make_company("\rReturn BV")), ch)
    db.session.commit()

    response = client.get("/admin/library/export")

    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="content-library-{TODAY.isoformat()}.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    rows = _csv_rows(response)
    assert rows[0] == ["Type", "Customer", "Company", "Text or link", "May show name", "May show company",
                       "May show logo", "May show photo", "Channels", "Valid until", "Approved at"]
    by_company = {row[2]: row for row in rows[1:]}
    assert by_company["'@Company"] == [
        "Quote", "'=HYPERLINK(\"http://evil.example\")", "'@Company", "'-Great team, really great work.",
        "yes", "yes", "no", "yes", "Website, Events", "2031-05-01", "2025-02-03T10:30"]
    assert by_company["'+Plus BV"][1] == "Émile Ünal" and by_company["'+Plus BV"][3] == "'=1+2 is hidden behind a tab."
    assert "'\rReturn BV" in by_company
    for row in rows[1:]:
        assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)
    [audit] = audits("library.export")
    assert audit.actor_id == marketer.id and audit.details["rows"] == 3
    assert plus.id  # both rows exported


def test_export_in_dutch_uses_dutch_headers_when_translated(client, db, login_as, level):
    login_as("marketer", locale="nl")
    quote(customer(), challenge(level))
    db.session.commit()
    rows = _csv_rows(client.get("/admin/library/export"))
    assert len(rows) == 2 and len(rows[0]) == 11


# --- reward fulfilment -------------------------------------------------------------------------

def reward(name="Roadmap session", stock=None, cost=None) -> Reward:
    item = Reward(name_nl=f"NL {name}", name_en=name, kind="exclusive_access", stock=stock, point_cost=cost)
    _db.session.add(item)
    _db.session.flush()
    return item


def claim(user, prize, minutes=None, status=REQUESTED) -> Redemption:
    """A claim as claim_reward leaves it: the redemption and, for a priced reward, the spend."""
    when = BASE_TIME + timedelta(minutes=minutes if minutes is not None else next(_seq))
    item = Redemption(user_id=user.id, reward_id=prize.id, points_spent=prize.point_cost or 0, status=status,
                      created_at=when, updated_at=when)
    _db.session.add(item)
    _db.session.flush()
    if prize.point_cost:
        _db.session.add(PointsEntry(user_id=user.id, points=-prize.point_cost, source_type="redemption",
                                    source_id=item.id, reason_nl="x", reason_en="x"))
    return item


def balance(user) -> int:
    return _db.session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0)).where(PointsEntry.user_id == user.id))


def test_fulfilment_lists_requested_claims_oldest_first(client, db, login_as):
    login_as("marketer", locale="en")
    anna = customer("Anna de Vries", make_company("Bouwbedrijf Noord"))
    later = claim(anna, reward("Seat at the customer day", cost=30), minutes=50)
    first = claim(customer("Bram Bakker"), reward("Roadmap session"), minutes=10)
    done = claim(customer(), reward("Lunch with the founders"), status=FULFILLED)
    db.session.commit()

    page = client.get("/admin/fulfilment").text

    ids = [int(i) for i in re.findall(r'<li class="redemption redemption-requested" id="redemption-(\d+)"', page)]
    assert ids == [first.id, later.id]
    assert f'id="redemption-{done.id}"' not in page
    assert "Anna de Vries · Bouwbedrijf Noord" in page and "Seat at the customer day" in page
    assert "30 points spent" in page and "no points spent" in page
    assert f'action="/admin/fulfilment/{first.id}/fulfil"' in page and f'hx-post="/admin/fulfilment/{first.id}/cancel"' in page

    history = client.get("/admin/fulfilment?status=fulfilled").text
    assert f'id="redemption-{done.id}"' in history and f'id="redemption-{first.id}"' not in history
    assert "Mark as fulfilled" not in history
    assert client.get("/admin/fulfilment?status=bogus").status_code == 200


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_fulfil_marks_it_fulfilled_and_tells_the_customer(client, db, login_as, post_form, htmx):
    marketer = login_as("marketer", locale="en")
    anna = customer("Anna de Vries")
    item = claim(anna, reward("Roadmap session", stock=3, cost=20))
    db.session.commit()
    before = balance(anna)

    response = post_form(f"/admin/fulfilment/{item.id}/fulfil", htmx=htmx)

    if htmx:
        assert response.status_code == 200 and "<html" not in response.text
        assert f'id="redemption-{item.id}"' in response.text
        assert "Fulfilled: “Roadmap session” for Anna de Vries." in response.text
    else:
        assert response.status_code == 303 and response.headers["Location"] == "/admin/fulfilment"
    assert status_of(item) == FULFILLED
    assert balance(anna) == before and db.session.get(Reward, item.reward_id).stock == 3
    [note] = notifications(anna)
    assert note.kind == "reward" and "Roadmap session" in note.text_en and "NL Roadmap session" in note.text_nl
    [audit] = audits("redemption.fulfil")
    assert audit.actor_id == marketer.id and audit.target_id == item.id


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_cancel_returns_the_points_and_the_stock_and_tells_the_customer(client, db, login_as, post_form, htmx):
    login_as("marketer", locale="en")
    anna = customer("Anna de Vries")
    prize = reward("Seat at the customer day", stock=4, cost=30)
    item = claim(anna, prize)
    db.session.add(PointsEntry(user_id=anna.id, points=50, source_type="test", source_id=1, reason_nl="x", reason_en="x"))
    db.session.commit()
    assert balance(anna) == 20

    response = post_form(f"/admin/fulfilment/{item.id}/cancel", {"note": "The day is fully booked."}, htmx=htmx)

    if htmx:
        assert response.status_code == 200 and "<html" not in response.text
        assert "Cancelled: “Seat at the customer day” for Anna de Vries. 30 points returned." in response.text
    else:
        assert response.status_code == 303
        assert "Cancelled: “Seat at the customer day” for Anna de Vries. 30 points returned." in flash_texts(
            client.get("/admin/fulfilment").text)
    assert status_of(item) == CANCELLED
    [refund] = ledger("redemption_refund", item.id)
    assert refund.points == 30 and refund.user_id == anna.id and "Seat at the customer day" in refund.reason_en
    assert balance(anna) == 50
    db.session.expire_all()
    assert db.session.get(Reward, prize.id).stock == 5
    [note] = notifications(anna)
    assert "Your 30 points are back in your balance." in note.text_en and "The day is fully booked." in note.text_en
    [audit] = audits("redemption.cancel")
    assert audit.details["points_returned"] == 30


def test_cancelling_an_unlimited_free_reward_leaves_stock_and_ledger_alone(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    anna = customer()
    prize = reward("Early access")
    item = claim(anna, prize)
    db.session.commit()
    assert post_form(f"/admin/fulfilment/{item.id}/cancel").status_code == 303
    db.session.expire_all()
    assert db.session.get(Reward, prize.id).stock is None
    assert ledger("redemption_refund", item.id) == []
    [note] = notifications(anna)
    assert "points" not in note.text_en


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("first, then", [("cancel", "cancel"), ("fulfil", "cancel"), ("cancel", "fulfil"),
                                         ("fulfil", "fulfil")])
def test_a_claim_is_settled_once(client, db, login_as, post_form, htmx, first, then):
    login_as("marketer", locale="en")
    anna = customer("Anna de Vries")
    prize = reward("Seat at the customer day", stock=2, cost=30)
    item = claim(anna, prize)
    db.session.commit()

    assert post_form(f"/admin/fulfilment/{item.id}/{first}", htmx=htmx).status_code in (200, 303)
    response = post_form(f"/admin/fulfilment/{item.id}/{then}", htmx=htmx)

    assert response.status_code == 409
    assert "“Seat at the customer day” for Anna de Vries was already handled" in response.text
    assert status_of(item) == (CANCELLED if first == "cancel" else FULFILLED)
    db.session.expire_all()
    assert len(ledger("redemption_refund", item.id)) == (1 if first == "cancel" else 0)
    assert db.session.get(Reward, prize.id).stock == (3 if first == "cancel" else 2)
    assert len(notifications(anna)) == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_cancel_note_that_is_too_long_is_refused(client, db, login_as, post_form, htmx):
    login_as("marketer", locale="en")
    item = claim(customer(), reward(cost=10))
    db.session.commit()
    response = post_form(f"/admin/fulfilment/{item.id}/cancel", {"note": "z" * 1001}, htmx=htmx)
    assert response.status_code == 422 and "Use at most 1000 characters." in response.text
    assert ("<html" in response.text) is not htmx
    assert "z" * 1001 in response.text and status_of(item) == REQUESTED


@pytest.mark.parametrize("url", ["/admin/fulfilment/999999/fulfil", "/admin/fulfilment/999999/cancel",
                                 "/admin/fulfilment/99999999999999999999/cancel", "/admin/fulfilment/0/fulfil"])
def test_unknown_claims_are_404(client, db, login_as, post_form, url):
    login_as("marketer", locale="en")
    assert post_form(url).status_code == 404


def test_fulfilment_query_budget_does_not_grow_with_rows(app, client, db, login_as):
    login_as("marketer", locale="en")
    prizes = [reward(f"Reward {n}", cost=n) for n in range(3)]
    claim(customer(), prizes[0])
    db.session.commit()
    few = queries_for(app, client, "/admin/fulfilment")
    for n in range(60):
        claim(customer(), prizes[n % 3], status=REQUESTED if n % 2 else FULFILLED)
    db.session.commit()
    assert queries_for(app, client, "/admin/fulfilment") == few <= 5  # +1: the programme's identity (header, title, footer)
    assert queries_for(app, client, "/admin/fulfilment?status=fulfilled") == few
    assert "Page 1 of 2" in client.get("/admin/fulfilment").text  # 31 to do, 25 a page
    assert 'href="/admin/fulfilment?page=2&amp;status=fulfilled"' in client.get("/admin/fulfilment?status=fulfilled").text

# --- hostile input on every form ---------------------------------------------------------------

NASTY = [
    {},
    {"decision": "", "note": "", "ids": ""},
    {"decision": "approve" * 1000, "note": "a" * 100_000, "ids": "1" * 10_000},
    {"decision": "\x00", "note": "\x00", "ids": "\x00"},
    {"decision": "<script>alert(1)</script>", "note": "<script>alert(1)</script>", "ids": "<script>"},
    {"decision": ["approve", "reject"], "note": ["a", "b"], "ids": ["1", "1", "1"]},
    {"decision": "reject", "note": "\x00\x00\x00"},
    {"decision": "approve", "note": "ünïcødé 🔑 ' OR 1=1 --"},
]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("payload", range(len(NASTY)))
def test_hostile_input_never_gives_a_server_error(client, db, login_as, post_form, level, htmx, payload):
    login_as("marketer", locale="en")
    item = quote(customer(), challenge(level), status=PENDING)
    redemption = claim(customer(), reward(cost=5))
    db.session.commit()
    for url in (review_url(item), "/admin/moderation/bulk", f"/admin/fulfilment/{redemption.id}/cancel",
                f"/admin/fulfilment/{redemption.id}/fulfil"):
        response = post_form(url, NASTY[payload], htmx=htmx)
        assert response.status_code < 500, (url, response.status_code)
        assert "<script>alert(1)</script>" not in response.text
        if response.status_code == 422 and htmx:
            assert "<html" not in response.text


def test_raw_undecodable_body_never_gives_a_server_error(app, client, db, login_as, csrf, level):
    login_as("marketer", locale="en")
    item = quote(customer(), challenge(level), status=PENDING)
    redemption = claim(customer(), reward(cost=5))
    db.session.commit()
    for url in (review_url(item), "/admin/moderation/bulk", f"/admin/fulfilment/{redemption.id}/cancel"):
        body = f"decision=%ff%00&note=%c3%28&ids=%fe&csrf_token={csrf()}".encode()
        response = client.post(url, data=body, content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500, url


def test_posts_without_a_csrf_token_are_refused(client, db, login_as, level):
    login_as("marketer", locale="en")
    item = quote(customer(), challenge(level), status=PENDING)
    db.session.commit()
    response = client.post(review_url(item), data={"decision": "approve"})
    assert response.status_code == 400 and status_of(item) == PENDING


# --- PostgreSQL: real threads, real races --------------------------------------------------------

def _signed_in_client(app, user_key: str):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_key
    return client, csrf_token(app, client)


@pytest.mark.postgres
@pytest.mark.committed
@pytest.mark.parametrize("workers", [2, 10])
def test_marketers_approving_the_same_quote_at_once_award_it_once(app, db, workers):
    level = make_level(1, threshold=0)
    item = quote(customer(), challenge(level, points=30), status=PENDING)
    keys = [make_user("marketer").get_id() for _ in range(workers)]
    db.session.commit()
    url, queue = review_url(item), list(keys)

    def approve():
        client, token = _signed_in_client(app, queue.pop())
        return client.post(url, data={"decision": "approve", "csrf_token": token}, headers=HX).status_code

    codes = run_at_once(app, workers, approve)

    assert all(isinstance(code, int) for code in codes), codes
    assert sorted(codes) == [200] + [409] * (workers - 1)
    _db.session.expire_all()
    assert [e.points for e in ledger("submission", item.id)] == [30]
    assert len(notifications(item.user)) == 1
    assert len(audits("submission.approve")) == 1


@pytest.mark.postgres
@pytest.mark.committed
def test_bulk_and_single_approvals_at_once_award_each_submission_once(app, db):
    level = make_level(1, threshold=0)
    ch = challenge(level, points=10)
    items = [quote(customer(), ch, status=PENDING) for _ in range(5)]
    keys = [make_user("marketer").get_id() for _ in range(6)]
    db.session.commit()
    # Everything the threads need is read here: the main thread's objects are not theirs to touch.
    # Half of them approve all five at once, the other half only the first one.
    ids, first_url, queue = [str(s.id) for s in items], review_url(items[0]), list(enumerate(keys))

    def act():
        n, key = queue.pop()
        client, token = _signed_in_client(app, key)
        if n % 2:
            return client.post("/admin/moderation/bulk", data={"ids": ids, "csrf_token": token}).status_code
        return client.post(first_url, data={"decision": "approve", "csrf_token": token}).status_code

    codes = run_at_once(app, 6, act)

    assert all(isinstance(code, int) and code < 500 for code in codes), codes
    _db.session.expire_all()
    for item in items:
        assert len(ledger("submission", item.id)) == 1
    assert len(audits("submission.approve")) == 5


@pytest.mark.postgres
@pytest.mark.committed
def test_marketers_cancelling_the_same_claim_at_once_return_the_points_once(app, db):
    anna = customer()
    prize = reward("Seat", stock=0, cost=30)
    item = claim(anna, prize)
    keys = [make_user("marketer").get_id() for _ in range(10)]
    db.session.commit()
    url, queue = f"/admin/fulfilment/{item.id}/cancel", list(keys)

    def cancel():
        client, token = _signed_in_client(app, queue.pop())
        return client.post(url, data={"csrf_token": token}, headers=HX).status_code

    codes = run_at_once(app, 10, cancel)

    assert all(isinstance(code, int) for code in codes), [repr(c) for c in codes]
    assert sorted(codes) == [200] + [409] * 9, codes
    _db.session.expire_all()
    assert len(ledger("redemption_refund", item.id)) == 1
    assert _db.session.get(Reward, prize.id).stock == 1
    assert balance(_db.session.get(User, anna.id)) == 0


def test_a_decision_without_javascript_goes_back_to_the_same_page_of_the_queue(client, db, login_as, post_form, level):
    login_as("marketer", locale="en")
    ch = challenge(level)
    items = [quote(customer(), ch, status=PENDING) for _ in range(30)]
    db.session.commit()
    page = client.get("/admin/moderation?page=2").text
    last = items[-1]
    assert f'action="/admin/moderation/{last.id}/review?page=2"' in page
    assert 'action="/admin/moderation/bulk?page=2"' in page

    response = post_form(f"/admin/moderation/{last.id}/review?page=2", {"decision": "reject"})
    assert response.status_code == 422 and f'id="note-{last.id}"' in response.text and "Page 2 of 2" in response.text
    response = post_form(f"/admin/moderation/{last.id}/review?page=2", {"decision": "approve"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/moderation?page=2"
    response = post_form("/admin/moderation/bulk?page=2", {"ids": [str(items[-2].id)]})
    assert response.headers["Location"] == "/admin/moderation?page=2"
