"""Every POST form the app shows, posted with Hypothesis-generated values: never a 5xx.

The demo data set (plus the few things it lacks: a draft challenge, an empty level, inactive badge
and reward, an open claim, an invited and a deactivated customer, an NPS follow-up and every public
token) is seeded in the test's rolled-back transaction. Each role's users crawl the pages they can
reach; every POST form found there (one per endpoint and field set; a challenge form per challenge
type) is fuzzed as that user. Each example posts with a valid CSRF token, as a page or as htmx.
Half the bodies are the form as a person would fill it in with a few fields made hostile (so the
hostile value gets past the other fields into the domain code), half have every field fuzzed:
missing, repeated, one of the page's own values, a file upload, or hostile (unicode, control
characters, NUL, 100,000 characters, 2**31, -1, 1e309, NaN, ...); a quarter go as JSON. A 5xx or
`<script>` echoed unescaped fails. Each example runs in a savepoint that is rolled back, so one
example's success (a completed challenge, an erased referee) never hides the form from the next.

Examples per form: FUZZ_EXAMPLES (default 100, the "ci" profile; a form with nothing but its CSRF
token and hidden values gets 10, or a tenth of FUZZ_EXAMPLES); CI draws the same examples every
run, FUZZ_RANDOM=1 draws new ones. `FUZZ_EXAMPLES=5000 FUZZ_RANDOM=1 pytest -s
tests/security/test_fuzz_forms.py` digs deeper and prints the statuses seen per form.
"""
from __future__ import annotations

import io
import os
from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.auth import services as auth_services
from app.auth.models import User
from app.dates import utcnow
from app.demo.seed import seed_demo_data
from app.extensions import db as _db
from app.journey.models import DRAFT, Challenge
from app.mail import DEAD
from app.nps.survey import make_survey_token
from app.referrals.links import ensure_referral_code
from app.referrals.models import MEETING
from app.security import PUBLIC, TOKEN, access_of
from app.webhooks.models import WebhookMessage
from app.webhooks.services import create_endpoint
from tests import factories
from tests.conftest import HX, csrf_token
from tests.security.crawl import FoundForm, crawl, endpoint_of

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
BUTTON_EXAMPLES = 10  # forms with only the CSRF token (and hidden values): a small input space
settings.register_profile("ci", settings(
    max_examples=EXAMPLES, deadline=None, database=None, derandomize=not os.environ.get("FUZZ_RANDOM"),
    print_blob=True,
    # Examples are posted through the app (slow and large by design); the inner @given uses no
    # fixture itself, each example gets its own savepoint.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                           HealthCheck.function_scoped_fixture],
))
FUZZ = settings.get_profile("ci")

ROLES = {
    "anonymous": [],
    "customer": ["klant@example.com", "ambassadeur@example.com", "ops@example.com", "inkoop@example.com"],
    "marketer": ["marketing@example.com"],
    "sales": ["sales@example.com", "sales-lead@example.com"],
    "admin": ["admin@example.com"],
}
STAFF_START = ["/", "/admin", "/sales", "/nps", "/nps/alerts", "/nps/follow-ups", "/nps/surveys/new"]
MARKER = "<script>alert(1)</script>"
MISSING = object()
TYPED = {"journey.challenge", "admin_designer.challenges_edit"}  # the fields depend on the challenge type

HOSTILE = [
    "", " ", "0", "-1", "1", "2147483647", "2147483648", "-2147483649", "9223372036854775808", "1" + "0" * 5000,
    "1e309", "-1e309", "NaN", "nan", "inf", "-Infinity", "1.5", "0x1F", "1_000", "١٢", "１２", "\x00", "a\x00b",
    "\r\n", "\u202e", "\ufeff", "\u0000" * 10, MARKER, "' OR 1=1 --", "{{ 7*7 }}", "%s%n%x", "../../etc/passwd",
    "2026-02-30", "0001-01-01", "9999-12-31", "31-12-2026", "true", "on", "null", "[]", "{}", "x" * 100_000,
    "é" * 20_000, "https://evil.example/", "javascript:alert(1)", "a@b", "@", "nl", "en", "de", "y", "n",
]
PLAUSIBLE = {"email": "fuzz.person@example.org", "date": "2026-12-24", "number": "3", "url": "https://example.org/x",
             "password": "correct horse battery staple", "text": "Fuzzed text", "textarea": "Fuzzed text"}
CSV_OK = b"email,name,company,language\nnew.person@example.org,New Person,Bouwbedrijf Van Dijk,nl\n"
CSV_LINES = st.sampled_from([
    b"email,name,company,language\nnew.person@example.org,New Person,Bouwbedrijf Van Dijk,nl\n", b"", b"\xff\xfe\x00",
    b"email\n" + b"x@y.nl\n" * 2000, b"=cmd|' /C calc'!A0,@SUM(1),+1\n", b"email,name,company,language,account_manager\n"
    b"a@b.nl,A,B,en,2147483648\n", b"email,name,company,language,account_manager\na@b.nl,A,New Co,xx,\xb2\n",
])


