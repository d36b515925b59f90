"""Opening a customer's link (/r/<code>): each visitor counts once a day per channel, from a keyed
hash of address, browser and day (nothing about the visitor is stored), and opens are rate limited."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import limiter
from app.referrals import links
from app.referrals.models import ShareClick
from tests.factories import make_user
from tests.helpers import programme_today


def opens(db) -> int:
    return db.session.scalar(select(func.count(ShareClick.id)))


def visit(client, code, channel="linkedin", address="198.51.100.1", agent="Firefox"):
    return client.get(f"/r/{code}?c={channel}", headers={"User-Agent": agent},
                      environ_base={"REMOTE_ADDR": address})


def test_a_visitor_counts_once_a_day(app, client, db, monkeypatch):
    referrer = make_user("customer")
    db.session.commit()
    code = referrer.referral_code
    for _ in range(3):
        assert visit(client, code).status_code == 200
    assert opens(db) == 1
    visit(client, code, channel="whatsapp")  # another channel is another open
    visit(client, code, address="198.51.100.2")  # another address
    visit(client, code, agent="Safari")  # another browser on the same address
    assert opens(db) == 4
    tomorrow = programme_today() + timedelta(days=1)
    monkeypatch.setattr(links.dates, "today", lambda: tomorrow)
    visit(client, code)  # the next day the same visitor counts again
    assert opens(db) == 5
    assert all(len(key) == 32 for key in [links.visitor_key("198.51.100.1", "Firefox")])


def test_the_visitor_key_keeps_nothing_readable(app, db):
    key = links.visitor_key("198.51.100.1", "Mozilla/5.0 Firefox")
    assert "198.51.100.1" not in key and "Firefox" not in key
    assert key == links.visitor_key("198.51.100.1", "Mozilla/5.0 Firefox")
    assert key != links.visitor_key("198.51.100.2", "Mozilla/5.0 Firefox")


def test_link_opens_are_rate_limited_per_address(app, client, db, monkeypatch):
    referrer = make_user("customer")
    db.session.commit()
    monkeypatch.setitem(app.config, "LINK_OPEN_RATE_LIMIT", "3 per minute")
    limiter.reset()
    try:
        codes = [visit(client, referrer.referral_code, agent=f"Browser {n}").status_code for n in range(4)]
        other = visit(client, referrer.referral_code, address="198.51.100.9").status_code
    finally:
        limiter.reset()
    assert codes == [200, 200, 200, 429] and other == 200
    assert opens(db) == 4
