"""Reading a page changes nothing: every page each demo account can reach by following links is
opened, and only pages that record a view may commit."""
from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urldefrag, urlsplit

import pytest
from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.auth.models import User
from app.demo.seed import seed_demo_data

# The pages that record something about the visit itself, each with its reason.
RECORDS_A_VIEW = {
    "journey.challenge",  # counts the customer's view of a challenge (once a day)
    "referrals.landing",  # counts the opening of a customer's share link (per channel)
    "nps.overview_alerts",  # the alerts on the page count as read once they were shown
}
DEMO_ACCOUNTS = ["ambassadeur@example.com", "klant@example.com", "ops@example.com", "marketing@example.com",
                 "sales@example.com", "sales-lead@example.com", "admin@example.com"]
MAX_PAGES = 120  # per account: every area and a page or two of each list
LINK = re.compile(r'(?:href|hx-get)="(/[^"]*)"')
# Links that act (a GET that logs out is none here), downloads, and endless variations of one list.
SKIP = re.compile(r"^/(static/|logout)|\.csv(\?|$)|[?&]page=([3-9]|\d\d)")


@pytest.fixture
def commits_by_endpoint():
    seen: Counter = Counter()

    def after_commit(_session):
        if has_request_context():
            seen[request.endpoint] += 1

    event.listen(Session, "after_commit", after_commit)
    yield seen
    event.remove(Session, "after_commit", after_commit)


def _crawl(client, start: list[str]) -> set[str]:
    queue, seen = list(start), set(start)
    while queue and len(seen) <= MAX_PAGES:
        url = queue.pop(0)
        response = client.get(url)
        assert response.status_code < 500, url
        if not response.content_type.startswith("text/html"):
            continue
        for link in LINK.findall(response.text):
            link = urldefrag(link.replace("&amp;", "&"))[0]
            if link and link not in seen and not SKIP.search(link) and not urlsplit(link).netloc:
                seen.add(link)
                queue.append(link)
    return seen


@pytest.mark.parametrize("email", DEMO_ACCOUNTS)
def test_no_get_commits_except_where_a_view_is_recorded(app, db, client, login_as, commits_by_endpoint, email):
    seed_demo_data("demo-ambassador")
    db.session.commit()
    user = User.by_email(email)
    login_as(user)
    visited = _crawl(client, ["/", "/admin", "/sales", "/nps", "/referrals", "/points", "/rewards"])
    assert len(visited) > 10, visited  # the crawl really went through the pages
    commits_by_endpoint.pop(None, None)
    assert set(commits_by_endpoint) <= RECORDS_A_VIEW, dict(commits_by_endpoint)
