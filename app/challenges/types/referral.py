"""The referral: the customer introduces someone who would benefit, and approves the first message
word for word. Sales follows it up; points come at the pipeline's milestones."""
from __future__ import annotations

from contextlib import contextmanager

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Optional, ValidationError

from app.challenges.registry import AnswerRefused, ChallengeType, register
from app.challenges.types._common import between, linkedin_field, one_of, radio, text_of
from app.forms import Form, choices, max_length, strip
from app.privacy.consent import record_grant
from app.privacy.models import FROM_CHALLENGE
from app.referrals.intake import (
    Introduction,
    ReferralRefused,
    add_referee,
    check_introduction,
    outreach_message,
    with_token,
)
from app.referrals.links import share_link
from app.referrals.models import FROM_REFERRAL
from app.referrals.tokens import new_token, seal_token, unseal_token


@contextmanager
def refusals_on_the_form():
    """An introduction the referral rules refuse comes back on the form like any refused answer."""
    try:
        yield
    except ReferralRefused as refused:
        raise AnswerRefused(refused.field, refused.message) from None


REFERRAL_ROUTES = {
    "introduce": _l("I introduce you myself (we give you a ready message)"),
    "contact": _l("You may contact them and mention me"),
    "inbound": _l("They will contact you (I share my link)"),
}


MESSAGE_LANGUAGES = {"nl": _l("Dutch"), "en": _l("English")}

# The reason goes into the message to them as it is written: so it is asked as words to them.
BENEFIT_LABEL = _l("What could we do for them? (value for them, not a favour to us)")
BENEFIT_HINT = _l("Write it to them: they read it in the message. For example: “You are looking for …, and they "
                  "helped us with exactly that.”")
BENEFIT_MISSING = _l("Tell us what we could do for them.")


def intro_from(data: dict) -> Introduction:
    return Introduction(
        name=data.get("name", ""), company=data.get("company", ""), job_role=data.get("role", ""),
        linkedin_url=data.get("linkedin_url", ""), email=data.get("email") or None, benefit=data.get("benefit", ""),
        may_mention=bool(data.get("may_mention")), route=data.get("route"), token=data.get("token"),
        message_locale=data.get("message_locale") or "nl",
    )


def message_for(user, intro: Introduction) -> str:
    """The message the referrer approves: the same function for the preview and what is stored."""
    link = share_link(user, "email") if intro.route == "inbound" else None
    return outreach_message(user, intro, intro.message_locale, share_link=link)


@register
class Referral(ChallengeType):
    key = "referral"
    text_in_own_words = True
    label = _l("Referral")
    help = _l("Introduce someone who would benefit. No phone number or e-mail of the other person is asked.")
    level = 3
    answer_search_keys = ("name", "company", "benefit")
    awards_on_submit = False
    confirm_step = True
    parallel = True
    submit_label = _l("Show me the message")

    def answer_form(self, challenge, formdata=None, user=None):
        class AnswerForm(Form):
            name = StringField(
                _l("Their name"), filters=[strip],
                validators=[DataRequired(_l("Fill in their name.")), max_length(120)],
            )
            company = StringField(
                _l("Their company"), filters=[strip],
                validators=[DataRequired(_l("Fill in their company.")), max_length(200)],
            )
            role = StringField(
                _l("Their role"), filters=[strip],
                validators=[DataRequired(_l("Fill in their role.")), max_length(120)],
            )
            linkedin_url = linkedin_field(_l("Their LinkedIn profile (optional)"))
            benefit = TextAreaField(
                BENEFIT_LABEL, filters=[strip], description=BENEFIT_HINT,
                validators=[DataRequired(BENEFIT_MISSING), between(20, 1000)],
                render_kw={"rows": 4},
            )
            may_mention = BooleanField(_l("You may mention my name"))
            route = radio(
                _l("How shall we get in touch?"), list(REFERRAL_ROUTES.items()), _l("Choose how we get in touch."),
            )
            agreed_contact = BooleanField(_l("They agreed to be contacted by e-mail"))
            email = StringField(
                _l("Their e-mail (only if they agreed)"), filters=[strip],
                validators=[Optional(), max_length(254), Email(
                    message=_l("Enter a valid e-mail address, like name@company.com."), check_deliverability=False)],
                description=_l("Not needed. Only fill it in when they told you they are happy to be contacted."),
            )
            message_locale = RadioField(
                _l("Language of the message"), choices=choices(MESSAGE_LANGUAGES.items()), validate_choice=False,
                default=(getattr(user, "locale", None) or "nl"),
                validators=[Optional(), one_of(list(MESSAGE_LANGUAGES), _l("Choose the language of the message."))],
            )
            # The objection link's token, made by the server at preview time and signed: see seal_token.
            token = HiddenField(filters=[strip])

            def validate_may_mention(form, field):
                if form.route.data == "contact" and not field.data:
                    raise ValidationError(_l(
                        "If we contact them ourselves, we need your permission to mention your name. "
                        "Tick the box or choose another way."
                    ))

            def validate_email(form, field):
                if not field.data:
                    return
                if not form.agreed_contact.data:
                    raise ValidationError(_l(
                        "Only give their e-mail when they agreed to be contacted: tick that box, or leave the e-mail empty."
                    ))

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        return {
            "name": form.name.data, "company": form.company.data, "role": form.role.data,
            "linkedin_url": form.linkedin_url.data or "", "benefit": form.benefit.data,
            "may_mention": bool(form.may_mention.data), "route": form.route.data,
            "email": form.email.data or "",
            "message_locale": form.message_locale.data or getattr(user, "locale", None) or "nl",
            "token": unseal_token(form.token.data) or "",  # a token the server did not make is ignored
        }

    def preview(self, form, challenge, user):
        if unseal_token(form.token.data) is None:
            form.token.data = seal_token(new_token())
        intro = intro_from(self.to_data(form, challenge, user))
        return {"message": message_for(user, intro), "language": MESSAGE_LANGUAGES.get(intro.message_locale, "")}

    def check(self, data, user):
        with refusals_on_the_form():
            check_introduction(user, intro_from(data), source=FROM_REFERRAL)

    def after_submit(self, submission, user):
        data = dict(submission.data)
        intro = with_token(intro_from(data))
        intro.message = message_for(user, intro)  # the text the preview showed, from the same answer
        with refusals_on_the_form():
            referee = add_referee(user, intro, source=FROM_REFERRAL, submission_id=submission.id, checked=True)
        if data.get("may_mention"):
            # The proof of the permission: the wording agreed to, in the language shown, and the route.
            record_grant(submission, gettext("You may mention my name"), FROM_CHALLENGE,
                         {"may_mention": True, "route": data.get("route")})
        # The submission keeps what the referrer sees; the person's details live on the referee.
        data.pop("email", None)
        data["token"] = referee.token
        submission.data = data

    def summary(self, submission):
        if submission.data.get("erased"):
            return gettext("(details erased at the person's request)")
        name, company = text_of(submission.data.get("name")), text_of(submission.data.get("company"))
        return f"{name} ({company})" if company else name
