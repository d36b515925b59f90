"""Fixtures: app, db, client, runner, login_as, htmx helpers. SQLite by default,
PostgreSQL when TEST_DATABASE_URL is set."""
from __future__ import annotations

import os
import re
from contextlib import contextmanager

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event, text

from flask import g, has_app_context
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db as _db
from tests import factories

PG_URL = os.environ.get("TEST_DATABASE_URL")


def _ensure_pg_database(url: str) -> None:
    """Create the test database if it is missing (connects to the server's postgres database)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def base_config(tmp_dir) -> dict:
    url = PG_URL or f"sqlite:///{tmp_dir}/test.db"
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        # The limiter runs in every test (so its code path is covered) with limits no test reaches;
        # the rate-limit tests lower them and reset the counters.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "PUBLIC_FORM_RATE_LIMIT": "100000 per minute",
        "MAIL_DELIVER_ON_COMMIT": False,
        "SERVER_NAME": "portal.test",
    }


def pytest_collection_modifyitems(config, items):
    """Without TEST_DATABASE_URL the PostgreSQL-only tests are deselected, not skipped: CI treats
    any skip as a failure, and its PostgreSQL run sets REQUIRE_POSTGRES."""
    if PG_URL:
        return
    if os.environ.get("REQUIRE_POSTGRES"):
        raise pytest.UsageError("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
    keep = [item for item in items if item.get_closest_marker("postgres") is None]
    dropped = [item for item in items if item.get_closest_marker("postgres") is not None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


class Client(FlaskClient):
    """Tests hold an app context that requests reuse; start each request with an empty `g`,
    as a real request would (Flask-Login caches the user there)."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    if os.environ.get("REQUIRE_POSTGRES") and not PG_URL:
        pytest.fail("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
    if PG_URL:
        _ensure_pg_database(PG_URL)
    app = create_app(base_config(tmp_path_factory.mktemp("db")))
    app.test_client_class = Client
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _wipe() -> None:
    _db.session.remove()
    tables = [t.name for t in _db.metadata.sorted_tables]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def db(app):
    """A clean database for one test, inside an app context."""
    with app.app_context():
        _wipe()
        yield _db
        _wipe()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


def csrf_token(app, client) -> str:
    """A valid CSRF token for this client's session, as Flask-WTF would issue it."""
    raw = "t" * 40
    with client.session_transaction() as session:
        session["csrf_token"] = raw
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token").dumps(raw)


@pytest.fixture
def csrf(app, client):
    return lambda: csrf_token(app, client)


@pytest.fixture
def post_form(app, client):
    """POST a form with a valid CSRF token; `htmx=True` sends it as htmx would."""

    def post(url, data=None, htmx=False, boosted=False, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_token(app, client))
        headers = kwargs.pop("headers", {})
        if htmx:
            headers.update(HX)
            if boosted:
                headers["HX-Boosted"] = "true"
        return client.post(url, data=data, headers=headers, **kwargs)

    return post


HX = {"HX-Request": "true", "HX-Current-URL": "http://portal.test/"}
HX_BOOSTED = {**HX, "HX-Boosted": "true"}


@pytest.fixture
def login_as(client, db):
    """Sign the test client in as a new user of `role` (or a given user)."""

    def login(role_or_user="customer", **fields):
        user = role_or_user if not isinstance(role_or_user, str) else factories.make_user(role_or_user, **fields)
        _db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return user

    return login


@contextmanager
def count_queries(app):
    """Count SQL statements sent while the block runs."""
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def form_value(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else None
