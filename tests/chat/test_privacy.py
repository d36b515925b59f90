"""Chat messages in the privacy export and erasure (the whole-database walk is tests/privacy)."""
from __future__ import annotations

from app.chat.models import ChatMessage
from app.extensions import db as _db
from app.privacy.erasure import erase_customer
from app.privacy.registry import BY_TABLE, DELETE
from tests import factories


def test_the_webhook_address_is_never_exported():
    assert "url" not in BY_TABLE["chat_channels"].fields
    assert BY_TABLE["chat_messages"].erasure == DELETE


def test_erasing_a_customer_deletes_the_chat_messages_about_them_only(app, db):
    admin = factories.make_user("admin")
    channel = factories.make_chat_channel()
    customer, other = factories.make_user(), factories.make_user()
    factories.make_chat_message(channel, subject=customer)
    factories.make_chat_message(channel, subject=customer, status="sent")
    kept = factories.make_chat_message(channel, subject=other)
    with app.test_request_context():
        erase_customer(customer, admin)
    assert _db.session.scalars(_db.select(ChatMessage.id)).all() == [kept.id]
