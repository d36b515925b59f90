"""How NPS values read for staff, said once for pages, e-mails and CSV: segments, sources,
satisfaction, follow-up kinds and outcomes, and which answer raised a follow-up."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.nps.models import (
    ALERT,
    DETRACTOR,
    DISSATISFIED,
    MORE_THAN_SATISFIED,
    PASSIVE,
    PROMOTER,
    SATISFIED,
    UPSELL,
    WANTS_MORE,
    FollowUp,
    NpsResponse,
)

CATEGORY_LABELS = {PROMOTER: _l("Promoter"), PASSIVE: _l("Passive"), DETRACTOR: _l("Detractor")}
SATISFACTION_LABELS = {DISSATISFIED: _l("Dissatisfied"), SATISFIED: _l("Satisfied"),
                       MORE_THAN_SATISFIED: _l("More than satisfied")}
SOURCE_LABELS = {"challenge": _l("Challenge"), "survey": _l("Survey")}
KIND_LABELS = {ALERT: _l("Alert"), UPSELL: _l("More services")}
OUTCOME_LABELS = {
    "meeting_planned": _l("Meeting planned"),
    "proposal_sent": _l("Proposal sent"),
    "not_now": _l("Not now"),
    "no_interest": _l("No interest"),
}


def trigger_label(task: FollowUp, response: NpsResponse | None = None) -> str:
    """Which answer raised the follow-up, e.g. "Score 9 — promoter" or "Survey: dissatisfied", in the
    language of the moment (call it while rendering)."""
    response = response or task.response
    if task.trigger == WANTS_MORE:
        return _("Survey: interested in more services")
    if task.trigger in (DISSATISFIED, MORE_THAN_SATISFIED):
        return _("Survey: %(answer)s", answer=str(SATISFACTION_LABELS[task.trigger]).lower())
    label = _("Score %(score)d — %(category)s", score=response.score,
              category=str(CATEGORY_LABELS[response.category]).lower())
    if task.trigger == DETRACTOR and response.satisfaction == DISSATISFIED:
        return _("%(score)s, survey: %(answer)s", score=label, answer=str(SATISFACTION_LABELS[DISSATISFIED]).lower())
    return label


# The periods the NPS pages look back over (days; None is all time).
PERIODS = {"30": 30, "90": 90, "365": 365, "all": None}


def period_labels() -> dict[str, str]:
    return {"30": _("Last 30 days"), "90": _("Last 90 days"), "365": _("Last 365 days"), "all": _("All time")}
