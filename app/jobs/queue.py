"""The Huey instance, made from the environment when this module is first imported (the task
decorators need it then): RedisHuey when REDIS_URL is set, else SqliteHuey in a file in the instance
folder (JOBS_DB overrides the path), so the embedded setup needs nothing more than the app's own
folder. Tests switch it to immediate mode (tasks run in the caller, in memory)."""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from huey import Huey, RedisHuey, SqliteHuey

NAME = "ambassador-journey"
INSTANCE = Path(__file__).resolve().parent.parent.parent / "instance"


def make_huey(environ: Mapping[str, str] = os.environ) -> Huey:
    # results=False: nobody waits on a job's return value, so none is stored (it would pile up).
    redis_url = (environ.get("REDIS_URL") or "").strip()
    if redis_url:
        return RedisHuey(NAME, results=False, url=redis_url)
    path = Path(environ.get("JOBS_DB") or INSTANCE / "jobs.db")
    path.parent.mkdir(parents=True, exist_ok=True)
    # timeout: how long SQLite waits for the other process's lock (web enqueues, the worker dequeues).
    return SqliteHuey(NAME, results=False, filename=str(path), timeout=10)


huey = make_huey()
