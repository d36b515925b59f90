"""Clean failure: with the database down, hanging or too slow, every page answers the app's own 503
page with the security headers within seconds, and the health check says so; the error handler never
touches a broken connection. The fake databases run in-process; the shared PostgreSQL is never stopped."""
from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app import create_app, errors
from app.extensions import db
from app.security import public
from tests.conftest import PG_URL, base_config
from tests.helpers import free_port

BOUND = 5  # seconds: the "answers within 5 s"; everything here should take 3 s or less


@contextmanager
def hanging_database():
    """A server that accepts connections and never says a word: PostgreSQL hanging. Gives its port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()


def production_app(tmp_path, monkeypatch, database_url: str, **settings) -> Flask:
    """Configured as production runs it: settings from the environment, errors not propagated."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    for name, value in settings.items():
        monkeypatch.setenv(name, str(value))
    config = {**base_config(tmp_path), "TESTING": False, "PROPAGATE_EXCEPTIONS": False}
    del config["SQLALCHEMY_DATABASE_URI"]  # from DATABASE_URL, with the engine options it implies
    app = create_app(config)
    monkeypatch.setattr(app.logger, "disabled", True)
    return app


def signed_in_client(app: Flask):
    client = app.test_client()
    with client.session_transaction() as session:  # a signed-in visitor's cookie; no database needed
        session["_user_id"] = "1:0"
        session["_fresh"] = True
    return client


def timed(call):
    start = time.monotonic()
    response = call()
    return response, time.monotonic() - start


def assert_unavailable_page(response, elapsed: float) -> None:
    assert response.status_code == 503, response.text[:500]
    assert elapsed < BOUND
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["X-Frame-Options"] == "DENY"
    assert int(response.headers["Retry-After"]) > 0
    assert "Temporarily unavailable" in response.text


@pytest.fixture
def stopped_database_url():
    return f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/ambassador"  # nothing listens there


def test_with_postgresql_stopped_pages_answer_the_apps_503_page(tmp_path, monkeypatch, stopped_database_url):
    app = production_app(tmp_path, monkeypatch, stopped_database_url)
    client = signed_in_client(app)
    for path in ("/", "/points", "/admin"):
        assert_unavailable_page(*timed(lambda path=path: client.get(path, headers={"Accept-Language": "en"})))
    fragment = client.get("/", headers={"HX-Request": "true", "Accept-Language": "en"})
    assert fragment.status_code == 503 and "<html" not in fragment.text
    dutch = client.get("/", headers={"Accept-Language": "nl"})
    assert dutch.status_code == 503 and "Tijdelijk niet beschikbaar" in dutch.text
    health, elapsed = timed(lambda: client.get("/healthz"))
    assert health.status_code == 503 and health.json == {"status": "unavailable"} and elapsed < BOUND


def test_with_postgresql_hanging_pages_and_healthz_answer_503_within_5_seconds(tmp_path, monkeypatch):
    with hanging_database() as port:
        app = production_app(tmp_path, monkeypatch, f"postgresql+psycopg://postgres@127.0.0.1:{port}/ambassador")
        client = signed_in_client(app)
        assert_unavailable_page(*timed(lambda: client.get("/", headers={"Accept-Language": "en"})))
        health, elapsed = timed(lambda: client.get("/healthz"))
        assert health.status_code == 503 and elapsed < BOUND


def test_timeouts_have_sane_defaults_and_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db:5432/aj")
    from app.config import load_config

    options = load_config(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"] == {"connect_timeout": 3, "options": "-c statement_timeout=15000"}
    monkeypatch.setenv("DB_CONNECT_TIMEOUT", "5")
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT", "0.5")
    options = load_config(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"] == {"connect_timeout": 5, "options": "-c statement_timeout=500"}
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    assert "connect_args" not in load_config(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]


@pytest.mark.postgres
def test_a_statement_over_the_timeout_is_cancelled_and_answers_503(tmp_path, monkeypatch):
    app = production_app(tmp_path, monkeypatch, PG_URL, DB_STATEMENT_TIMEOUT=0.5)

    @app.route("/slow")
    @public
    def slow():
        db.session.execute(text("SELECT pg_sleep(10)"))
        return "never"

    assert_unavailable_page(*timed(lambda: app.test_client().get("/slow", headers={"Accept-Language": "en"})))
    with app.app_context():
        db.engine.dispose()


def _app_with_route(tmp_path, monkeypatch, view) -> Flask:
    app = production_app(tmp_path, monkeypatch, f"sqlite:///{tmp_path}/f.db")
    app.add_url_rule("/fails", "fails", public(view))
    return app


def test_the_503_handler_never_touches_the_broken_connection(tmp_path, monkeypatch):
    def lost_connection():
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    app = _app_with_route(tmp_path, monkeypatch, lost_connection)

    def rollback_hangs(*args, **kwargs):
        raise AssertionError("the handler must not roll back on a broken connection")

    monkeypatch.setattr(db.session, "rollback", rollback_hangs)
    response = signed_in_client(app).get("/fails", headers={"Accept-Language": "en"})
    assert response.status_code == 503 and "Temporarily unavailable" in response.text
    assert response.headers["Content-Security-Policy"]


def test_a_failing_rollback_after_a_bug_still_gives_the_500_page(tmp_path, monkeypatch):
    def bug():
        raise RuntimeError("kaboom")

    app = _app_with_route(tmp_path, monkeypatch, bug)

    def rollback_fails(*args, **kwargs):
        raise OperationalError("ROLLBACK", {}, Exception("connection already closed"))

    monkeypatch.setattr(db.session, "rollback", rollback_fails)
    response = app.test_client().get("/fails", headers={"Accept-Language": "en"})
    assert response.status_code == 500 and "Something went wrong on our side" in response.text
    assert "kaboom" not in response.text and response.headers["Content-Security-Policy"]


def test_when_the_error_page_itself_fails_a_plain_page_of_ours_answers_with_the_headers(tmp_path, monkeypatch):
    def bug():
        raise RuntimeError("kaboom")

    app = _app_with_route(tmp_path, monkeypatch, bug)
    normal = app.test_client().get("/login")

    def broken_render(*args, **kwargs):
        raise RuntimeError("the template is broken too")

    monkeypatch.setattr(errors, "render", broken_render)
    monkeypatch.setattr(errors.log, "disabled", True)
    response = app.test_client().get("/fails")
    assert response.status_code == 500 and "Something went wrong on our side" in response.text
    assert "Er ging iets mis" in response.text and "kaboom" not in response.text
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
                   "Cross-Origin-Opener-Policy", "Permissions-Policy"):
        assert response.headers[header] == normal.headers[header], header


def test_send_mail_says_the_database_does_not_answer(tmp_path, monkeypatch, stopped_database_url):
    app = production_app(tmp_path, monkeypatch, stopped_database_url)
    once = app.test_cli_runner().invoke(args=["send-mail"])
    assert once.exit_code == 1 and "The database does not answer" in once.output
