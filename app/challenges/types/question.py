"""The open question: one question, answered in the customer's own words."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.challenges.config_fields import WholeNumberField, build_config_form, number_between
from app.challenges.registry import ChallengeType, StaffAnswer, data_of, register
from app.challenges.types._common import config_of, start_config, text_of
from app.forms import Form

QUESTION_MIN_LENGTH = 3
QUESTION_MAX_MIN_LENGTH = 1000


def _min_length(config: dict) -> int:
    value = config.get("min_length", QUESTION_MIN_LENGTH)
    try:
        return min(max(int(value), 1), QUESTION_MAX_MIN_LENGTH)
    except (TypeError, ValueError, OverflowError):
        return QUESTION_MIN_LENGTH


@register
class Question(ChallengeType):
    key = "question"
    label = _l("Open question")
    help = _l("One question, answered in the customer's own words.")
    level = 1
    answer_search_keys = ("answer",)
    text_in_own_words = True

    def default_config(self):
        return {"min_length": QUESTION_MIN_LENGTH}

    def config_form(self, formdata=None, config=None, **kwargs):
        config = start_config(self, formdata, config)
        message = _l("Enter a whole number from 1 to %(max)d.", max=QUESTION_MAX_MIN_LENGTH)
        fields = {"min_length": WholeNumberField(
            _l("Shortest answer (characters)"),
            description=_l("Answers must have at least this many characters, from 1 to %(max)d.",
                           max=QUESTION_MAX_MIN_LENGTH),
            validators=[number_between(1, QUESTION_MAX_MIN_LENGTH, message)], invalid_message=message,
            render_kw={"min": 1, "max": QUESTION_MAX_MIN_LENGTH},
        )}
        data = {"min_length": _min_length(config)}
        return build_config_form("QuestionConfigForm", ["min_length"], fields, formdata, data, **kwargs)

    def config_from_form(self, form):
        return {"min_length": form.min_length.data}

    def answer_form(self, challenge, formdata=None, user=None):
        min_length = _min_length(config_of(challenge))

        class AnswerForm(Form):
            answer = TextAreaField(
                _l("Your answer"),
                description=_l("At least %(min)d characters.", min=min_length),
                validators=[
                    DataRequired(_l("Write your answer.")),
                    Length(min=min_length, max=2000, message=_l("Write between %(min)d and %(max)d characters.",
                                                                min=min_length, max=2000)),
                ],
                render_kw={"rows": 5},
            )

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        return {"answer": form.answer.data.strip()}

    def summary(self, submission):
        return submission.data.get("answer", "")[:140]

    def staff_answer(self, submission):
        return StaffAnswer(text=text_of(data_of(submission).get("answer")))

    def ask_quote(self, data):
        return text_of(data.get("answer"))
