"""The test harness itself: a test's commits stay inside its transaction, the app's rollbacks and
savepoints behave as on a real connection, and `committed` tests really commit."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from tests.conftest import count_queries
from tests.factories import make_user


def _seen_by_another_connection(db, email: str) -> bool:
    with db.engine.connect() as other:
        return other.scalar(select(func.count()).select_from(User).where(User.email == email)) == 1


def test_a_commit_stays_inside_the_tests_transaction(db):
    make_user(email="kept@example.com")
    db.session.commit()
    assert db.session.scalar(select(User.id).where(User.email == "kept@example.com")) is not None
    assert not _seen_by_another_connection(db, "kept@example.com")  # so the final rollback removes it


def test_a_rollback_undoes_only_what_came_after_the_last_commit(db):
    make_user(email="first@example.com")
    db.session.commit()
    make_user(email="second@example.com")
    db.session.rollback()
    emails = set(db.session.scalars(select(User.email).where(User.email.in_(["first@example.com",
                                                                            "second@example.com"]))))
    assert emails == {"first@example.com"}


def test_a_failed_savepoint_leaves_the_session_usable(db):
    make_user(email="taken@example.com")
    db.session.commit()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        make_user(email="taken@example.com")
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "taken@example.com")) == 1


def test_removing_the_session_discards_what_was_not_committed(db):
    make_user(email="committed@example.com")
    db.session.commit()
    make_user(email="pending@example.com")
    db.session.remove()
    emails = set(db.session.scalars(select(User.email)))
    assert "committed@example.com" in emails and "pending@example.com" not in emails


def test_query_counts_leave_out_the_harness_savepoints_but_count_the_apps(app, db):
    make_user()
    with count_queries(app) as statements:
        db.session.commit()  # a COMMIT in production: no statement
        with db.session.begin_nested():  # the app's own savepoint: counted, as in production
            make_user(email="nested@example.com")
        db.session.commit()
    assert [s.split()[0] for s in statements if "SAVEPOINT" in s] == ["SAVEPOINT", "RELEASE"]


@pytest.mark.committed
def test_a_committed_test_commits_for_real(db):
    make_user(email="shared@example.com")
    db.session.commit()
    assert _seen_by_another_connection(db, "shared@example.com")
