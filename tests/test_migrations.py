"""`flask db upgrade` on an empty database gives the schema the models describe."""
from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from tests.conftest import PG_URL, base_config, ensure_pg_database


def _diff(app):
    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
            return compare_metadata(context, db.metadata)


def _migrated_app(url):
    app = create_app({**base_config("/tmp"), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
    return app


def test_upgrade_on_empty_sqlite_matches_the_models(tmp_path):
    app = _migrated_app(f"sqlite:///{tmp_path}/migrated.db")
    assert _diff(app) == []
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "companies", "outbox_messages", "alembic_version"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        db.engine.dispose()


@pytest.mark.postgres
def test_upgrade_on_empty_postgresql_matches_the_models():
    if not PG_URL:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
        pytest.skip("TEST_DATABASE_URL not set")
    app = _migrated_app(_empty_pg_database())
    assert _diff(app) == []
    with app.app_context():
        downgrade(revision="base")
        db.engine.dispose()


def _empty_pg_database() -> str:
    """The URL of a database beside the test database, emptied. It is kept between runs rather than
    created and dropped: DROP DATABASE makes PostgreSQL checkpoint the whole server, which cost
    this test over 20 s, while emptying its one schema is instant."""
    target = make_url(PG_URL)
    url = target.set(database=f"{target.database}_migrations")
    ensure_pg_database(url.render_as_string(hide_password=False))
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url.render_as_string(hide_password=False)