def _value(field) -> st.SearchStrategy:
    choices = [st.sampled_from(HOSTILE), st.text(max_size=30), st.integers(-(2**70), 2**70).map(str)]
    if field.options:
        choices.insert(0, st.sampled_from(field.options))
    if field.kind in PLAUSIBLE:
        choices.insert(0, st.just(PLAUSIBLE[field.kind]))
    return st.one_of(*choices)


def _field(field) -> st.SearchStrategy:
    if field.kind == "file":
        return st.one_of(st.just(MISSING), CSV_LINES, st.binary(max_size=200))
    one = _value(field)
    # as typed, missing, repeated, or sent as a file upload where the form expects text
    return st.one_of(one, one, st.just(MISSING), st.lists(one, min_size=2, max_size=3), st.binary(max_size=20))


def _as_it_stands(field):
    """What a person filling the form in sensibly would send for this field."""
    if field.chosen:
        return field.chosen if field.kind == "checkbox" or len(field.chosen) > 1 else field.chosen[0]
    if field.kind == "checkbox":
        return field.options[0] if field.required and field.options else MISSING
    if field.kind in ("select", "radio"):
        return next((o for o in field.options if o), MISSING)
    if field.kind == "file":
        return CSV_OK
    return PLAUSIBLE.get(field.kind, MISSING if field.kind in ("hidden", "button") else PLAUSIBLE["text"])


def _post_data(form: FoundForm) -> st.SearchStrategy:
    """Either every field fuzzed, or the form as a person would fill it in with a few fields fuzzed
    (so the hostile value gets past the other fields' validation, into the domain code)."""
    fields = {name: f for name, f in form.fields.items() if name != "csrf_token"}
    wild = st.fixed_dictionaries({name: _field(f) for name, f in fields.items()})
    mostly_sensible = st.fixed_dictionaries({
        name: st.integers(0, 3).flatmap(lambda k, f=f: st.just(_as_it_stands(f)) if k else _field(f))
        for name, f in fields.items()
    })
    return st.one_of(mostly_sensible, wild)


def _sign_in(client, user_id: str | None) -> None:
    with client.session_transaction() as session:
        session.clear()
        if user_id is not None:
            session["_user_id"] = user_id
            session["_fresh"] = True


def _world(app, client, db) -> dict[str, list[str]]:
    """The demo plus what it lacks; returns the extra pages each role starts crawling from."""
    seed_demo_data("demo-ambassador")
    sales = User.by_email("sales@example.com")
    klant = User.by_email("klant@example.com")
    ambassador = User.by_email("ambassadeur@example.com")
    factories.make_challenge(status=DRAFT)  # publish, delete
    factories.make_level(position=90)  # an empty level: delete
    factories.make_level(position=91, status=DRAFT)  # a draft level: publish
    factories.make_badge(active=False)
    factories.make_reward(active=False)
    factories.make_redemption(user=klant)
    factories.make_user("customer", company=klant.company, is_active=False, email="gone@example.org")
    invited = factories.make_user("customer", company=klant.company, password=None, email="invited@example.org")
    invited.invited_at = utcnow()
    answer = factories.make_nps_response(user=klant, score=2, reason="Too slow")
    factories.make_follow_up(answer, assignee=sales)
    factories.make_follow_up(answer, assignee=sales, kind="upsell", trigger="wants_more")  # the upsell's close form
    referee = factories.make_referee(ambassador, email="referee@example.org", stage=MEETING)
    survey = factories.make_survey(klant, sent_by=sales, expires_at=utcnow() + timedelta(days=7))
    code = ensure_referral_code(ambassador)
    factories.make_outbox_message(klant.email, status=DEAD, attempts=9, last_error="550 refused")  # queue again
    factories.make_user("sales", password=None, email="invited.colleague@example.org")  # resend (staff)
    factories.make_user("marketer", is_active=False, email="former.colleague@example.org")  # reactivate (staff)
    duplicate = factories.make_company("Van Dijk Bouw (dubbel)", account_manager=sales)  # the merge preview
    factories.make_feedback(klant, "Where do I see my next reward?")  # answer or close in the feedback queue
    factories.make_chat_channel(sales, url="http://127.0.0.1:9/hook")  # the chat alert page's test and remove buttons
    factories.make_api_token(User.by_email("admin@example.com"))  # revoke, on the API tokens page
    hook = create_endpoint("http://127.0.0.1:9/hook", "CRM", ["referral.won"], True, False)  # edit, test, rotate
    db.session.add(WebhookMessage(endpoint_id=hook.id, msg_id="msg_fuzz", event_type="referral.won", payload="{}",
                                  status="delivered", attempts=1))  # replay from the delivery log
    db.session.commit()
    with app.test_request_context():
        public = [
            "/login", "/password/forgot", f"/r/{code}", f"/r/confirm/{referee.token}", f"/r/object/{referee.token}",
            f"/r/feedback/{referee.token}", f"/s/{make_survey_token(survey)}",
            f"/invitation/{auth_services.make_token(invited, auth_services.INVITE_SALT)}",
            f"/password/reset/{auth_services.make_token(klant, auth_services.RESET_SALT)}",
        ]
    merge = f"/admin/companies/{duplicate.id}/merge?into={klant.company_id}"
    return {"anonymous": public, "staff": STAFF_START + [f"/nps/answers/{answer.id}", f"/nps/answers/{answer.id}/upsell",
                                                        merge],
            "customer": ["/", "/terms/accept"]}


