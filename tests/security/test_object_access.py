"""Object-level access: every object-bearing URL, for objects of one customer and account manager
("A"), asked for by customers of another company, her own colleague, another account manager, that
manager's team lead and a marketer, where they may not. Each refusal is a 403 or 404 with nothing of
A's in the body, nothing changes for a refused POST, and the rightful party is shown the same URL
(so no check passes because the object was never there).

tests/test_access.py walks every URL × role for objects that do not exist; this walks them for
objects that do, owned by someone else. test_every_object_url_is_walked keeps the table complete.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from app.audit.models import AuditEntry
from app.auth.models import ADMIN, MARKETER, SALES, Company
from app.dates import today, utcnow
from app.journey.models import PENDING, Submission
from app.mail import DEAD, OutboxMessage
from app.nps.models import FollowUp, Survey
from app.nps.survey import make_survey_token
from app.participants import imports
from app.referrals.models import CONTACTED, FLAG_OWN_DOMAIN, Ask, AskStatus, Referee, ReferenceCall
from app.rewards.models import REQUESTED, Redemption
from tests import factories
from tests.conftest import csrf_token
from tests.helpers import programme_today

# What of A's must never reach another party (names, answers, e-mail addresses, notes).
MARKERS = ("Ottoline Ownermarker", "ottoline@ownerco.example", "Ownerco Markers BV", "Priscilla Promomarker",
           "Answer-marker-7731", "Rhiannon Refmarker", "Refco Markers", "rhiannon@refco.example",
           "Nps-reason-marker", "Ask-note-marker", "Quote-marker-4410", "import.person@markers.example",
           "Fenna Flagmarker", "Feedback-marker-5150")
# A's own customer knows these (her name is in her own header); everyone else must not see them.
HERS = {"Ottoline Ownermarker", "ottoline@ownerco.example", "Ownerco Markers BV", "Answer-marker-7731",
        "Quote-marker-4410", "Rhiannon Refmarker", "Refco Markers", "rhiannon@refco.example", "Nps-reason-marker",
        "Fenna Flagmarker", "Feedback-marker-5150"}
KNOWN_TO = {"cust_a": HERS, "promoter_a": {"Priscilla Promomarker", "Ownerco Markers BV"}}  # her colleague
REFUSED = (403, 404)


@dataclass
class World:
    users: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)


@pytest.fixture
def world(app, db) -> World:
    w = World()
    u = w.users
    u["lead_a"] = factories.make_user(SALES, name="Lead A")
    u["sales_a"] = factories.make_user(SALES, name="Sales A", manager=u["lead_a"])
    u["lead_b"] = factories.make_user(SALES, name="Lead B")
    u["sales_b"] = factories.make_user(SALES, name="Sales B", manager=u["lead_b"])
    u["marketer"] = factories.make_user(MARKETER)
    u["admin"] = factories.make_user(ADMIN)
    company_a = factories.make_company("Ownerco Markers BV", account_manager=u["sales_a"])
    company_b = factories.make_company("Otherco BV", account_manager=u["sales_b"])
    u["cust_a"] = factories.make_user(company=company_a, name="Ottoline Ownermarker", email="ottoline@ownerco.example")
    u["promoter_a"] = factories.make_user(company=company_a, name="Priscilla Promomarker")
    u["cust_b"] = factories.make_user(company=company_b, name="Bob Other")
    u["colleague_b"] = factories.make_user(company=company_b, name="Cora Other")
    a, i = u["cust_a"], w.ids

    level = factories.make_level(position=1)
    challenge = factories.make_challenge(level, type_key="question")
    i["challenge"] = challenge.id
    i["submission"] = factories.make_submission(a, challenge, data={"answer": "Answer-marker-7731"}).id
    quote = factories.make_challenge(level, type_key="quote")
    i["pending"] = factories.make_submission(a, quote, status=PENDING, data={"quote": "Quote-marker-4410"}).id
    i["redemption"] = factories.make_redemption(a, factories.make_reward(), status=REQUESTED).id
    referee = factories.make_referee(a, "Rhiannon Refmarker", company="Refco Markers", email="rhiannon@refco.example",
                                     stage=CONTACTED, route="contact")
    i["referee"] = referee.id
    i["flagged"] = factories.make_referee(a, "Fenna Flagmarker", email="fenna@ownerco.example", flag=FLAG_OWN_DOMAIN).id
    detractor = factories.make_nps_response(a, score=3, reason="Nps-reason-marker")
    factories.make_follow_up(detractor, assignee=u["sales_a"])
    factories.make_follow_up(detractor, assignee=u["sales_a"], kind="upsell", trigger="wants_more")
    factories.make_alert(detractor, recipient=u["sales_a"])
    i["nps"] = detractor.id
    factories.make_nps_response(u["promoter_a"], score=10)
    # Her reference offer is an approved level-2 contribution: with her promoter score, ready for the ask.
    factories.make_reference_offer(u["promoter_a"], 2, challenge=factories.make_challenge(
        level=factories.make_level(position=2), type_key="reference_call"))
    i["ask"] = factories.make_ask(u["promoter_a"], asked_by=u["sales_a"], outcome="later", note="Ask-note-marker",
                                  follow_up_on=today() - timedelta(days=1)).id
    survey = factories.make_survey(a, sent_by=u["sales_a"], expires_at=utcnow() + timedelta(days=7))
    i["survey"] = survey.id
    with app.test_request_context():  # the import speaks the uploader's language
        entry = imports.import_file(b"email,name,company,language\nimport.person@markers.example,Imported Person,Ownerco Markers BV,en\n",
                                    "people.csv", False, u["marketer"], max_bytes=1_000_000)
    i["report"] = entry.id
    i["company_a"], i["staff_a"] = company_a.id, u["sales_a"].id
    i["feedback"] = factories.make_feedback(a, "Feedback-marker-5150 about the points page").id
    i["dead_mail"] = factories.make_outbox_message(a.email, status=DEAD, attempts=9, last_error="550 refused").id
    db.session.commit()
    return w


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    url: str  # formatted with the world's ids
    refused: tuple[str, ...]  # parties that get a 403 or 404
    owner: str | None = None  # a party whose same request succeeds (after the refusals)
    data: tuple = ()

    def path(self, w: World) -> str:
        return self.url.format(**w.ids, cust_a=w.users["cust_a"].id, promoter_a=w.users["promoter_a"].id)


OTHER_CUSTOMERS = ("cust_b", "colleague_b", "promoter_a")  # another company's customers, and her own colleague
OTHER_SALES = ("sales_b", "lead_b")
NOT_STAFF = ("cust_a", "cust_b")
NOT_MARKETING = ("sales_a", "lead_a", "cust_a", "cust_b")

CASES = [
    # the customer's own things
    Case("customer.withdraw_consent", "POST", "/contributions/{pending}/withdraw", OTHER_CUSTOMERS + ("sales_a", "marketer"),
         owner="cust_a"),
    Case("referrals.referrer_feedback", "POST", "/referrals/{referee}/feedback", OTHER_CUSTOMERS + ("sales_a", "marketer"),
         data=(("feedback", "went well"),)),
    # the account manager's accounts
    Case("sales_pipeline.referral", "GET", "/sales/referrals/{referee}", OTHER_SALES + ("marketer",) + NOT_STAFF,
         owner="sales_a"),
    Case("sales_pipeline.move", "POST", "/sales/referrals/{referee}/stage", OTHER_SALES + ("marketer",) + NOT_STAFF,
         owner="sales_a", data=(("from_stage", "contacted"), ("to_stage", "meeting"))),
    Case("sales_pipeline.clear", "POST", "/sales/referrals/{flagged}/clear", OTHER_SALES + ("marketer",) + NOT_STAFF,
         owner="sales_a"),
    Case("sales_pipeline.reject", "POST", "/sales/referrals/{flagged}/reject", OTHER_SALES + ("marketer",) + NOT_STAFF,
         owner="sales_a", data=(("reason", "no"),)),
    Case("sales_ask.ask", "GET", "/sales/ask/{promoter_a}", OTHER_SALES + ("marketer",) + NOT_STAFF, owner="sales_a"),
    Case("sales_ask.ask", "POST", "/sales/ask/{promoter_a}", OTHER_SALES + ("marketer",) + NOT_STAFF,
         data=(("asked_on", "2026-01-05"), ("channel", "phone"), ("outcome", "yes"))),
    Case("sales_ask.claim", "POST", "/sales/ask/{promoter_a}/claim", OTHER_SALES + ("marketer",) + NOT_STAFF),
    # Reference offers: marketing and the account manager's side (a reference call is an ask).
    Case("reference_offers.offer", "GET", "/references/{promoter_a}", OTHER_SALES + NOT_STAFF, owner="sales_a"),
    Case("reference_offers.offer", "POST", "/references/{promoter_a}", OTHER_SALES + NOT_STAFF, owner="sales_a",
         data=(("called_on", (programme_today() - timedelta(days=1)).isoformat()), ("prospect", "Prospect BV"))),
    Case("sales_pipeline.ask_follow_up_done", "POST", "/sales/follow-ups/asks/{ask}/done",
         OTHER_SALES + ("marketer",) + NOT_STAFF),
    # A referral sales enter for one of their customers, and the owner of a referral.
    Case("sales_referrals.new", "GET", "/sales/customers/{cust_a}/referral", OTHER_SALES + ("marketer",) + NOT_STAFF,
         owner="sales_a"),
    Case("sales_referrals.new", "POST", "/sales/customers/{cust_a}/referral", OTHER_SALES + ("marketer",) + NOT_STAFF,
         owner="sales_a", data=(("name", "Nora Newmarker"), ("company", "Newco"), ("benefit", "They plan by hand."),
                                ("message_locale", "nl"), ("origin", "received"), ("ask", ""))),
    Case("sales_referrals.reassign", "POST", "/sales/referrals/{referee}/owner", OTHER_SALES + ("marketer",) + NOT_STAFF,
         data=(("owner", "1"),)),
    Case("sales_referrals.value", "POST", "/sales/referrals/{referee}/value", OTHER_SALES + ("marketer",) + NOT_STAFF,
         data=(("expected_value", "1000"),)),
    Case("nps.follow_up", "GET", "/nps/answers/{nps}", OTHER_SALES + NOT_STAFF, owner="sales_a"),
    Case("nps.follow_up", "POST", "/nps/answers/{nps}", OTHER_SALES + NOT_STAFF, owner="sales_a",
         data=(("status", "closed"), ("note", "done"))),
    Case("nps.upsell", "GET", "/nps/answers/{nps}/upsell", OTHER_SALES + NOT_STAFF, owner="sales_a"),
    Case("nps.upsell", "POST", "/nps/answers/{nps}/upsell", OTHER_SALES + NOT_STAFF, owner="sales_a",
         data=(("status", "closed"), ("outcome", "not_now"), ("note", "done"))),
    # marketing's records of a customer
    Case("admin_moderation.queue_review", "POST", "/admin/moderation/{pending}/review", NOT_MARKETING,
         data=(("decision", "approve"),)),
    Case("admin_moderation.fulfilment_fulfil", "POST", "/admin/fulfilment/{redemption}/fulfil", NOT_MARKETING),
    Case("admin_moderation.fulfilment_cancel", "POST", "/admin/fulfilment/{redemption}/cancel", NOT_MARKETING),
    Case("admin_feedback.queue_handle", "POST", "/admin/feedback/{feedback}", NOT_MARKETING, owner="marketer",
         data=(("action", "close"),)),
    Case("admin_participants.index_deactivate", "POST", "/admin/participants/{cust_a}/deactivate", NOT_MARKETING),
    Case("admin_participants.index_reactivate", "POST", "/admin/participants/{cust_a}/reactivate", NOT_MARKETING),
    Case("admin_participants.index_resend", "POST", "/admin/participants/{cust_a}/resend", NOT_MARKETING),
    Case("admin_participants.index_import_report", "GET", "/admin/participants/imports/{report}", NOT_MARKETING,
         owner="marketer"),
    Case("admin_participants.index_import_report_csv", "GET", "/admin/participants/imports/{report}/report.csv",
         NOT_MARKETING, owner="marketer"),
    # The participant page: marketing, and the account manager's side; its edits: marketing only.
    Case("participant.page", "GET", "/participants/{cust_a}", OTHER_SALES + NOT_STAFF, owner="sales_a"),
    Case("admin_participants.index_edit", "GET", "/admin/participants/{cust_a}/edit", NOT_MARKETING, owner="marketer"),
    Case("admin_participants.index_edit", "POST", "/admin/participants/{cust_a}/edit", NOT_MARKETING, owner="marketer",
         data=(("name", "Ottoline Renamed"), ("company", "Ownerco Markers BV"), ("locale", "en"))),
    Case("admin_participants.index_correct", "POST", "/admin/participants/{cust_a}/points", NOT_MARKETING,
         owner="marketer", data=(("points", "5"), ("reason", "Webinar"), ("request_key", "k" * 24))),
    # A customer's data and its erasure, and undelivered mail: admins only.
    Case("privacy.admin_export", "GET", "/admin/participants/{cust_a}/data.zip", NOT_MARKETING + ("marketer",),
         owner="admin"),
    Case("privacy.admin_erase", "GET", "/admin/participants/{cust_a}/erase", NOT_MARKETING + ("marketer",),
         owner="admin"),
    Case("privacy.admin_erase", "POST", "/admin/participants/{cust_a}/erase", NOT_MARKETING + ("marketer",),
         owner="admin", data=(("word", "ERASE"),)),
    Case("admin_outbox.retry", "POST", "/admin/outbox/{dead_mail}/retry", NOT_MARKETING + ("marketer",),
         owner="admin"),
    # Staff accounts: admins only. Companies: marketing and admins, never sales or customers.
    Case("admin_staff.index_person", "GET", "/admin/staff/{staff_a}", NOT_MARKETING + ("marketer",), owner="admin"),
    Case("admin_staff.index_role", "POST", "/admin/staff/{staff_a}/role", NOT_MARKETING + ("marketer",),
         data=(("role", "admin"),)),
    Case("admin_staff.index_manager", "POST", "/admin/staff/{staff_a}/manager", NOT_MARKETING + ("marketer",),
         data=(("manager", ""),)),
    Case("admin_staff.index_deactivate", "POST", "/admin/staff/{staff_a}/deactivate", NOT_MARKETING + ("marketer",)),
    Case("admin_staff.index_reactivate", "POST", "/admin/staff/{staff_a}/reactivate", NOT_MARKETING + ("marketer",)),
    Case("admin_staff.index_resend", "POST", "/admin/staff/{staff_a}/resend", NOT_MARKETING + ("marketer",)),
    Case("admin_staff.index_reset", "POST", "/admin/staff/{staff_a}/reset", NOT_MARKETING + ("marketer",),
         owner="admin"),
    # A sales person's chat alert channels (their own page has no id in it): admins only.
    Case("admin_chat.person", "GET", "/admin/chat-alerts/{staff_a}", NOT_MARKETING + ("marketer",), owner="admin"),
    Case("admin_chat.person", "POST", "/admin/chat-alerts/{staff_a}", NOT_MARKETING + ("marketer",),
         data=(("scope", "personal"), ("action", "save"), ("personal-kind", "slack"),
               ("personal-url", "http://127.0.0.1:9/hook"))),
    Case("admin_chat.person_test", "POST", "/admin/chat-alerts/{staff_a}/test", NOT_MARKETING + ("marketer",),
         data=(("scope", "personal"),)),
    Case("admin_companies.index_company", "GET", "/admin/companies/{company_a}", NOT_MARKETING, owner="marketer"),
    Case("admin_companies.index_rename", "POST", "/admin/companies/{company_a}/rename", NOT_MARKETING,
         owner="marketer", data=(("name", "Renamed Co"),)),
    Case("admin_companies.index_manager", "POST", "/admin/companies/{company_a}/account-manager", NOT_MARKETING,
         data=(("account_manager", "1"),)),
    Case("admin_companies.index_merge", "GET", "/admin/companies/{company_a}/merge?into=1", NOT_MARKETING),
    Case("admin_companies.index_merge", "POST", "/admin/companies/{company_a}/merge", NOT_MARKETING,
         data=(("into", "1"),)),
]
# Object URLs whose objects belong to the programme, not to a customer or account manager: the
# role walk (tests/test_access.py) covers them, and the customer sees them all alike.
SHARED = {
    "journey.challenge", "customer.claim_reward", "analytics.export",
    "identity.logo",  # the organisation's public logo; its version in the URL is no object of anyone's
    # Webhook endpoints and their deliveries: the programme's integrations, for admins only (the role walk).
    *(f"admin_webhooks.{name}" for name in ("edit", "rotate", "delete", "test", "log", "replay")),
    # A challenge's answers: the challenge is the programme's; the answers on it are scoped to the viewer's
    # accounts (LISTS and OWN_LISTS below walk them).
    "voice_answers.index_challenge", "voice_answers.index_challenge_export",
    *(f"admin_designer.{name}" for name in (
        "badges_activate", "badges_deactivate", "badges_delete", "badges_edit", "challenges_archive",
        "challenges_delete", "challenges_duplicate", "challenges_edit", "challenges_move", "challenges_preview",
        "challenges_publish", "challenges_unpublish", "levels_delete", "levels_edit", "levels_move", "levels_publish",
        "rewards_activate", "rewards_deactivate", "rewards_edit")),
}
# The REST API: a bearer token of an admin, who may read and change every object (the token's scopes
# decide what, walked in tests/api/test_tokens.py; every cookie role gets 401, tests/test_access.py).
# API tokens are the admins' together: every admin may revoke any, everyone else gets 403.
API = {"api_participants.get_participant", "api_participants.update", "api_companies.get_company",
       "api_companies.set_manager", "api_referrals.get_referral", "api_referrals.move", "admin_api_tokens.revoke"}
# Token URLs: the token is the capability (tested below and in their own areas).
TOKENS = {"auth.accept_invitation", "auth.reset_password", "referrals.landing", "referrals.confirm",
          "referrals.feedback", "referrals.objection", "nps.survey", "static"}

# Lists and pages where A's things would show up if scoping failed, per party that must not see them.
LISTS = {
    "cust_b": ["/", "/points", "/badges", "/rewards", "/contributions", "/referrals", "/profile", "/leaderboard",
               "/challenges/{challenge}", "/feedback"],
    "colleague_b": ["/", "/contributions", "/referrals", "/challenges/{challenge}", "/feedback"],
    "promoter_a": ["/", "/points", "/rewards", "/contributions", "/referrals", "/profile", "/leaderboard",
                   "/challenges/{challenge}", "/feedback"],
    "sales_b": ["/sales", "/sales/ask", "/sales/pipeline", "/sales/pipeline?view=table", "/sales/pipeline.csv",
                "/sales/referrals/new", "/sales/referrals/new?q=marker", "/sales/pipeline?q=marker",
                "/sales/review", "/sales/follow-ups", "/nps", "/nps/alerts", "/nps/follow-ups", "/nps/surveys/new",
                "/answers", "/answers/{challenge}", "/answers/{challenge}?q=marker", "/answers/{challenge}/export",
                "/references"],
    "lead_b": ["/sales", "/sales/ask", "/sales/pipeline?view=table", "/sales/pipeline.csv", "/sales/follow-ups",
               "/nps", "/nps/alerts", "/nps/follow-ups", "/nps/surveys/new", "/admin/analytics",
               "/answers/{challenge}", "/answers/{challenge}/export", "/references"],
}
# The same pages do show A's things to A's side (so the lists above are not empty by accident).
OWN_LISTS = {
    "cust_a": [("/contributions", "Quote-marker-4410"), ("/referrals", "Rhiannon Refmarker"),
               ("/feedback", "Feedback-marker-5150")],
    "sales_a": [("/sales/pipeline?view=table", "Rhiannon Refmarker"), ("/sales/review", "Fenna Flagmarker"), ("/sales/ask", "Priscilla Promomarker"),
                ("/sales/follow-ups", "Priscilla Promomarker"), ("/nps/follow-ups", "Ottoline Ownermarker"),
                ("/answers/{challenge}", "Answer-marker-7731"), ("/answers/{challenge}/export", "Answer-marker-7731"),
                ("/references", "Priscilla Promomarker")],
    "lead_a": [("/sales/pipeline?view=table", "Rhiannon Refmarker"), ("/nps/follow-ups", "Ottoline Ownermarker"),
               ("/answers/{challenge}", "Answer-marker-7731")],
}


def _as(client, user) -> None:
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def _request(app, client, method: str, url: str, data=(), htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    if method == "GET":
        return client.get(url, headers=headers)
    return client.post(url, data={"csrf_token": csrf_token(app, client), **dict(data)}, headers=headers)


def _leaks(text: str, party: str = "") -> list[str]:
    return [marker for marker in MARKERS if marker in text and marker not in KNOWN_TO.get(party, ())]


def _snapshot(db, w: World) -> tuple:
    """Everything a refused POST could have changed, read fresh."""
    db.session.expire_all()
    i, a = w.ids, w.users["cust_a"]
    referee, flagged = db.session.get(Referee, i["referee"]), db.session.get(Referee, i["flagged"])
    return (
        db.session.get(Submission, i["submission"]).consent_withdrawn_at,
        (db.session.get(Submission, i["pending"]).status, db.session.get(Submission, i["pending"]).consent_withdrawn_at),
        (referee.stage, referee.flag, referee.lost_reason,
         referee.referrer_feedback, flagged.flag, flagged.stage, referee.owner_id, db.session.query(Referee).count(),
         referee.expected_value_cents),
        db.session.get(Redemption, i["redemption"]).status,
        db.session.scalars(db.select(FollowUp.status)).all(),
        (db.session.get(Ask, i["ask"]).follow_up_on, db.session.query(Ask).count(),
         db.session.query(AskStatus).count()),
        (a.is_active, a.invited_at, a.name),
        _people(db, w),
        getattr(db.session.get(OutboxMessage, i["dead_mail"]), "status", None),  # erasure deletes it
        db.session.query(AuditEntry).count(),
        db.session.query(ReferenceCall).count(),
    )


def _people(db, w: World) -> tuple:
    sales_a = db.session.get(type(w.users["sales_a"]), w.ids["staff_a"])
    company = db.session.scalars(db.select(Company).where(Company.id == w.ids["company_a"])).first()
    return (sales_a.role, sales_a.manager_id, sales_a.is_active, sales_a.session_version,
            company and (company.name, company.account_manager_id), db.session.query(Company).count())


def test_every_object_url_is_walked(app):
    with_ids = {rule.endpoint for rule in app.url_map.iter_rules() if rule.arguments}
    walked = {case.endpoint for case in CASES}
    assert with_ids - walked - SHARED - TOKENS - API == set(), "add an object-level case (or say why it is shared)"
    assert walked | SHARED | TOKENS | API <= {rule.endpoint for rule in app.url_map.iter_rules()}, "stale names"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.endpoint}")
def test_another_party_is_refused_and_shown_nothing(app, client, db, world, case):
    url = case.path(world)
    before = _snapshot(db, world)
    failures = []
    for party in case.refused:
        for htmx in (False, True):
            _as(client, world.users[party])
            response = _request(app, client, case.method, url, case.data, htmx)
            body = response.get_data(as_text=True)
            if response.status_code not in REFUSED or _leaks(body, party):
                failures.append(f"{party} htmx={htmx}: {response.status_code} {_leaks(body, party)}")
    assert not failures, f"{case.method} {url}\n" + "\n".join(failures)
    assert _snapshot(db, world) == before, "a refused request changed something"
    if case.owner:
        _as(client, world.users[case.owner])
        response = _request(app, client, case.method, url, case.data)
        assert response.status_code in (200, 302, 303), f"{case.owner}: {case.method} {url} {response.status_code}"
        if case.method == "POST":
            assert _snapshot(db, world) != before, f"{case.owner}'s own {case.method} {url} changed nothing"


@pytest.mark.parametrize("party", list(LISTS))
def test_lists_of_another_party_show_nothing_of_theirs(app, client, db, world, party):
    _as(client, world.users[party])
    failures = []
    for template in LISTS[party]:
        url = template.format(**world.ids)
        for htmx in (False, True):
            response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
            body = response.get_data(as_text=True)
            if response.status_code >= 500 or _leaks(body, party):
                failures.append(f"{url} htmx={htmx}: {response.status_code} {_leaks(body, party)}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("party", list(OWN_LISTS))
def test_the_rightful_party_does_see_them(client, db, world, party):
    _as(client, world.users[party])
    for template, marker in OWN_LISTS[party]:
        url = template.format(**world.ids)
        response = client.get(url)
        assert response.status_code == 200, url
        assert marker in response.get_data(as_text=True), f"{party} should see {marker} on {url}"


def test_a_survey_link_opens_only_its_own_survey(app, client, db, world):
    with app.test_request_context():
        token = make_survey_token(db.session.get(Survey, world.ids["survey"]))
    _as(client, world.users["cust_b"])  # whoever holds the link answers it; a forged one opens nothing
    assert client.get(f"/s/{token}").status_code == 200
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for url in (f"/s/{forged}", f"/s/{token}x", f"/r/feedback/{token}", f"/r/object/{token}x"):
        response = client.get(url)
        assert response.status_code in (200, 404), url  # the objection page says "nothing left" with 200
        assert not _leaks(response.get_data(as_text=True)), url
