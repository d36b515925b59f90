"""What the moderation views share: the blueprint, the page size, and a customer's answer as staff see it."""
from __future__ import annotations

from flask import Blueprint

from app.challenges import get_type
from app.challenges.registry import StaffAnswer

bp = Blueprint("admin_moderation", __name__)

PER_PAGE = 25


def answer_of(submission) -> StaffAnswer:
    """The full answer, as its type shows it to staff; a type that no longer exists shows nothing."""
    try:
        ctype = get_type(submission.challenge.type_key)
    except LookupError:
        return StaffAnswer()
    return ctype.staff_answer(submission)


def type_label(key: str) -> str:
    try:
        return str(get_type(key).label)
    except LookupError:
        return key

