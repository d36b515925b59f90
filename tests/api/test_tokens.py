"""Personal access tokens: made by admins (shown once, stored hashed), revoked, expiring; and the
scope walk: a read token cannot write, and revoked, expired or orphaned tokens stop working."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.api.models import ApiToken
from app.api.tokens import SCOPES
from app.audit.models import AuditEntry
from app.dates import utcnow
from tests import factories
from tests.api.conftest import bearer

SECRET = re.compile(r'value="(ajt_[A-Za-z0-9_-]{20,})"')


def test_admin_makes_a_token_shown_once_and_stored_hashed(client, db, login_as, post_form):
    admin = login_as("admin")
    response = post_form("/admin/api-tokens", {"name": "CRM sync", "scopes": ["referrals:read", "referrals:write"],
                                               "days": "30"})
    assert response.status_code == 200
    secret = SECRET.search(response.text).group(1)
    token = db.session.scalar(select(ApiToken))
    assert token.owner_id == admin.id and token.scope_list == ["referrals:read", "referrals:write"]
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in token.secret_hash
    assert timedelta(days=29) < token.expires_at - utcnow() <= timedelta(days=30)
    listing = client.get("/admin/api-tokens").text
    assert "CRM sync" in listing and secret not in listing and token.prefix in listing
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.create"))
    assert entry.actor_id == admin.id and entry.details["scopes"] == ["referrals:read", "referrals:write"]
    assert client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


@pytest.mark.parametrize("form, problem", [
    ({"name": "", "scopes": ["nps:read"], "days": "30"}, "name"),
    ({"name": "No scopes", "days": "30"}, "scopes"),
    ({"name": "Too long", "scopes": ["nps:read"], "days": "366"}, "days"),
    ({"name": "Made up", "scopes": ["nps:write"], "days": "30"}, "scopes"),
])
def test_bad_token_form_comes_back_with_what_was_typed(client, db, login_as, post_form, form, problem):
    login_as("admin")
    response = post_form("/admin/api-tokens", form)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text and f'id="{problem}-error"' in response.text
    if form["name"]:
        assert f'value="{form["name"]}"' in response.text
    assert db.session.scalar(select(ApiToken)) is None


def test_bad_token_form_with_htmx_is_422_too(client, login_as, post_form):
    login_as("admin")
    response = post_form("/admin/api-tokens", {"name": "x", "days": "0"}, htmx=True)
    assert response.status_code == 422 and "<html" not in response.text


def test_revoke_stops_the_token_and_is_audited(client, db, login_as, post_form, make_token):
    admin = login_as("admin")
    token = make_token("nps:read", owner=admin)
    assert client.get("/api/v1/nps", headers=bearer(token)).status_code == 200
    response = post_form(f"/admin/api-tokens/{token.id}/revoke")
    assert response.status_code == 303
    assert client.get("/api/v1/nps", headers=bearer(token)).status_code == 401
    assert post_form(f"/admin/api-tokens/{token.id}/revoke").status_code == 303  # twice: says so, no second entry
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "ApiToken")).all()
    assert actions == ["api_token.revoke"]


@pytest.mark.parametrize("role", ["marketer", "sales", "customer"])
def test_only_admins_manage_tokens(client, login_as, post_form, role):
    login_as(role)
    assert client.get("/admin/api-tokens").status_code == 403
    assert post_form("/admin/api-tokens", {"name": "x", "scopes": ["nps:read"], "days": "1"}).status_code == 403


def test_cli_prints_a_working_token(app, db, client):
    admin = factories.make_user("admin", email="boss@example.com")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["create-api-token", "--owner", "boss@example.com", "--scopes", "all",
                                                "--days", "1"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    token = db.session.scalar(select(ApiToken).where(ApiToken.owner_id == admin.id))
    assert token.scope_list == list(SCOPES)
    assert client.get("/api/v1/points", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    bad = app.test_cli_runner().invoke(args=["create-api-token", "--owner", "boss@example.com", "--scopes", "x:y"])
    assert bad.exit_code != 0 and "Unknown scopes" in bad.output


def test_cli_refuses_a_non_admin_owner(app, db):
    factories.make_user("marketer", email="mark@example.com")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["create-api-token", "--owner", "mark@example.com"])
    assert result.exit_code != 0


# --- the scope walk ------------------------------------------------------------------------------

WRITES = [
    ("post", "/api/v1/participants", "participants"),
    ("patch", "/api/v1/participants/1", "participants"),
    ("patch", "/api/v1/companies/1", "companies"),
    ("post", "/api/v1/referrals", "referrals"),
    ("post", "/api/v1/referrals/1/stage", "referrals"),
    ("post", "/api/v1/points/corrections", "points"),
]
READS = [("/api/v1/participants", "participants"), ("/api/v1/companies", "companies"),
         ("/api/v1/referrals", "referrals"), ("/api/v1/nps", "nps"), ("/api/v1/content", "content"),
         ("/api/v1/points", "points")]


def test_a_read_token_cannot_write(client, make_token):
    token = make_token(" ".join(s for s in SCOPES if s.endswith(":read")))
    for method, url, resource in WRITES:
        response = getattr(client, method)(url, json={}, headers=bearer(token))
        assert response.status_code == 403, (url, response.status_code)
        assert response.get_json(force=True)["errors"] == {"scope": [f"{resource}:write"]}
    for url, _resource in READS:
        assert client.get(url, headers=bearer(token)).status_code == 200, url


def test_a_scope_covers_its_own_resource_only(client, make_token):
    token = make_token("referrals:read referrals:write")
    for url, resource in READS:
        assert client.get(url, headers=bearer(token)).status_code == (200 if resource == "referrals" else 403), url


def test_a_write_token_does_not_read(client, make_token):
    token = make_token("points:write")
    assert client.get("/api/v1/points", headers=bearer(token)).status_code == 403


@pytest.mark.parametrize("change", ["revoked", "expired", "deactivated", "demoted"])
def test_tokens_that_stop_working_get_401(client, db, make_token, change):
    token = make_token()
    assert client.get("/api/v1/referrals", headers=bearer(token)).status_code == 200
    if change == "revoked":
        token.revoked_at = utcnow()
    elif change == "expired":
        token.expires_at = utcnow() - timedelta(seconds=1)
    elif change == "deactivated":
        token.owner.is_active = False
    else:
        token.owner.role = "marketer"
    db.session.commit()
    for method, url, _resource in WRITES:
        assert getattr(client, method)(url, json={}, headers=bearer(token)).status_code == 401, url
    for url, _resource in READS:
        assert client.get(url, headers=bearer(token)).status_code == 401, url


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nonsense", "Basic YWRtaW46YWRtaW4=", "Bearer ajt_made_up_token"])
def test_no_or_unknown_token_gets_401(client, header):
    headers = {"Authorization": header} if header else {}
    for url, _resource in READS:
        assert client.get(url, headers=headers).status_code == 401


def test_a_signed_in_admin_without_a_token_gets_401_everywhere(client, login_as, post_form):
    login_as("admin")
    for url, _resource in READS:
        assert client.get(url).status_code == 401
    for method, url, _resource in WRITES:
        assert getattr(client, method)(url, json={}).status_code == 401


def test_last_use_is_noted(client, db, make_token):
    token = make_token()
    assert token.last_used_at is None
    client.get("/api/v1/nps", headers=bearer(token))
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at is not None
