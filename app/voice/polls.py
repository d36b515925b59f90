"""Results of the challenges with fixed options (polls): how often each option was chosen, overall and
per segment (the customer's current level, the company's account manager).

One aggregate statement counts the answers per distinct stored choice and segment, so the cost does
not grow with the number of answers in Python; the challenge type turns those counts into its tally
(`results_key`, `results`). The answers list's filters and the viewer's scope apply here too.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select

from app.auth.models import Company, User
from app.challenges import get_type
from app.challenges.registry import Tally
from app.extensions import db
from app.journey.models import Challenge, Submission
from app.sales.scope import Scope
from app.voice.answers import AnswerFilters, account_managers, current_level, filtered, in_viewers_scope, levels

LEVEL, MANAGER = "level", "manager"
SEGMENTS = {LEVEL: _l("Per customer level"), MANAGER: _l("Per account manager")}


@dataclass
class Segment:
    label: str
    tally: Tally


@dataclass
class PollResults:
    overall: Tally
    segment: str | None = None  # which segmentation, when one was asked for
    segments: list[Segment] = field(default_factory=list)


def has_results(challenge: Challenge) -> bool:
    try:
        return get_type(challenge.type_key).results_key is not None
    except LookupError:
        return False


def _parsed(value):
    try:
        return json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return None


def _counted(challenge: Challenge, viewer: User | Scope, filters: AnswerFilters, segment: str | None):
    """(stored choice as text, segment key, number of answers) for the answers in scope."""
    key = get_type(challenge.type_key).results_key
    level = current_level()
    by = {LEVEL: level, MANAGER: Company.account_manager_id}.get(segment, literal(0))
    inner = (
        select(Submission.data[key].as_string().label("value"), by.label("segment"))
        .join(Submission.user)
        .outerjoin(User.company)
        .where(Submission.challenge_id == challenge.id)
    )
    inner = filtered(in_viewers_scope(inner, viewer), challenge, filters, level).subquery()
    return db.session.execute(
        select(inner.c.value, inner.c.segment, func.count()).group_by(inner.c.value, inner.c.segment)
    ).all()


def _segment_labels(segment: str, viewer: User | Scope) -> dict:
    if segment == LEVEL:
        english = str(get_locale()) == "en"
        return {position: _("Level %(n)d: %(name)s", n=position, name=name_en if english else name_nl)
                for position, name_nl, name_en in levels()}
    return dict(account_managers(viewer))


def poll_results(challenge: Challenge, viewer: User | Scope, filters: AnswerFilters,
                 segment: str | None = None) -> PollResults | None:
    """The challenge's results in the viewer's scope, or None for a type without results."""
    if not has_results(challenge):
        return None
    ctype = get_type(challenge.type_key)
    segment = segment if segment in SEGMENTS else None
    rows = _counted(challenge, viewer, filters, segment)
    overall: dict = defaultdict(int)
    per_segment: dict = defaultdict(lambda: defaultdict(int))
    for value, key, number in rows:
        overall[value] += number
        per_segment[key][value] += number

    def tally(counts: dict) -> Tally:
        return ctype.results(challenge, [(_parsed(value), number) for value, number in counts.items()])

    results = PollResults(tally(overall), segment)
    if segment is None:
        return results
    labels = _segment_labels(segment, viewer)
    known = [key for key in labels if key in per_segment]
    unknown = sorted((key for key in per_segment if key not in labels), key=lambda k: (k is None, str(k)))
    for key in known + unknown:
        label = labels.get(key) or (_("Level %(n)d", n=key) if segment == LEVEL and key is not None
                                     else _("No account manager"))
        results.segments.append(Segment(label, tally(per_segment[key])))
    return results
