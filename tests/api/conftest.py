"""Fixtures of the REST API tests: a token with chosen scopes, and its Authorization header."""
from __future__ import annotations

import pytest

from app.api.tokens import SCOPES
from tests import factories


def bearer(token) -> dict[str, str]:
    return {"Authorization": f"Bearer {token.secret}"}


@pytest.fixture
def make_token(db):
    """make_token("referrals:read referrals:write") or make_token() for every scope; committed."""

    def make(scopes: str = "all", owner=None, **fields):
        token = factories.make_api_token(owner, scopes=" ".join(SCOPES) if scopes == "all" else scopes, **fields)
        db.session.commit()
        return token

    return make


@pytest.fixture
def auth(make_token):
    """The header of a token with every scope."""
    return bearer(make_token())
