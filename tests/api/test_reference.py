"""The API reference page: rendered on the server from the OpenAPI document, public, no script."""
from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize("language, heading", [("en", "API reference"), ("nl", "API-naslag")])
def test_reference_page_in_the_readers_language(client, language, heading):
    response = client.get("/api/v1/docs", headers={"Accept-Language": language})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.text
    assert f"<h1>{heading}</h1>" in page
    assert "<code>POST /api/v1/referrals/{referee_id}/stage</code>" in page
    assert "<code>referrals:write</code>" in page and "deal_value_cents" in page
    assert "curl -X GET &#39;http://portal.test/api/v1/participants&#39;" in page
    assert "curl -X POST &#39;http://portal.test/api/v1/referrals/{referee_id}/stage&#39;" in page
    assert 'id="problem-duplicate"' in page and "401, 403, 404, 409, 422, 429" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "no inline script"
    assert "cdn" not in page.lower()
    # How to send the token reads in full: the placeholder is text, not a tag the browser drops.
    assert page.count("Authorization: Bearer &lt;token&gt;") == 2 and "<token>" not in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_token_page_links_to_the_reference(client, login_as):
    login_as("admin")
    assert 'href="/api/v1/docs"' in client.get("/admin/api-tokens").text