def _key(form: FoundForm, endpoint: str, args: dict) -> tuple:
    """One form per endpoint and field set; a challenge's answer and edit forms per challenge type."""
    kind = None
    if endpoint in TYPED and "challenge_id" in args:
        challenge = _db.session.get(Challenge, args["challenge_id"])
        kind = challenge.type_key if challenge else None
    return endpoint, kind, tuple(sorted(form.fields))


def _discover(app, client, emails: list[str], starts: dict) -> dict[tuple, tuple[str | None, str, FoundForm]]:
    """(endpoint, challenge type, field names) -> (user id, who, form), for the users of one role."""
    found: dict[tuple, tuple[str | None, str, FoundForm]] = {}
    for email in emails or [None]:
        user = User.by_email(email) if email else None
        user_id = user.get_id() if user else None
        _sign_in(client, user_id)
        start = starts["anonymous"] if user is None else starts["customer" if user.role == "customer" else "staff"]
        for form in crawl(client, start):
            match = endpoint_of(app, form.action)
            if match is None:
                continue
            found.setdefault(_key(form, *match), (user_id, email or "anonymous", form))
    return found


def _fuzz(app, client, db, user_id: str | None, form: FoundForm, examples: int) -> Counter:
    """Post `examples` generated bodies to the form; the statuses seen."""
    connection = db.session.connection()
    statuses: Counter = Counter()

    @settings(FUZZ, max_examples=examples)
    @given(data=_post_data(form), htmx=st.booleans(), encoding=st.sampled_from(["form", "form", "form", "json"]))
    def post(data, htmx, encoding):
        db.session.commit()
        savepoint = connection.begin_nested()
        try:
            _sign_in(client, user_id)
            body = {"csrf_token": csrf_token(app, client)}
            for name, value in data.items():
                if value is MISSING:
                    continue
                if isinstance(value, list):
                    value = [v for v in value if v is not MISSING]
                if isinstance(value, bytes):
                    body[name] = (io.BytesIO(value), "fuzz.csv")
                else:
                    body[name] = value
            headers = dict(HX) if htmx else {}
            if encoding == "json":  # the same values as a JSON body, the token in the header
                headers["X-CSRFToken"] = body.pop("csrf_token")
                body = {k: v for k, v in body.items() if not isinstance(v, tuple)}
                response = client.post(form.action, json=body, headers=headers)
            else:
                response = client.post(form.action, data=body, headers=headers)
            status = response.status_code
            text = response.get_data(as_text=True) if status != 302 else ""
            response.close()
            statuses[status] += 1
            assert status < 500, f"{form.action} answered {status}"
            assert MARKER not in text, f"{form.action} echoed markup unescaped"
        finally:
            db.session.rollback()
            db.session.remove()
            if savepoint.is_active:
                savepoint.rollback()

    post()
    return statuses


def test_every_post_endpoint_has_a_form_that_is_fuzzed(app, client, db):
    """A new form is fuzzed without anyone listing it: the crawl must reach it (or _world seed it)."""
    starts = _world(app, client, db)
    reached = {key[0] for emails in ROLES.values() for key in _discover(app, client, emails, starts)}
    # The REST API takes JSON with a bearer token, from no page: schemathesis fuzzes it (tests/api).
    with app.app_context():
        posts = {rule.endpoint for rule in app.url_map.iter_rules()
                 if "POST" in rule.methods and access_of(rule.endpoint) != TOKEN}
    assert posts - reached == set(), "no page shows a form for these: give _world what they need"


