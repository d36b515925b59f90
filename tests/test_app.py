"""Configuration, health check, security headers."""
from __future__ import annotations

import pytest

from app import create_app
from app.config import ConfigError, load_config
from app.security import is_safe_redirect
from tests.conftest import base_config


def test_secret_key_is_generated_once_into_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("APP_ENV", raising=False)
    first = load_config(str(tmp_path))["SECRET_KEY"]
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert load_config(str(tmp_path))["SECRET_KEY"] == first


@pytest.fixture
def production(monkeypatch):
    """APP_ENV=production with everything it needs; a test takes away what it checks."""
    for name in ("WORKERS", "WEB_CONCURRENCY", "TRUSTED_HOSTS", "PROXY_COUNT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("BASE_URL", "https://ambassadors.example.com/")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    return monkeypatch


def test_production_refuses_to_start_without_a_secret(tmp_path, production):
    production.delenv("SECRET_KEY")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(str(tmp_path))
    production.setenv("SECRET_KEY", "from-the-environment")
    config = load_config(str(tmp_path))
    assert config["SECRET_KEY"] == "from-the-environment"
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]


def test_production_refuses_to_start_without_a_base_url(tmp_path, production):
    production.delenv("BASE_URL")
    with pytest.raises(ConfigError, match="BASE_URL"):
        load_config(str(tmp_path))
    production.setenv("BASE_URL", "ambassadors.example.com")  # no scheme: not a URL we can link to
    with pytest.raises(ConfigError, match="BASE_URL"):
        load_config(str(tmp_path))


def test_production_trusts_the_base_url_host_and_the_listed_ones(tmp_path, production):
    config = load_config(str(tmp_path))
    assert config["BASE_URL"] == "https://ambassadors.example.com"
    assert config["TRUSTED_HOSTS"] == ["ambassadors.example.com"]
    production.setenv("TRUSTED_HOSTS", "www.example.com, .internal.example")
    assert load_config(str(tmp_path))["TRUSTED_HOSTS"] == ["ambassadors.example.com", "www.example.com", ".internal.example"]


def test_development_answers_any_host(tmp_path, monkeypatch):
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    monkeypatch.delenv("BASE_URL", raising=False)
    config = load_config(str(tmp_path))
    assert config["TRUSTED_HOSTS"] is None and config["BASE_URL"].startswith("http://127.0.0.1:")
    assert config["PROXY_COUNT"] == 0  # no X-Forwarded-* header is believed unless configured


@pytest.mark.parametrize("workers", [None, "4"])
def test_production_refuses_in_memory_limits_unless_one_worker(tmp_path, production, workers):
    """In memory every worker process counts on its own: production needs Redis, unless WORKERS=1
    (or gunicorn's WEB_CONCURRENCY=1) says exactly one process serves the app."""
    production.delenv("REDIS_URL")
    if workers:
        production.setenv("WEB_CONCURRENCY", workers)
    with pytest.raises(ConfigError, match="REDIS_URL"):
        load_config(str(tmp_path))
    production.setenv("WORKERS", "1")
    config = load_config(str(tmp_path))
    assert config["RATELIMIT_STORAGE_URI"] == "memory://" and config["WORKERS"] == 1


def test_database_and_redis_urls_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db:5432/aj")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db:5432/aj"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.delenv("REDIS_URL")
    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/ambassador.db"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {
        "status": "ok", "dead_mail": 0, "worker": {"status": "missing", "heartbeat_age_seconds": None},
        "outbox": {"pending": 0, "oldest_pending_age_seconds": None}}


def test_healthz_503_when_the_database_does_not_answer(tmp_path, monkeypatch):
    app = create_app({**base_config(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"})
    monkeypatch.setattr(app.logger, "disabled", True)  # the "app" logger is shared by every app instance
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json == {"status": "unavailable"}
    assert response.headers["Retry-After"]


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "HX-Request" in response.headers["Vary"]
    assert "<script>" not in response.text and " style=" not in response.text and "onclick" not in response.text


def test_signed_in_pages_are_not_cached(client, login_as):
    login_as("customer")
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_cookies_are_secure_over_https(tmp_path, monkeypatch):
    monkeypatch.setenv("HTTPS", "1")
    app = create_app({**base_config(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/h.db"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = app.test_client().get("/login", base_url="https://portal.test")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_too_large_request_gets_413_page(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    response = client.post("/login", data={"email": "x" * 5000}, headers={"Accept-Language": "en"})
    assert response.status_code == 413 and "That is too large" in response.text


def test_csrf_is_required_for_forms_and_htmx(client, db, csrf):
    missing = client.post("/login", data={"email": "a@b.com", "password": "x"}, headers={"Accept-Language": "en"})
    assert missing.status_code == 400 and "This form has expired" in missing.text
    via_header = client.post("/login", data={"email": "a@b.com", "password": "x"},
                             headers={"X-CSRFToken": csrf(), "HX-Request": "true"})
    assert via_header.status_code == 422


def test_unknown_url_and_wrong_method(client):
    assert client.get("/does-not-exist").status_code == 404
    response = client.put("/login")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


def test_unexpected_error_gets_500_page_in_language(app, tmp_path, monkeypatch):
    broken = create_app({**base_config(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/b.db",
                         "TESTING": False, "PROPAGATE_EXCEPTIONS": False})
    monkeypatch.setattr(broken.logger, "disabled", True)

    from app.security import public

    @broken.route("/boom")
    @public
    def boom():
        raise RuntimeError("kaboom")

    response = broken.test_client().get("/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text and "kaboom" not in response.text
    htmx = broken.test_client().get("/boom", headers={"HX-Request": "true"})
    assert htmx.status_code == 500 and "<html" not in htmx.text


@pytest.mark.parametrize(
    "target,safe",
    [("/", True), ("/sales?page=2", True), ("//evil.example", False), ("https://evil.example", False),
     ("/\\evil.example", False), ("", False), (None, False), ("javascript:alert(1)", False), ("/ok\r\nX: y", False)],
)
def test_safe_redirects(target, safe):
    assert is_safe_redirect(target) is safe


@pytest.mark.parametrize("url", ["/challenges/99999999999999999999", "/challenges/2147483648"])
def test_ids_beyond_the_database_range_are_404(client, login_as, url):
    login_as("customer")
    assert client.get(url).status_code == 404
