"""The job runner: the queue from the environment, the after-commit kick, retries planned at their
moment, the sweep and the lease release, the follow-up reminders, the purge job and /healthz."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
import redis
from huey import RedisHuey, SqliteHuey
from sqlalchemy import select

from app.auth import services
from app.dates import utcnow
from app.jobs import heartbeat, kick, tasks
from app.jobs.models import WorkerHeartbeat
from app.jobs.queue import huey, make_huey
from app.mail import DEAD, PENDING, SENDING, SENT, OutboxMessage
from app.nps.models import CLOSED, UPSELL
from tests.factories import make_company, make_follow_up, make_nps_response, make_outbox_message, make_user
from tests.helpers import free_port

JOBS_REDIS = os.environ.get("JOBS_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


@pytest.fixture(autouse=True)
def empty_queue():
    huey.flush()
    yield
    huey.flush()


@pytest.fixture
def kicks(app, monkeypatch):
    """What the after-commit listener hands the runner."""
    seen: list[str] = []
    monkeypatch.setitem(app.config, "JOBS_KICK_ON_COMMIT", True)
    monkeypatch.setattr(kick, "_sink", seen.append)
    return seen


def test_the_queue_is_sqlite_in_the_instance_folder_unless_redis_url_is_set(tmp_path):
    embedded = make_huey({"JOBS_DB": str(tmp_path / "jobs.db")})
    assert isinstance(embedded, SqliteHuey) and embedded.storage.filename == str(tmp_path / "jobs.db")
    default = make_huey({})
    assert isinstance(default, SqliteHuey) and default.storage.filename.endswith("/instance/jobs.db")
    client = redis.Redis.from_url(JOBS_REDIS, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail(f"REQUIRE_REDIS is set but Redis at {JOBS_REDIS} does not answer")
        pytest.skip("Redis does not answer")
    client.flushdb()
    shared = make_huey({"REDIS_URL": JOBS_REDIS})
    assert isinstance(shared, RedisHuey)
    probe = shared.task(name="probe")(lambda: None)
    probe()
    assert shared.pending_count() == 1
    client.flushdb()
    client.close()


def test_a_kick_reaches_the_runner_after_the_commit_only(app, db, kicks):
    user = make_user("customer", password=None)
    db.session.commit()
    services.invite(user)
    db.session.flush()
    assert kicks == []  # queued, not committed: the worker could not see the row yet
    db.session.commit()
    assert kicks == ["mail"]
    services.invite(user)
    db.session.rollback()
    db.session.commit()
    assert kicks == ["mail"]  # rolled back: nothing to deliver


def test_the_commit_stands_when_the_runner_cannot_be_reached(app, db, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "JOBS_KICK_ON_COMMIT", True)

    def unreachable(name):
        raise ConnectionError("the queue is down")

    monkeypatch.setattr(kick, "_sink", unreachable)
    services.invite(make_user("customer", password=None))
    db.session.commit()
    assert db.session.scalars(select(OutboxMessage)).one().status == PENDING
    assert "the periodic sweep will deliver it" in caplog.text


def test_a_committed_invitation_is_delivered_by_the_job_it_kicks(app, db, kicks):
    services.invite(make_user("customer", password=None))
    db.session.commit()
    assert kicks == ["mail"]
    assert tasks.deliver.call_local(kicks[0]) == {"sent": 1, "failed": 0}  # what the worker runs (log backend)
    assert db.session.scalars(select(OutboxMessage)).one().status == SENT


def test_a_failed_delivery_plans_its_retry_at_the_retry_moment_once(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 2)
    make_outbox_message()
    db.session.commit()
    assert tasks.deliver.call_local("mail") == {"sent": 0, "failed": 1}
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.status == PENDING and message.next_attempt_at > utcnow() + timedelta(seconds=50)
    planned = huey.scheduled()
    assert len(planned) == 1 and planned[0].args == ("mail", message.next_attempt_at.isoformat())
    assert abs((planned[0].eta - message.next_attempt_at).total_seconds()) < 1  # one minute later, not ten
    # Another run before that moment (the sweep) does not plan it twice.
    assert tasks.deliver.call_local("mail") == {"sent": 0, "failed": 0}
    assert len(huey.scheduled()) == 1


def test_the_sweep_gives_back_the_claims_of_a_dead_worker_and_delivers_them(app, db):
    now = utcnow()
    db.session.add(WorkerHeartbeat(worker="alive", beat_at=now, started_at=now))
    db.session.add(WorkerHeartbeat(worker="dead", beat_at=now - timedelta(minutes=5), started_at=now))
    orphan = make_outbox_message(status=SENDING, claimed_at=now, claimed_by="dead")
    busy = make_outbox_message(status=SENDING, claimed_at=now, claimed_by="alive")
    db.session.commit()
    tasks.sweep.call_local()
    db.session.refresh(orphan)
    db.session.refresh(busy)
    assert orphan.status == SENT  # released at once (not after ten minutes) and delivered
    assert busy.status == SENDING  # a live worker is still sending it


def test_a_restarted_worker_gives_back_its_own_claims(app, db):
    now = utcnow()
    heartbeat.beat("laptop", 1, starting=True)
    mine = make_outbox_message(status=SENDING, claimed_at=now, claimed_by="laptop")
    db.session.commit()
    assert tasks.release_orphaned_claims() == 0  # its heartbeat is fresh: it may still be sending
    assert tasks.release_orphaned_claims(exclude="laptop") == 1
    db.session.refresh(mine)
    assert mine.status == PENDING and mine.claimed_by is None and mine.next_attempt_at <= utcnow()


def test_a_due_follow_up_reminds_its_assignee_once_in_their_language(app, db):
    manager = make_user("sales", name="Sanne de Vries", email="sanne@example.com", locale="nl")
    english = make_user("sales", name="Sam Jones", email="sam@example.com", locale="en")
    company = make_company(account_manager=manager)
    customer = make_user("customer", name="Kees Jansen", company=company)
    due = make_follow_up(make_nps_response(customer, score=3), due_at=utcnow() - timedelta(minutes=1))
    upsell = make_follow_up(make_nps_response(customer, score=9), assignee=english, kind=UPSELL,
                            trigger="wants_more", due_at=utcnow() - timedelta(hours=1))
    make_follow_up(make_nps_response(customer, score=2), due_at=utcnow() + timedelta(days=1))  # not due yet
    make_follow_up(make_nps_response(customer, score=1), due_at=utcnow() - timedelta(days=1), status=CLOSED)
    db.session.commit()

    assert tasks.remind_due_follow_ups.call_local() == 2
    mails = {m.to_address: m for m in db.session.scalars(select(OutboxMessage))}
    assert set(mails) == {"sanne@example.com", "sam@example.com"}
    assert mails["sanne@example.com"].subject == "Tijd om op te volgen: Kees Jansen"
    assert "Hallo Sanne de Vries" in mails["sanne@example.com"].body_text
    assert f"http://portal.test/nps/answers/{due.response_id}" in mails["sanne@example.com"].body_text
    assert mails["sam@example.com"].subject == "Upsell follow-up due: Kees Jansen"
    assert f"/nps/answers/{upsell.response_id}/upsell" in mails["sam@example.com"].body_text
    assert due.reminded_at is not None and upsell.reminded_at is not None
    # Never again.
    assert tasks.remind_due_follow_ups.call_local() == 0
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 2


def test_the_daily_purge_job_removes_what_flask_purge_removes(app, db):
    old = make_outbox_message(status=SENT, sent_at=utcnow() - timedelta(days=31))
    recent = make_outbox_message(status=SENT, sent_at=utcnow() - timedelta(days=2))
    dead = make_outbox_message(status=DEAD)
    db.session.commit()
    old_id = old.id
    assert tasks.purge_daily.call_local() == {"mail": 1, "chat": 0, "webhooks": 0, "referees": 0}
    remaining = {m.id for m in db.session.scalars(select(OutboxMessage))}
    assert old_id not in remaining and {recent.id, dead.id} <= remaining


@pytest.mark.committed
def test_healthz_reports_the_heartbeat_and_the_backlog_and_stays_200_when_the_worker_is_stale(client, db):
    now = utcnow()
    make_outbox_message(created_at=now - timedelta(minutes=3))
    make_outbox_message()
    db.session.add(WorkerHeartbeat(worker="w1", beat_at=now - timedelta(seconds=5), started_at=now))
    db.session.commit()
    body = client.get("/healthz").json
    assert body["status"] == "ok" and body["worker"]["status"] == "ok"
    assert 4 <= body["worker"]["heartbeat_age_seconds"] < 60
    assert body["outbox"]["pending"] == 2 and body["outbox"]["oldest_pending_age_seconds"] >= 179
    db.session.get(WorkerHeartbeat, "w1").beat_at = now - timedelta(minutes=5)
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["worker"]["status"] == "stale"