@pytest.mark.parametrize("role", list(ROLES))
def test_every_form_survives_fuzzing(app, client, db, role):
    starts = _world(app, client, db)
    forms = _discover(app, client, ROLES[role], starts)
    if role == "admin":  # the forms of endpoints a marketer or an account manager may use are fuzzed as them
        forms = {key: value for key, value in forms.items()
                 if access_of(key[0]) != PUBLIC and not {"marketer", "sales"} & access_of(key[0])}
    assert forms or role == "admin", f"no forms found for {role}"
    failures = []
    for key, (user_id, who, form) in sorted(forms.items(), key=lambda item: str(item[0])):
        own_fields = [f for f in form.fields.values() if f.kind not in ("hidden", "button")]
        examples = EXAMPLES if own_fields else min(EXAMPLES, max(BUTTON_EXAMPLES, EXAMPLES // 10))
        try:
            statuses = _fuzz(app, client, db, user_id, form, examples)
            print(f"{role} {key[0]} {key[1] or ''} as {who}: {sum(statuses.values())} posts {dict(sorted(statuses.items()))}")
        except Exception as exc:  # noqa: BLE001 - every form is tried; all failures are reported together
            failures.append(f"{key[0]} {form.action} as {who}: {exc!r}"[:2000])
    print(f"{role}: {len(forms)} forms fuzzed")
    assert not failures, "\n\n".join(failures)


# --- the 500s fuzzing found, each pinned by a plain test ------------------------------------------

@pytest.mark.parametrize("manager", ["2147483648", "99999999999", "-1", "²", "١٢", "0"])
def test_invite_with_an_account_manager_out_of_range_is_the_forms_error(client, db, login_as, post_form, manager):
    login_as("marketer", locale="en")
    response = post_form("/admin/participants/invite", {
        "email": "new.person@example.org", "name": "New Person", "company": "A Company Nobody Has Yet",
        "account_manager": manager, "locale": "en"})
    assert response.status_code == 422
    assert "is a new company: choose its account manager" in response.text
    assert 'value="new.person@example.org"' in response.text


@pytest.mark.parametrize("status", ["open", "contacted"])
def test_follow_up_posted_without_a_note_is_saved(client, db, login_as, post_form, status):
    sales = login_as("sales", locale="en")
    answer = factories.make_nps_response(user=factories.make_user(company=factories.make_company(account_manager=sales)),
                                         score=3)
    task = factories.make_follow_up(answer, assignee=sales)
    response = post_form(f"/nps/answers/{answer.id}", {"status": status})
    assert response.status_code in (302, 303)
    assert (task.status, task.note) == (status, "")


def test_follow_up_closed_without_a_note_is_the_forms_error(client, db, login_as, post_form):
    sales = login_as("sales", locale="en")
    answer = factories.make_nps_response(user=factories.make_user(company=factories.make_company(account_manager=sales)),
                                         score=3)
    factories.make_follow_up(answer, assignee=sales)
    factories.make_follow_up(answer, assignee=sales, kind="upsell", trigger="wants_more")  # the upsell's close form
    response = post_form(f"/nps/answers/{answer.id}", {"status": "closed"})
    assert response.status_code == 422
    assert "Write a short note" in response.text


def test_a_stage_move_refused_on_the_board_says_why(client, db, login_as, post_form):
    sales = login_as("sales", locale="en")
    referrer = factories.make_user(company=factories.make_company(account_manager=sales))
    referee = factories.make_referee(referrer, email="someone@example.org")
    response = post_form(f"/sales/referrals/{referee.id}/stage", {"back": "pipeline", "to_stage": "lost"},
                         htmx=True)
    assert response.status_code == 422
    assert "Not moved: Say why it was lost" in response.text


@pytest.mark.parametrize("url", ["/language", "/password/forgot", "/login", "/nps/surveys/new"])
def test_a_file_posted_under_a_text_fields_name_is_that_field_missing(app, client, db, login_as, url):
    login_as("sales", locale="en")
    response = client.post(url, data={"csrf_token": csrf_token(app, client), "email": (io.BytesIO(b"x"), "a.csv"),
                                      "next": (io.BytesIO(b"x"), "a.csv"), "occasion": (io.BytesIO(b"x"), "a.csv")})
    assert response.status_code in (303, 422)


@pytest.mark.parametrize("body", ["[1, 2]", '"x"', "12", "null", '{"email": {"a": 1}}', '{"email": [1, 2]}'])
def test_a_json_body_is_an_empty_form(app, client, db, body):
    response = client.post("/password/forgot", data=body, content_type="application/json",
                           headers={"X-CSRFToken": csrf_token(app, client)})
    assert response.status_code == 422


def test_the_import_form_still_takes_its_file(client, db, login_as, post_form):
    login_as("marketer", locale="en")
    csv_file = b"email,name,company,language\nnew.person@example.org,New Person,New Co,en\n"
    response = post_form("/admin/participants/import", {"file": (io.BytesIO(csv_file), "people.csv")})
    assert response.status_code in (302, 303)
