"""Every endpoint declares who may use it; this walks the URL map × every role."""
from __future__ import annotations

import pytest

from app import create_app
from app.security import access_of, public
from tests.conftest import base_config

ROLES = ["anonymous", "customer", "marketer", "sales", "admin"]
TO_LOGIN = "login"  # a redirect to /login

# endpoint -> expected status per role (anonymous, customer, marketer, sales, admin)
EXPECTED = {
    "static": (200, 200, 200, 200, 200),
    "main.healthz": (200, 200, 200, 200, 200),
    "auth.login": (200, 303, 303, 303, 303),
    "auth.forgot_password": (200, 200, 200, 200, 200),
    "auth.accept_invitation": (404, 404, 404, 404, 404),  # a made-up token
    "auth.reset_password": (404, 404, 404, 404, 404),
    "auth.logout": (TO_LOGIN, 303, 303, 303, 303),
    "main.set_language": (422, 422, 422, 422, 422),  # posted without a language
    "main.home": (TO_LOGIN, 200, 302, 302, 302),
    "workspaces.marketing": (TO_LOGIN, 403, 200, 403, 200),
    "workspaces.sales": (TO_LOGIN, 403, 403, 200, 200),
    "journey.challenge": (TO_LOGIN, 404, 403, 403, 403),  # a challenge that does not exist
    "journey.notifications_read": (TO_LOGIN, 303, 403, 403, 403),
    "admin_audit.index": (TO_LOGIN, 403, 403, 403, 200),
    "admin_audit.export": (TO_LOGIN, 403, 403, 403, 200),
    "admin_outbox.index": (TO_LOGIN, 403, 403, 403, 200),
    "admin_outbox.retry": (TO_LOGIN, 403, 403, 403, 404),  # a message that does not exist
    "customer.points": (TO_LOGIN, 200, 403, 403, 403),
    "customer.badges": (TO_LOGIN, 200, 403, 403, 403),
    "customer.rewards": (TO_LOGIN, 200, 403, 403, 403),
    "customer.claim_reward": (TO_LOGIN, 404, 403, 403, 403),  # a reward that does not exist
    "customer.contributions": (TO_LOGIN, 200, 403, 403, 403),
    "customer.withdraw_consent": (TO_LOGIN, 404, 403, 403, 403),  # a submission that does not exist
    "customer.profile": (TO_LOGIN, 200, 403, 403, 403),
    "customer.leaderboard": (TO_LOGIN, 200, 403, 403, 403),
    "nps.follow_up": (TO_LOGIN, 403, 404, 404, 404),  # an answer that does not exist
    "nps.overview": (TO_LOGIN, 403, 200, 200, 200),
    "nps.overview_alerts": (TO_LOGIN, 403, 200, 200, 200),
    "nps.overview_alerts_read": (TO_LOGIN, 403, 303, 303, 303),
    "nps.overview_follow_ups": (TO_LOGIN, 403, 200, 200, 200),
    "nps.surveys_new": (TO_LOGIN, 403, 200, 200, 200),
    "nps.survey": (404, 404, 404, 404, 404),  # a made-up token
}
SAMPLE_ARGS = {
    "filename": "app.css", "token": "not-a-real-token", "challenge_id": 999999, "reward_id": 999999,
    "submission_id": 999999, "response_id": 999999, "message_id": 999999,
}


from tests.access_tables import (  # noqa: E402
    analytics,
    api,
    chat,
    designer,
    economics,
    feedback,
    identity,
    moderation,
    participants,
    people,
    privacy,
    referrals,
    sales_ask,
    sales_loop,
    terms,
    voice_answers,
    voice_nps,
    voice_people,
    webhooks,
)

for _area in (analytics, api, chat, designer, economics, feedback, identity, moderation, participants, people, privacy, referrals,
              sales_ask, terms, voice_answers, voice_nps, voice_people, sales_loop, webhooks):
    assert not set(_area.EXPECTED) & set(EXPECTED), "an endpoint is listed twice"
    EXPECTED.update(_area.EXPECTED)
    SAMPLE_ARGS.update(_area.SAMPLE_ARGS)


