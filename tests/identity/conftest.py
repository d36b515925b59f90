"""Uploads in these tests are large: collect garbage after each test, so a file left open shows up in
the test that left it (as a ResourceWarning) and never in a later, unrelated one."""
from __future__ import annotations

import gc

import pytest


@pytest.fixture(autouse=True)
def _collect_after():
    yield
    gc.collect()
