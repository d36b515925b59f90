"""LinkedIn introductions: permission to connect with named contacts of the customer on LinkedIn."""
from __future__ import annotations

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, ValidationError

from app.challenges.registry import AnswerRefused, ChallengeType, register
from app.challenges.types._common import must_tick
from app.forms import Form, max_length, strip
from app.referrals.intake import Introduction, ReferralRefused, add_referee, check_introduction, outreach_message
from app.referrals.links import split_contact
from app.referrals.models import FROM_LINKEDIN

LINKEDIN_INTRO_MAX = 10


@register
class LinkedinIntro(ChallengeType):
    key = "linkedin_intro"
    label = _l("LinkedIn introductions")
    help = _l("Permission to connect with named contacts of the customer on LinkedIn.")
    level = 3
    awards_on_submit = False

    def answer_form(self, challenge, formdata=None, user=None):
        class AnswerForm(Form):
            contacts = TextAreaField(
                _l("Your contacts"), filters=[strip],
                validators=[DataRequired(_l("Name at least one contact.")), max_length(3000)],
                description=_l("One contact per line: name — company. At most %(max)d.", max=LINKEDIN_INTRO_MAX),
                render_kw={"rows": 6},
            )
            agree = must_tick(
                _l("You may connect with these contacts on LinkedIn and mention me."),
                _l("Give your permission, or don't send it."),
            )

            def validate_contacts(form, field):
                lines = _lines(field.data)
                if len(lines) > LINKEDIN_INTRO_MAX:
                    raise ValidationError(_l(
                        "Name at most %(max)d contacts, one per line (you entered %(n)d).",
                        max=LINKEDIN_INTRO_MAX, n=len(lines),
                    ))
                too_long = [n for n, line in enumerate(lines, start=1) if len(line) > 200]
                if too_long:
                    raise ValidationError(_l(
                        "Keep each line to at most 200 characters (contact %(n)d is longer).", n=too_long[0],
                    ))
                without_company = [line for line in lines if not split_contact(line)[1]]
                if without_company:
                    # gettext, not _l: a lazy string counts as safe HTML, and this one carries input.
                    raise ValidationError(gettext(
                        "Write each contact as name — company (%(line)s has no company).", line=without_company[0],
                    ))

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        return {"contacts": _lines(form.contacts.data), "agree": True}

    def context(self, challenge, user):
        intro = Introduction(name=str(_l("[their name]")), company="", route="contact", may_mention=True,
                             benefit=str(_l("[why you think they would benefit]")))
        return {"message": outreach_message(user, intro, getattr(user, "locale", None) or "nl")}

    @staticmethod
    def _contacts(data, user):
        for line in data.get("contacts", []):
            name, company = split_contact(line)
            yield line, Introduction(name=name, company=company, route="contact", may_mention=True,
                                     message_locale=getattr(user, "locale", None) or "nl")

    def _each_contact(self, data, user, act) -> None:
        """`act(n, introduction)` per contact; a refusal names the contact's line."""
        for n, (line, intro) in enumerate(self._contacts(data, user)):
            try:
                act(n, intro)
            except ReferralRefused as refused:
                message = gettext("%(contact)s: %(reason)s", contact=line, reason=refused.message)
                raise AnswerRefused("contacts", message) from None

    def check(self, data, user):
        # One LinkedIn permission counts as one introduction towards the daily cap.
        self._each_contact(data, user, lambda n, intro: check_introduction(
            user, intro, source=FROM_LINKEDIN, count_quota=n == 0))

    def after_submit(self, submission, user):
        self._each_contact(submission.data, user, lambda _n, intro: add_referee(
            user, intro, source=FROM_LINKEDIN, submission_id=submission.id, checked=True))

    def summary(self, submission):
        contacts = submission.data.get("contacts")
        n = len(contacts) if isinstance(contacts, list) else 0
        return ngettext("%(num)d contact", "%(num)d contacts", n)


def _lines(text) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
