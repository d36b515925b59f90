"""LinkedIn introductions: permission to connect with named contacts of the customer on LinkedIn,
with the customer's note for them. The customer reads each contact's message before approving it;
the approved text is what is kept and sent."""
from __future__ import annotations

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from app.challenges.registry import AnswerRefused, ChallengeType, register
from app.challenges.types._common import between, must_tick
from app.forms import Form, max_length, strip
from app.referrals.intake import (
    Introduction,
    ReferralRefused,
    add_referee,
    check_introduction,
    outreach_message,
    with_token,
)
from app.referrals.links import split_contact
from app.referrals.models import FROM_LINKEDIN
from app.referrals.tokens import new_token, seal_tokens, unseal_tokens

LINKEDIN_INTRO_MAX = 10


@register
class LinkedinIntro(ChallengeType):
    key = "linkedin_intro"
    label = _l("LinkedIn introductions")
    help = _l("Permission to connect with named contacts of the customer on LinkedIn.")
    level = 3
    awards_on_submit = False
    confirm_step = True
    submit_label = _l("Show me the messages")

    def answer_form(self, challenge, formdata=None, user=None):
        class AnswerForm(Form):
            contacts = TextAreaField(
                _l("Your contacts"), filters=[strip],
                validators=[DataRequired(_l("Name at least one contact.")), max_length(3000)],
                description=_l("One contact per line: name — company. At most %(max)d.", max=LINKEDIN_INTRO_MAX),
                render_kw={"rows": 6},
            )
            reason = TextAreaField(
                _l("What could we do for them? (value for them, not a favour to us)"), filters=[strip],
                description=_l("One note for all of them: each contact reads it in our message, as your words. "
                               "Write it to them, for example: “You are looking for …”."),
                validators=[DataRequired(_l("Tell us what we could do for them.")), between(20, 1000)],
                render_kw={"rows": 4},
            )
            agree = must_tick(
                _l("You may connect with these contacts on LinkedIn and mention me."),
                _l("Give your permission, or don't send it."),
            )
            # The objection links' tokens, made by the server at preview time and signed.
            tokens = HiddenField(filters=[strip])

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
        lines = _lines(form.contacts.data)
        tokens = unseal_tokens(form.tokens.data)  # tokens the server did not make are ignored
        return {"contacts": lines, "reason": form.reason.data or "", "agree": True,
                "tokens": tokens if len(tokens) == len(lines) else []}

    def context(self, challenge, user):
        # A no-break space keeps the placeholder whole where the greeting takes the first word.
        intro = Introduction(name=str(_l("[their name]")).replace(" ", "\u00a0"), company="", route="contact", may_mention=True,
                             benefit=str(_l("[what we could do for them]")))
        return {"message": outreach_message(user, intro, getattr(user, "locale", None) or "nl")}

    def preview(self, form, challenge, user):
        lines = _lines(form.contacts.data)
        if len(unseal_tokens(form.tokens.data)) != len(lines):
            form.tokens.data = seal_tokens([new_token() for _ in lines])
        data = self.to_data(form, challenge, user)
        return {"messages": [(line, message_for(user, intro)) for line, intro in self._contacts(data, user)]}

    @staticmethod
    def _contacts(data, user):
        contacts = data.get("contacts") if isinstance(data.get("contacts"), list) else []
        tokens = data.get("tokens") if isinstance(data.get("tokens"), list) else []
        reason = data.get("reason") if isinstance(data.get("reason"), str) else ""
        for n, line in enumerate(contacts):
            name, company = split_contact(line)
            yield line, Introduction(name=name, company=company, route="contact", may_mention=True, benefit=reason,
                                     token=tokens[n] if n < len(tokens) else None,
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
        def add(_n, intro):
            intro = with_token(intro)
            intro.message = message_for(user, intro)  # the text the preview showed for this contact
            add_referee(user, intro, source=FROM_LINKEDIN, submission_id=submission.id, checked=True)

        self._each_contact(submission.data, user, add)
        # The tokens live on the referees; the submission keeps the contacts and the note.
        submission.data = {key: value for key, value in submission.data.items() if key != "tokens"}

    def summary(self, submission):
        contacts = submission.data.get("contacts")
        n = len(contacts) if isinstance(contacts, list) else 0
        return ngettext("%(num)d contact", "%(num)d contacts", n)


def message_for(user, intro: Introduction) -> str:
    """A contact's message: the same function for the preview and what is stored."""
    return outreach_message(user, intro, intro.message_locale)


def _lines(text) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
