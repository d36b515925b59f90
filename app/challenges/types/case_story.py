"""The customer story: consent to a story and a short interview."""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import Optional

from app.challenges.registry import ChallengeType, StaffAnswer, data_of, register
from app.challenges.types._common import labels_of, must_tick, radio, text_of
from app.forms import Form, max_length, strip
from app.privacy.consent import record_grant
from app.privacy.models import FROM_CHALLENGE

INTERVIEW_FORMATS = {"video_call": _l("Video call"), "on_site": _l("At your office"), "written": _l("In writing")}
STORY_PERIODS = {"this_month": _l("This month"), "next_quarter": _l("Next quarter"), "later": _l("Later")}


@register
class CaseStory(ChallengeType):
    publishes = True
    key = "case_story"
    label = _l("Customer story")
    help = _l("Consent to a customer story and a short interview.")
    level = 2
    answer_search_keys = ("topics",)
    needs_review = True
    contribution = True
    consent = True
    in_library = True
    library_search_keys = ("topics",)

    def answer_form(self, challenge, formdata=None, user=None):
        class AnswerForm(Form):
            agree_story = must_tick(
                _l("You may write a customer story about us. I read and approve the text before it is published."),
                _l("Give your consent to the story, or don't send it."),
            )
            interview_format = radio(
                _l("How would you like to do the interview?"), list(INTERVIEW_FORMATS.items()),
                _l("Choose how you would like to do the interview."),
            )
            period = radio(_l("When suits you?"), list(STORY_PERIODS.items()), _l("Choose when it suits you."))
            topics = TextAreaField(
                _l("What should the story be about? (optional)"), filters=[strip],
                validators=[Optional(), max_length(1000)], render_kw={"rows": 3},
            )

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        return {"agree_story": True, "interview_format": form.interview_format.data,
                "period": form.period.data, "topics": form.topics.data or ""}

    def after_submit(self, submission, user):
        scope = {"interview_format": submission.data.get("interview_format"), "period": submission.data.get("period")}
        record_grant(submission, gettext(
            "You may write a customer story about us. I read and approve the text before it is published."),
            FROM_CHALLENGE, scope)

    def summary(self, submission):
        return labels_of([submission.data.get("interview_format"), submission.data.get("period")],
                         {**INTERVIEW_FORMATS, **STORY_PERIODS})

    def staff_answer(self, submission):
        data = data_of(submission)
        return StaffAnswer(facts=[
            (gettext("Consent to a story"), gettext("Yes") if data.get("agree_story") is True else gettext("No")),
            (gettext("Interview"), labels_of([data.get("interview_format")], INTERVIEW_FORMATS) or "–"),
            (gettext("When"), labels_of([data.get("period")], STORY_PERIODS) or "–"),
            (gettext("About"), text_of(data.get("topics")) or "–"),
        ])

    def library_text(self, data):
        """What the story is about: format · period · topics."""
        parts = [labels_of([data.get("interview_format")], INTERVIEW_FORMATS),
                 labels_of([data.get("period")], STORY_PERIODS), text_of(data.get("topics"))]
        return " · ".join(part for part in parts if part)
