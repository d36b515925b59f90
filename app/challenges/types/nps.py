"""The NPS question: how likely the customer is to recommend us (0–10), and why."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import Optional

from app.challenges.registry import ChallengeType, register
from app.challenges.types._common import radio, text_of
from app.forms import Form, max_length, strip
from app.nps.models import category_for as nps_category
from app.nps.services import record_answer


@register
class Nps(ChallengeType):
    key = "nps"
    label = _l("NPS question")
    help = _l("How likely is the customer to recommend us (0–10), and why.")
    level = 1
    answer_search_keys = ("reason",)
    text_in_own_words = True
    affects_advocacy = True  # a detractor's score pauses the advocacy asks

    def answer_form(self, challenge, formdata=None, user=None):
        class AnswerForm(Form):
            score = radio(
                _l("How likely are you to recommend us to a colleague?"),
                [(str(n), str(n)) for n in range(11)], _l("Choose a score from 0 to 10."),
                description=_l("0 = not at all likely, 10 = extremely likely"),
            )
            reason = TextAreaField(
                _l("What is the main reason for your score?"), filters=[strip],
                validators=[Optional(), max_length(1000)], render_kw={"rows": 4},
            )

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        score = int(form.score.data)
        return {"score": score, "reason": form.reason.data or "", "category": nps_category(score)}

    def after_submit(self, submission, user):
        # The answer reaches the account manager at once (alert, follow-up task) and steers the journey.
        record_answer(user, submission.data["score"], submission.data.get("reason", ""), source="challenge",
                      submission_id=submission.id)

    def summary(self, submission):
        score = submission.data.get("score")
        reason = text_of(submission.data.get("reason"))
        return f"{score} · {reason[:120]}" if reason else str(score if score is not None else "")
