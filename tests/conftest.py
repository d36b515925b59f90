"""Fixtures: app, db, client, runner, login_as, htmx helpers. SQLite by default,
PostgreSQL when TEST_DATABASE_URL is set.

A test's database work runs in one transaction on one connection that is rolled back at the end:
the app's commits and savepoints become savepoints inside it. Tests marked `committed` (real
threads, each with its own connection) commit for real and the tables are emptied around them.
"""
from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager

import pytest
import redis
from flask import current_app, g, has_app_context
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as AppSession
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker
from werkzeug import security

# Passwords are hashed with a cheap scrypt (n=2**10, not werkzeug's 2**15), set before any app module
# computes a hash: at 0.1 s per hash and per check they took a fifth of the suite's CPU time. The
# hash format, salt and check stay werkzeug's own; the assert notices a werkzeug that changed them.
assert security.generate_password_hash.__defaults__ == ("scrypt", 16)
security.generate_password_hash.__defaults__ = ("scrypt:1024:8:1", 16)

# The job queue: never the worktree's instance/jobs.db; tasks run where they are called (immediate mode).
os.environ.setdefault("JOBS_DB", os.path.join(tempfile.mkdtemp(prefix="aj-jobs-"), "jobs.db"))

from app import create_app  # noqa: E402
from app.extensions import db as _db  # noqa: E402
from app.jobs.queue import huey  # noqa: E402
from tests import factories  # noqa: E402

huey.immediate = True

PG_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def ensure_pg_database(url: str) -> None:
    """Create the database of `url` if it is missing (connects to the server's postgres database)."""
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
        "LOGIN_ACCOUNT_RATE_LIMIT": "100000 per minute",
        "RESET_ACCOUNT_RATE_LIMIT": "100000 per minute",
        "LINK_OPEN_RATE_LIMIT": "100000 per minute",
        "FEEDBACK_RATE_LIMIT": "100000 per minute",
        "RESET_REQUEST_MIN_SECONDS": 0,  # the reset's time floor has its own test (tests/security)
        "MAIL_DELIVER_ON_COMMIT": False,
        # No delivery job after each commit: a test delivers when it says so (tests/jobs turn it on).
        "JOBS_KICK_ON_COMMIT": False,
        "SERVER_NAME": "portal.test",
        "BASE_URL": "http://portal.test",  # every absolute link (mail, share links) starts here
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


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "committed: commits for real (threads with their own connections); the tables are emptied around it"
    )


@pytest.fixture(autouse=True)
def _postgres_only(request):
    """A `postgres` test needs PostgreSQL; collection deselects it without one, this guards direct runs."""
    if request.node.get_closest_marker("postgres") is None or PG_URL:
        return
    if os.environ.get("REQUIRE_POSTGRES"):
        pytest.fail("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
    pytest.skip("TEST_DATABASE_URL not set: this test needs PostgreSQL")


def _sqlite_savepoints(engine) -> None:
    """pysqlite starts and ends transactions on its own and so breaks SAVEPOINT; let SQLAlchemy
    emit BEGIN itself (the recipe in SQLAlchemy's pysqlite notes)."""

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    if os.environ.get("REQUIRE_POSTGRES") and not PG_URL:
        pytest.fail("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
    if PG_URL:
        ensure_pg_database(PG_URL)
    app = create_app(base_config(tmp_path_factory.mktemp("db")))
    app.test_client_class = Client
    with app.app_context():
        if _db.engine.dialect.name == "sqlite":
            _sqlite_savepoints(_db.engine)
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _wipe() -> None:
    """Empty every table. DELETE, not TRUNCATE: the tables are nearly empty, and TRUNCATE's new
    files cost far more than scanning a few rows."""
    _db.session.remove()
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("; ".join(f"DELETE FROM {name}" for name in tables))  # one round trip
        else:
            for name in tables:
                conn.exec_driver_sql(f"DELETE FROM {name}")


class _JoinedSession(AppSession):
    """Sends the test app's statements to the test's connection; Flask-SQLAlchemy's own choice
    would be the engine, which hands out a fresh connection outside the test's transaction."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and current_app._get_current_object() is self.info["app"]:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


# Savepoint names that stand in for a rolled-back test session's BEGIN and COMMIT (see count_queries).
_session_savepoints: set[str] = set()


def _is_session_savepoint(conn, statement: str) -> bool:
    """True for the SAVEPOINT, RELEASE and ROLLBACK TO that the joined session sends instead of
    BEGIN, COMMIT and ROLLBACK (which no driver sends as a statement); the app's own
    begin_nested() savepoints sit inside it and stay countable."""
    if not statement.startswith(("SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT ")):
        return False
    name = statement.rsplit(" ", 1)[-1]
    if statement.startswith("SAVEPOINT ") and conn.info.get("joined") and not conn.in_nested_transaction():
        _session_savepoints.add(name)
    return name in _session_savepoints


def _note_session_savepoint(conn, cursor, statement, *args) -> None:
    _is_session_savepoint(conn, statement)


def _tables_with_rows(connection) -> list[str]:
    """One round trip; a rolled-back test relies on starting from empty tables."""
    probe = " UNION ALL ".join(f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM {t.name})"
                               for t in _db.metadata.sorted_tables)
    return list(connection.exec_driver_sql(probe).scalars())


@contextmanager
def _rolled_back(app):
    """`db.session` joined to an outer transaction that is rolled back when the block ends."""
    connection = _db.engine.connect()
    outer = connection.begin()
    if left := _tables_with_rows(connection):
        connection.close()
        _wipe()  # so that only this test reports it
        pytest.fail(f"an earlier test committed rows outside the harness (without the db fixture?): {left}")
    connection.info["joined"] = True
    event.listen(connection, "before_cursor_execute", _note_session_savepoint)
    app_session = _db.session
    factory = sessionmaker(class_=_JoinedSession, db=_db, query_cls=_db.Query, bind=connection,
                           join_transaction_mode="create_savepoint", info={"app": app})
    _db.session = scoped_session(factory, scopefunc=app_session.registry.scopefunc)
    try:
        yield
    finally:
        _db.session.remove()
        _db.session = app_session
        outer.rollback()
        connection.info.pop("joined")
        connection.close()
        _session_savepoints.clear()


@pytest.fixture
def db(app, request):
    """A clean database for one test, inside an app context: its work is rolled back at the end, or,
    for a `committed` test, really committed and deleted before and after."""
    with app.app_context():
        if request.node.get_closest_marker("committed"):
            _wipe()
            yield _db
            _wipe()
        else:
            with _rolled_back(app):
                yield _db


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
    """Count SQL statements sent while the block runs (not the savepoints that a rolled-back test
    uses in place of BEGIN and COMMIT)."""
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        if not _is_session_savepoint(conn, statement):
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


@pytest.fixture
def redis_db():
    """The test Redis database, emptied before and after (REQUIRE_REDIS turns a missing Redis into a failure)."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail(f"REQUIRE_REDIS is set but Redis at {REDIS_URL} does not answer: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} does not answer")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()
