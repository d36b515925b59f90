"""Which worker this process is: its claims on outbox rows carry this name, so a worker that died
(stale heartbeat) or restarted under the same name gives its claims back at once instead of after
the ten-minute fallback. None outside a worker (the web process, `flask send-mail`)."""
from __future__ import annotations

import os
import socket

_worker: str | None = None


def worker_name() -> str:
    """WORKER_NAME, else the host name: a worker restarted on the same host is the same worker.
    Give each worker its own WORKER_NAME when several run on one host."""
    return (os.environ.get("WORKER_NAME") or socket.gethostname() or "worker")[:64]


def set_current_worker(name: str | None) -> None:
    global _worker
    _worker = name


def current_worker() -> str | None:
    return _worker
