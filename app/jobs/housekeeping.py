"""Data past its retention period: what `flask purge` and the daily job both remove."""
from __future__ import annotations

from datetime import timedelta

from app.chat.delivery import purge_old as purge_chat
from app.mail import purge_sent
from app.referrals.consent import purge_unconverted
from app.webhooks.services import purge_old as purge_webhooks

SENT_MAIL_DAYS = 30


def purge(sent_mail_days: int = SENT_MAIL_DAYS) -> dict[str, int]:
    """Remove delivered mail older than `sent_mail_days`, delivered and given-up chat alerts older than
    CHAT_KEEP_DAYS, finished webhook messages older than WEBHOOK_LOG_DAYS, and referees who did not convert within the programme's retention (flush only).
    Returns how many of each."""
    mail = purge_sent(timedelta(days=sent_mail_days))
    chat = purge_chat()
    webhooks = purge_webhooks()
    referees = purge_unconverted()
    return {"mail": mail, "chat": chat, "webhooks": webhooks, "referees": referees}
