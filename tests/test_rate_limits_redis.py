"""The login limit holds across gunicorn workers when the counters live in Redis (REDIS_URL).

Two app instances stand in for two worker processes. In production each process has its own
copy of the `app.extensions.limiter` singleton, bound by `create_app` to a storage of its own;
in this one process the singleton is shared, so the harness hands it the storage that each
app's `create_app` gave it before that app serves a request. With memory:// storage the two
workers count separately (the control below); with Redis they share one count.
"""
from __future__ import annotations

import pytest
from limits.storage import MemoryStorage, RedisStorage

from app import create_app
from app.extensions import db, limiter
from tests.conftest import REDIS_URL, base_config, csrf_token

LIMIT = 5


@pytest.fixture
def restore_limiter(app):
    """Creating apps rebinds the shared limiter; give it back to the session app afterwards."""
    yield
    limiter.init_app(app)
    assert isinstance(limiter.storage, MemoryStorage)


class Worker:
    """One app instance with the limiter storage its own `create_app` bound, like a worker process."""

    def __init__(self, config: dict):
        self.app = create_app(config)
        self.storage, self.strategy = limiter._storage, limiter._limiter
        self.client = self.app.test_client()

    def post_login(self) -> int:
        limiter._storage, limiter._limiter = self.storage, self.strategy
        data = {"email": "nobody@example.com", "password": "wrong", "csrf_token": csrf_token(self.app, self.client)}
        return self.client.post("/login", data=data).status_code

    def close(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        if isinstance(self.storage, RedisStorage):
            self.storage.get_connection().close()


@pytest.fixture
def two_workers(tmp_path, restore_limiter):
    """Start two workers on one SQLite file with `storage` for the limiter."""
    workers: list[Worker] = []

    def start(storage: str) -> tuple[Worker, Worker]:
        config = {
            **base_config(tmp_path),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/workers.db",
            "RATELIMIT_STORAGE_URI": storage,
            "LOGIN_RATE_LIMIT": f"{LIMIT} per minute",
        }
        for _ in range(2):
            workers.append(Worker(config))
        with workers[0].app.app_context():
            db.create_all()
        assert workers[0].storage is not workers[1].storage
        return workers[0], workers[1]

    yield start
    for worker in workers:
        worker.close()


def test_login_limit_is_shared_by_workers_through_redis(redis_db, two_workers):
    first, second = two_workers(REDIS_URL)
    assert isinstance(first.storage, RedisStorage) and isinstance(second.storage, RedisStorage)
    codes = [(first if n % 2 == 0 else second).post_login() for n in range(LIMIT + 2)]
    assert codes == [422] * LIMIT + [429, 429]  # the 6th attempt is refused, whichever worker gets it
    keys = [key.decode() for key in redis_db.keys("*")]
    assert any("auth.login" in key for key in keys), keys  # the count lives in Redis


def test_control_workers_with_memory_storage_count_separately(two_workers):
    """Proves the harness keeps the workers apart: without shared storage each allows the limit."""
    first, second = two_workers("memory://")
    codes = [(first if n % 2 == 0 else second).post_login() for n in range(2 * LIMIT + 2)]
    assert codes == [422] * (2 * LIMIT) + [429, 429]


def test_session_app_limiter_is_back_to_normal(app, client):
    """Runs after the tests above in file order: the session app is rate limited in memory again."""
    assert isinstance(limiter.storage, MemoryStorage)
    response = client.post("/login", data={"email": "a@b.com", "password": "x", "csrf_token": csrf_token(app, client)})
    assert response.status_code == 422
