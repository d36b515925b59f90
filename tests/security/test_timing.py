"""Timing parity: an unknown address, a wrong password and a deactivated account take the same
time to refuse, and a reset request takes as long for a known address as for an unknown one.

The tests compare medians of interleaved samples taken through the test client (processor time
for sign-in, wall-clock time for the reset's time floor); they never assert an absolute time. The suite hashes passwords cheaply (tests/conftest.py), which would drown a
missing hash in request overhead, so here the accounts and the dummy hash use a costlier scrypt
(as in production, the same parameters for both): a path that skips the hash then stands out,
which the control below checks."""
from __future__ import annotations

import statistics
import time

import pytest
from werkzeug.security import generate_password_hash

from app.auth import models
from tests.factories import make_user

SAMPLES = 15
TOLERANCE = 0.20
# The processor time this process spends on a request: what the server does for each kind, without
# the noise of other programs on a shared machine (wall-clock medians swung by 30% under load). The
# reset's time floor is a sleep, which only wall-clock time sees.
CLOCK = time.process_time
COSTLY = "scrypt:16384:8:1"
PASSWORD = "the-right-password"


def medians(client, post_form, path, kinds: dict[str, dict], clock=None) -> dict[str, float]:
    """Median seconds per kind of request, samples interleaved (in rotating order) so drift and
    load hit every kind alike."""
    samples: dict[str, list[float]] = {kind: [] for kind in kinds}
    for data in kinds.values():  # warm-up: templates, the first query
        post_form(path, data)
    order = list(kinds.items())
    for round_ in range(SAMPLES):
        # Each round starts with another kind, so no kind always follows the same one.
        shift = round_ % len(order)
        for kind, data in order[shift:] + order[:shift]:
            started = (clock or CLOCK)()
            response = post_form(path, data)
            samples[kind].append((clock or CLOCK)() - started)
            assert response.status_code in (200, 422), (kind, response.status_code)
    return {kind: statistics.median(values) for kind, values in samples.items()}


def within(values: dict[str, float], tolerance: float = TOLERANCE) -> bool:
    return max(values.values()) <= min(values.values()) * (1 + tolerance)


@pytest.fixture
def costly_hashes(monkeypatch):
    monkeypatch.setattr(models, "_DUMMY_HASH", generate_password_hash("not-a-real-password", method=COSTLY))
    return generate_password_hash(PASSWORD, method=COSTLY)


def test_login_takes_as_long_for_unknown_wrong_and_deactivated(client, db, post_form, costly_hashes):
    make_user("customer", email="active@example.com").password_hash = costly_hashes
    make_user("customer", email="gone@example.com", is_active=False).password_hash = costly_hashes
    make_user("customer", email="invited@example.com", password=None)
    db.session.commit()
    kinds = {
        "unknown": {"email": "nobody@example.com", "password": "a-wrong-password"},
        "wrong password": {"email": "active@example.com", "password": "a-wrong-password"},
        "deactivated": {"email": "gone@example.com", "password": "a-wrong-password"},
        "deactivated, right password": {"email": "gone@example.com", "password": PASSWORD},
        "invited, no password yet": {"email": "invited@example.com", "password": "a-wrong-password"},
        # Control: a request refused before any password check (no password typed).
        "control": {"email": "active@example.com", "password": ""},
    }
    times = medians(client, post_form, "/login", kinds)
    control = times.pop("control")
    assert within(times), times
    # The control shows the samples can see a skipped hash: without one, a request is far quicker.
    assert control < min(times.values()) * 0.7, (control, times)


def test_reset_request_takes_as_long_for_known_and_unknown(app, client, db, post_form, monkeypatch):
    monkeypatch.setitem(app.config, "RESET_REQUEST_MIN_SECONDS", 0.1)
    make_user("customer", email="kees@example.com")
    make_user("customer", email="gone@example.com", is_active=False)
    db.session.commit()
    kinds = {
        "known": {"email": "kees@example.com"},
        "unknown": {"email": "nobody@example.com"},
        "deactivated": {"email": "gone@example.com"},
    }
    times = medians(client, post_form, "/password/forgot", kinds, clock=time.perf_counter)
    assert within(times), times
