"""Every outbox the worker delivers, by name: a module that offers

- `deliver_due(limit: int = 100) -> dict` with the keys "sent" and "failed", committing as it goes;
- `next_attempt_at() -> datetime | None`, when its earliest waiting item falls due (naive UTC);
- optionally `release_claims(alive: list[str]) -> int`, giving back the claims of workers not alive.

Adding one is one line here plus `app.jobs.kick.after_commit(name)` where its items are queued."""
from __future__ import annotations

from importlib import import_module
from types import ModuleType

DELIVERERS: dict[str, str] = {
    "mail": "app.mail",
    "chat": "app.chat.delivery",
    "webhooks": "app.webhooks.delivery",
}


def deliverer(name: str) -> ModuleType:
    return import_module(DELIVERERS[name])
