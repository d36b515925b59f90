"""The API's frame: the OpenAPI 3.1 document, problem details for every error, no cookies, no CSRF,
the rate limit per token."""
from __future__ import annotations

import pytest

from tests import factories
from tests.api.conftest import bearer

PROBLEM = "application/problem+json"


def _is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.data
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    return body


def test_openapi_document_is_3_1_and_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    assert {"/api/v1/participants", "/api/v1/companies/{company_id}", "/api/v1/referrals/{referee_id}/stage",
            "/api/v1/nps", "/api/v1/content", "/api/v1/points", "/api/v1/points/corrections"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "A personal access token made by an admin."}
    move = spec["paths"]["/api/v1/referrals/{referee_id}/stage"]["post"]
    assert move["security"] == [{"bearerAuth": ["referrals:write"]}]
    default = spec["components"]["responses"]["DEFAULT_ERROR"]
    assert list(default["content"]) == [PROBLEM]


@pytest.mark.parametrize("path", ["/api/v1/swagger-ui", "/api/v1/redoc", "/api/v1/rapidoc"])
def test_no_cdn_loaded_ui(client, path):
    _is_problem(client.get(path), 404)


def test_missing_token_is_401_problem(client):
    response = client.get("/api/v1/referrals")
    body = _is_problem(response, 401)
    assert body["type"].endswith("/api/v1/docs#problem-unauthenticated")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_path_and_wrong_method_are_problems(client, auth):
    _is_problem(client.get("/api/v1/nothing-here", headers=auth), 404)
    response = client.delete("/api/v1/referrals", headers=auth)
    _is_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_unknown_object_is_404_problem(client, auth):
    _is_problem(client.get("/api/v1/referrals/999999", headers=auth), 404)
    _is_problem(client.get("/api/v1/participants/999999", headers=auth), 404)


def test_invalid_input_is_422_problem_with_errors(client, auth):
    body = _is_problem(client.get("/api/v1/referrals?stage=somewhere&limit=1000", headers=auth), 422)
    assert set(body["errors"]["query"]) == {"stage", "limit"}
    body = _is_problem(client.post("/api/v1/referrals", json={"name": "x"}, headers=auth), 422)
    assert "referrer_id" in body["errors"]["json"]


def test_malformed_json_is_a_problem(client, auth):
    response = client.post("/api/v1/referrals", data="{not json", headers={**auth, "Content-Type": "application/json"})
    assert response.status_code in (400, 422) and response.mimetype == PROBLEM


def test_a_cookie_session_does_not_authenticate_and_no_cookie_is_set(client, login_as):
    login_as("admin")
    response = client.get("/api/v1/participants")
    _is_problem(response, 401)
    assert "Set-Cookie" not in response.headers


def test_api_responses_set_no_cookie(client, auth):
    response = client.get("/api/v1/participants", headers=auth)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_writes_need_no_csrf_token(client, auth, db):
    customer = factories.make_user()
    db.session.commit()
    response = client.post("/api/v1/points/corrections", headers=auth,
                           json={"user_id": customer.id, "points": 5, "reason": "Welcome gift"})
    assert response.status_code == 201, response.data


def test_rate_limit_per_token_answers_429_problem_with_retry_after(app, client, make_token, monkeypatch):
    from app.extensions import limiter

    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    limiter.reset()
    first, second = bearer(make_token()), bearer(make_token())
    try:
        for _ in range(3):
            assert client.get("/api/v1/nps", headers=first).status_code == 200
        response = client.get("/api/v1/nps", headers=first)
        _is_problem(response, 429)
        assert int(response.headers["Retry-After"]) >= 1
        assert client.get("/api/v1/nps", headers=second).status_code == 200  # another token counts apart
    finally:
        limiter.reset()


def test_server_error_is_a_500_problem(app, client, auth, monkeypatch):
    from app.api import feeds

    def broken(*_args, **_kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(feeds, "page_of", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(app, "testing", False)
    _is_problem(client.get("/api/v1/nps", headers=auth), 500)
