"""In-app messages and the audit log."""
from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.audit.services import record
from app.mail import OutboxMessage
from app.notifications.models import Notification
from app.notifications.services import notify
from tests.factories import make_level, make_user


def test_a_notification_shows_on_home_in_the_customers_language_and_by_mail(app, client, db, login_as, post_form):
    make_level(1)
    user = login_as("customer", locale="en")
    with app.test_request_context():
        notify(user, "review", "Je quote is goedgekeurd.", "Your quote was approved.", link="/contributions")
    db.session.commit()
    home = client.get("/").text
    assert "Your quote was approved." in home and "Je quote" not in home
    mail = db.session.scalars(select(OutboxMessage)).one()
    assert mail.to_address == user.email and "Your quote was approved." in mail.body_text
    response = post_form("/notifications/read", htmx=True)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/"
    assert "Your quote was approved." not in client.get("/").text
    assert db.session.scalars(select(Notification)).one().read_at is not None


def test_marking_read_without_javascript_and_only_ones_own(app, client, db, login_as, post_form):
    make_level(1)
    other = make_user("customer")
    with app.test_request_context():
        notify(other, "review", "Voor een ander", "For someone else", email=False)
    user = login_as("customer", locale="en")
    db.session.commit()
    assert "For someone else" not in client.get("/").text
    response = post_form("/notifications/read")
    assert response.status_code == 303
    assert db.session.scalars(select(Notification)).one().read_at is None  # the other customer's stays unread
    assert user.id != other.id


def test_audit_log_is_for_admins(app, client, db, login_as):
    marketer = make_user("marketer", name="Mila")
    record(marketer, "challenge.publish", marketer, summary="Published “Wat levert het op?”", points=15)
    db.session.commit()
    login_as("admin", locale="en")
    page = client.get("/admin/audit").text
    # Read as words in the reader's language, not as the raw action code.
    assert "Challenge published" in page and "Mila" in page and "<code>challenge.publish" not in page
    entry = db.session.scalars(select(AuditEntry)).one()
    assert entry.details == {"points": 15} and entry.target_type == "User"
    fragment = client.get("/admin/audit", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
