"""What the moderation views share: the blueprint, the page size, and a customer's answer as staff see it."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager

from app.auth.models import User
from app.challenges import get_type
from app.challenges.registry import StaffAnswer
from app.journey.models import Submission

bp = Blueprint("admin_moderation", __name__)

PER_PAGE = 25


def submissions_with_their_people() -> Select:
    """Submissions with their challenge, customer and company loaded in the same query (the lists
    show all three on every row)."""
    return (
        select(Submission)
        .join(Submission.challenge)
        .join(Submission.user)
        .outerjoin(User.company)
        .options(contains_eager(Submission.challenge), contains_eager(Submission.user).contains_eager(User.company))
    )


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