def _url_for_rule(app, rule) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{arg: SAMPLE_ARGS[arg] for arg in rule.arguments})


def undeclared_endpoints(app) -> list[str]:
    with app.app_context():
        return sorted(rule.endpoint for rule in app.url_map.iter_rules() if access_of(rule.endpoint) is None)


def test_every_endpoint_declares_access(app):
    assert undeclared_endpoints(app) == []


def test_every_endpoint_is_in_the_expected_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(EXPECTED) == set(), "add these endpoints to EXPECTED"
    assert set(EXPECTED) - endpoints == set(), "these endpoints no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_role_by_url(app, client, login_as, post_form, role):
    if role != "anonymous":
        login_as(role)
    failures = []
    for rule in app.url_map.iter_rules():
        url = _url_for_rule(app, rule)
        expected = EXPECTED[rule.endpoint][ROLES.index(role)]
        if "GET" in rule.methods:
            response = client.get(url)
        else:
            response = post_form(url)
        response.close()
        if expected == TO_LOGIN:
            ok = response.status_code == 302 and response.headers["Location"].startswith("/login")
        else:
            ok = response.status_code == expected
        if not ok:
            failures.append(
                f"{rule.endpoint} {url}: expected {expected}, got {response.status_code} {response.headers.get('Location')}"
            )
        if rule.endpoint == "auth.logout" and role != "anonymous":
            login_as(role)  # signed out by the walk; sign in again for the rest
    assert not failures, "\n".join(failures)


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get("/admin?page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/admin?page%3D2"


def test_anonymous_htmx_request_gets_hx_redirect_to_login(client):
    response = client.get("/sales", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=/sales")


def test_undeclared_endpoint_is_refused_and_reported(tmp_path):
    app = create_app({**base_config(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})

    @app.route("/forgotten")
    def forgotten():
        return "should never be served"

    @app.route("/open")
    @public
    def open_page():
        return "fine"

    assert undeclared_endpoints(app) == ["forgotten"]
    client = app.test_client()
    assert client.get("/forgotten").status_code == 403
    assert client.get("/open").status_code == 200


def test_admin_may_use_staff_pages_but_not_customer_only_ones(app):
    from app.security import customers_only, roles

    assert "admin" in roles("sales")(lambda: None)._access
    assert "admin" not in customers_only(lambda: None)._access


@pytest.mark.parametrize("role", ["customer", "sales"])
def test_customers_and_sales_get_403_on_every_admin_fragment(app, client, login_as, post_form, role):
    """The same refusal when the request comes from htmx (a fragment), on every marketing route."""
    login_as(role)
    failures = []
    for rule in app.url_map.iter_rules():
        if not (rule.endpoint.startswith("admin_") or rule.endpoint == "workspaces.marketing"):
            continue
        url = _url_for_rule(app, rule)
        if "GET" in rule.methods:
            response = client.get(url, headers={"HX-Request": "true"})
        else:
            response = post_form(url, htmx=True)
        if response.status_code != 403 or "<html" in response.text:
            failures.append(f"{rule.endpoint} {url}: {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ["customer", "marketer"])
def test_customers_and_marketers_get_403_on_every_sales_route_and_fragment(app, client, login_as, post_form, role):
    """/sales is for account managers: the same refusal for a page and for an htmx fragment."""
    login_as(role)
    failures = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/sales"):
            continue
        url = _url_for_rule(app, rule)
        for htmx in (False, True):
            if "GET" in rule.methods:
                response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
            else:
                response = post_form(url, htmx=htmx)
            if response.status_code != 403 or (htmx and "<html" in response.text):
                failures.append(f"{rule.endpoint} {url} htmx={htmx}: {response.status_code}")
    assert not failures, "\n".join(failures)
