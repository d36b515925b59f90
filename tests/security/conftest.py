"""Fixtures for the security tests: an app started the way production starts it (from the
environment, APP_ENV=production), and a real Redis for the rate-limit counters."""
from __future__ import annotations

import pytest
from itsdangerous import URLSafeTimedSerializer
from limits.storage import MemoryStorage, RedisStorage

from app import create_app
from app.extensions import db, limiter
from tests.conftest import REDIS_URL, base_config

BASE_URL = "https://portal.test"


@pytest.fixture
def production_app(app, tmp_path, monkeypatch):
    """`start(**env)`: a production app configured from the environment (BASE_URL, REDIS_URL,
    PROXY_COUNT... as an operator sets them), on an SQLite file of its own. Creating it rebinds the
    shared limiter; the session app gets it back afterwards."""
    started = []

    def start(**env: str):
        monkeypatch.setenv("APP_ENV", "production")
        monkeypatch.setenv("SECRET_KEY", "production-test-secret")
        monkeypatch.setenv("BASE_URL", BASE_URL)
        monkeypatch.setenv("REDIS_URL", REDIS_URL)
        for name in ("TRUSTED_HOSTS", "PROXY_COUNT", "WORKERS", "WEB_CONCURRENCY"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        overrides = {key: value for key, value in base_config(tmp_path).items()
                     if key in ("TESTING", "MAIL_DELIVER_ON_COMMIT", "JOBS_KICK_ON_COMMIT")}
        overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path}/production-{len(started)}.db"
        overrides["SESSION_COOKIE_SECURE"] = overrides["REMEMBER_COOKIE_SECURE"] = False  # http test client
        production = create_app(overrides)
        with production.app_context():
            db.create_all()
        started.append(production)
        return production

    yield start
    for production in started:
        with production.app_context():
            db.session.remove()
            db.engine.dispose()
    if isinstance(limiter.storage, RedisStorage):
        limiter.storage.get_connection().close()
    limiter.init_app(app)
    assert isinstance(limiter.storage, MemoryStorage)


def production_csrf(app, client, host: str = "portal.test") -> str:
    """A valid CSRF token for `client` on `host` (the session app's helper assumes portal.test
    as SERVER_NAME; a production app answers only to its trusted hosts)."""
    raw = "t" * 40
    with client.session_transaction(base_url=f"http://{host}") as session:
        session["csrf_token"] = raw
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token").dumps(raw)
