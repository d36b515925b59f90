"""The profile: the customer completes their role, LinkedIn, topics and how to reach them."""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired

from app.challenges.config_fields import TextRows, build_config_form
from app.challenges.registry import ChallengeType, StaffAnswer, data_of, register
from app.challenges.types._common import (
    checkboxes,
    config_of,
    indexed_texts,
    labels_of,
    linkedin_field,
    plain_url,
    radio,
    start_config,
    text_of,
)
from app.extensions import db
from app.forms import Form, max_length, strip

CONTACT_PREFERENCES = {
    "email": _l("E-mail"), "phone": _l("Phone"), "linkedin": _l("LinkedIn"), "video_call": _l("Video call"),
}


@register
class Profile(ChallengeType):
    key = "profile"
    label = _l("Profile")
    help = _l("The customer completes their profile: role, LinkedIn, topics and how to reach them.")
    level = 1
    answer_search_keys = ("job_title",)
    submit_label = _l("Save my profile")
    contact_details = True

    def default_config(self):
        return {"topics": []}

    def config_form(self, formdata=None, config=None, **kwargs):
        config = start_config(self, formdata, config)
        topics = TextRows(
            "topic", _l("Topics"), lambda n: _l("Topic %(n)d", n=n),
            items=config.get("topics"), formdata=formdata, rows=8, max_rows=20,
            description=_l("Customers tick the topics that interest them, each in Dutch and English. "
                           "Leave all rows empty to not ask about topics."),
        )
        return build_config_form("ProfileConfigForm", [topics], {}, formdata, topics.data(), **kwargs)

    def config_from_form(self, form):
        return {"topics": form.texts("topic")}

    def answer_form(self, challenge, formdata=None, user=None):
        topic_choices = indexed_texts(config_of(challenge).get("topics"))

        class AnswerForm(Form):
            job_title = StringField(
                _l("Your job title"), filters=[strip],
                validators=[DataRequired(_l("Fill in your job title.")), max_length(120)],
            )
            linkedin_url = linkedin_field(_l("Your LinkedIn profile (optional)"))
            if topic_choices:
                topics = checkboxes(_l("Topics that interest you"), topic_choices)
            contact_preference = radio(
                _l("How do you prefer to be contacted?"), list(CONTACT_PREFERENCES.items()),
                _l("Choose how you prefer to be contacted."),
            )

        data = {"job_title": getattr(user, "job_title", None), "linkedin_url": getattr(user, "linkedin_url", None)}
        return AnswerForm(formdata=formdata, data={k: v for k, v in data.items() if v})

    def to_data(self, form, challenge, user):
        topics = form._fields.get("topics")
        return {
            "job_title": form.job_title.data,
            "linkedin_url": form.linkedin_url.data or "",
            "topics": list(topics.data) if topics is not None else [],
            "contact_preference": form.contact_preference.data,
        }

    def after_submit(self, submission, user):
        user.job_title = submission.data.get("job_title") or user.job_title
        if submission.data.get("linkedin_url"):
            user.linkedin_url = submission.data["linkedin_url"]
        db.session.flush()

    def summary(self, submission):
        return text_of(submission.data.get("job_title"))[:140]

    def contact_facts(self, submission):
        data = data_of(submission)
        topics = data.get("topics") if isinstance(data.get("topics"), list) else []
        known = dict(indexed_texts(config_of(submission.challenge).get("topics")))
        chosen = ", ".join(known[t] for t in topics if isinstance(t, str) and t in known)
        facts = [(gettext("Prefers to be contacted by"),
                  labels_of([data.get("contact_preference")], CONTACT_PREFERENCES) or "–")]
        if chosen:
            facts.append((gettext("Interested in"), chosen))
        return facts

    def staff_answer(self, submission):
        data = data_of(submission)
        try:
            facts = [(gettext("Job title"), text_of(data.get("job_title")) or "–"), *self.contact_facts(submission)]
        except (AttributeError, TypeError, ValueError):
            facts = []
        return StaffAnswer(url=plain_url(data.get("linkedin_url")), facts=facts)
