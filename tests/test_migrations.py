"""`flask db upgrade` on an empty database gives the schema the models describe."""
from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.extensions import db
from tests.conftest import PG_URL, base_config


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
    name = f"aj_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        app = _migrated_app(PG_URL.rsplit("/", 1)[0] + f"/{name}")
        assert _diff(app) == []
        with app.app_context():
            downgrade(revision="base")
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
