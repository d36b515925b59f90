"""The customer's own strongest words for the ask page: approved answers the registry says may be
quoted (`ask_quote`) and promoters' NPS reasons, so the ask can start from what they told us."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_date, gettext
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from app.challenges.registry import data_of, get_type, quotable_keys
from app.extensions import db
from app.i18n_content import localized
from app.journey.models import APPROVED, Challenge, Submission
from app.nps.models import PROMOTER, NpsResponse

MOST = 3  # quotes shown
CANDIDATES = 10  # the newest words considered, of each source
SHORTEST = 12  # fewer characters say too little to build an ask on
STRONG = 280  # beyond this, length no longer makes words stronger


@dataclass(frozen=True)
class Quote:
    text: str
    source: str  # where it comes from, in the reader's language: "Answer to “…”, 3 March 2026"
    said_at: datetime
    locale: str | None  # the language it was written in, for lang=""


def _answers(customer_id: int) -> list[Quote]:
    keys = quotable_keys()
    if not keys:
        return []
    rows = db.session.scalars(
        select(Submission).join(Submission.challenge).options(contains_eager(Submission.challenge))
        .where(Submission.user_id == customer_id, Submission.status == APPROVED,
               Submission.consent_withdrawn_at.is_(None), Challenge.type_key.in_(keys))
        .order_by(func.coalesce(Submission.reviewed_at, Submission.created_at).desc(), Submission.id.desc())
        .limit(CANDIDATES)
    )
    quotes = []
    for submission in rows:
        try:
            ctype = get_type(submission.challenge.type_key)
            text = ctype.ask_quote(data_of(submission))
        except (LookupError, AttributeError, TypeError, ValueError):
            continue  # old or odd data never breaks the ask page
        if text:
            source = gettext(str(ctype.ask_source), title=localized(submission.challenge, "title"))
            quotes.append(Quote(text, gettext("%(source)s, %(date)s", source=source,
                                              date=format_date(submission.created_at)),
                                submission.created_at, submission.locale))
    return quotes


def _promoter_reasons(customer_id: int) -> list[Quote]:
    rows = db.session.scalars(
        select(NpsResponse)
        .where(NpsResponse.user_id == customer_id, NpsResponse.category == PROMOTER, NpsResponse.reason != "")
        .order_by(NpsResponse.created_at.desc(), NpsResponse.id.desc()).limit(CANDIDATES)
    )
    return [Quote(r.reason.strip(), gettext("NPS %(score)d, %(date)s", score=r.score,
                                            date=format_date(r.created_at)), r.created_at, r.locale)
            for r in rows if r.reason and r.reason.strip()]


def ask_quotes(customer_id: int, most: int = MOST) -> list[Quote]:
    """At most `most` of the customer's strongest words: of their newest quotable answers and promoter
    reasons, the longest (up to a point) first and, at equal strength, the newest. Two statements."""
    seen, candidates = set(), []
    for quote in sorted(_answers(customer_id) + _promoter_reasons(customer_id), key=lambda q: q.said_at, reverse=True):
        key = " ".join(quote.text.lower().split())
        if len(quote.text) < SHORTEST or key in seen:
            continue
        seen.add(key)
        candidates.append(quote)
    candidates = candidates[:CANDIDATES]
    return sorted(candidates, key=lambda q: (min(len(q.text), STRONG), q.said_at), reverse=True)[:most]
