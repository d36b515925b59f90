"""Reference calls: the customer is a reference for prospects (how often, about what, how to reach them)."""
from __future__ import annotations

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import Optional

from app.challenges.registry import ChallengeType, ReferenceTerms, StaffAnswer, data_of, register
from app.challenges.types._common import labels_of, must_tick, radio, text_of
from app.forms import Form, max_length, strip
from app.privacy.consent import record_grant
from app.privacy.models import FROM_CHALLENGE

MAX_CALLS_PER_QUARTER = 4  # the most a customer can offer (the form's choices 1–4)
REFERENCE_CONTACT = {"email": _l("E-mail"), "phone": _l("Phone"), "video_call": _l("Video call")}


@register
class ReferenceCall(ChallengeType):
    key = "reference_call"
    label = _l("Reference calls")
    help = _l("Be a reference for prospects: how often per quarter, about what, and how.")
    level = 2
    answer_search_keys = ("topics",)
    contribution = True
    consent = True
    offers_reference = True

    def answer_form(self, challenge, formdata=None, user=None):
        class AnswerForm(Form):
            calls_per_quarter = radio(
                _l("How many calls per quarter at most?"), [(str(n), str(n)) for n in range(1, MAX_CALLS_PER_QUARTER + 1)],
                _l("Choose how many calls per quarter suit you."),
            )
            topics = TextAreaField(
                _l("What can you tell about? (optional)"), filters=[strip],
                validators=[Optional(), max_length(500)], render_kw={"rows": 3},
            )
            contact = radio(
                _l("How may we reach you for a call?"), list(REFERENCE_CONTACT.items()),
                _l("Choose how we may reach you."),
            )
            agree = must_tick(
                _l("Our sales team may introduce me to prospects as a reference. I can stop at any time."),
                _l("Give your consent to be a reference, or don't send it."),
            )

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        return {"calls_per_quarter": form.calls_per_quarter.data, "topics": form.topics.data or "",
                "contact": form.contact.data, "agree": True}

    def after_submit(self, submission, user):
        # The proof of the consent: the exact wording agreed to, in the language shown, and its scope.
        scope = {name: submission.data.get(name) for name in ("calls_per_quarter", "contact")}
        record_grant(submission, self.consent_text(), FROM_CHALLENGE, scope)

    @staticmethod
    def consent_text() -> str:
        return gettext("Our sales team may introduce me to prospects as a reference. I can stop at any time.")

    def summary(self, submission):
        try:
            calls = int(submission.data.get("calls_per_quarter"))
        except (TypeError, ValueError):
            return ""
        return ngettext("At most %(num)d call per quarter", "At most %(num)d calls per quarter", calls)

    def staff_answer(self, submission):
        data = data_of(submission)
        return StaffAnswer(facts=[
            (gettext("Calls per quarter at most"), text_of(data.get("calls_per_quarter")) or "–"),
            (gettext("Contact by"), labels_of([data.get("contact")], REFERENCE_CONTACT) or "–"),
            (gettext("About"), text_of(data.get("topics")) or "–"),
        ])

    def reference_terms(self, data):
        try:
            calls = int(data.get("calls_per_quarter"))
        except (TypeError, ValueError):
            return None
        if not 1 <= calls <= MAX_CALLS_PER_QUARTER:
            return None
        return ReferenceTerms(calls_per_quarter=calls, topics=text_of(data.get("topics")),
                              contact=labels_of([data.get("contact")], REFERENCE_CONTACT))
