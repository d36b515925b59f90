"""The built-in challenge types. Each is one class; registering it is all it takes."""
from __future__ import annotations

import base64
import io
import re
import secrets
from datetime import date
from urllib.parse import quote, urlsplit

import segno
from flask import url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, DateField, HiddenField, RadioField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from app import dates
from app.auth.models import User
from app.challenges.config_fields import (
    TextPair,
    TextRows,
    WholeNumberField,
    build_config_form,
    clean_text,
    number_between,
)
from app.forms import MultiCheckboxField
from app.challenges.registry import ChallengeType, register
from app.extensions import db
from app.forms import Form, choices, is_linkedin_url
from app.i18n_content import localized_value
from app.nps.models import category_for as nps_category


@register
class Question(ChallengeType):
    key = "question"
    label = _l("Open question")
    help = _l("One question, answered in the customer's own words.")
    level = 1

    def default_config(self):
        return {"min_length": QUESTION_MIN_LENGTH}

    def config_form(self, formdata=None, config=None, **kwargs):
        config = _start_config(self, formdata, config)
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
        min_length = _min_length(_config(challenge))

        class AnswerForm(Form):
            answer = TextAreaField(
                _l("Your answer"),
                description=_l("At least %(min)d characters.", min=min_length),
                validators=[
                    DataRequired(_l("Write your answer.")),
                    Length(min=min_length, max=2000, message=_l("Write between %(min)d and %(max)d characters.", min=min_length, max=2000)),
                ],
                render_kw={"rows": 5},
            )

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        return {"answer": form.answer.data.strip()}

    def summary(self, submission):
        return submission.data.get("answer", "")[:140]


QUESTION_MIN_LENGTH = 3
QUESTION_MAX_MIN_LENGTH = 1000


def _min_length(config: dict) -> int:
    value = config.get("min_length", QUESTION_MIN_LENGTH)
    try:
        return min(max(int(value), 1), QUESTION_MAX_MIN_LENGTH)
    except (TypeError, ValueError, OverflowError):
        return QUESTION_MIN_LENGTH


@register
class Poll(ChallengeType):
    key = "poll"
    label = _l("Poll")
    help = _l("Choose one or several options.")
    level = 1

    def default_config(self):
        return {"multiple": False, "options": []}

    def _options_rows(self, formdata, config):
        return TextRows(
            "option", _l("Options"), lambda n: _l("Option %(n)d", n=n),
            items=config.get("options"), formdata=formdata, rows=8, max_rows=20, min_filled=2,
            too_few=_l("Give at least two options, each in Dutch and English."),
            description=_l("Each option in Dutch and English. Empty rows are left out."),
        )

    def config_form(self, formdata=None, config=None, **kwargs):
        config = _start_config(self, formdata, config)
        options = self._options_rows(formdata, config)
        fields = {"multiple": BooleanField(_l("Customers may choose several options"))}
        data = {**options.data(), "multiple": bool(config.get("multiple"))}
        return build_config_form("PollConfigForm", [options, "multiple"], fields, formdata, data, **kwargs)

    def config_from_form(self, form):
        return {"multiple": bool(form.multiple.data), "options": form.texts("option")}

    def _choices(self, challenge):
        return _indexed_texts(_config(challenge).get("options"))

    def answer_form(self, challenge, formdata=None, user=None):
        choices = self._choices(challenge)
        multiple = bool(_config(challenge).get("multiple"))

        class AnswerForm(Form):
            if multiple:
                choice = MultiCheckboxField(
                    _l("Your choice"), choices=_options(choices),
                    validators=[DataRequired(_l("Choose at least one option."))],
                )
            else:
                choice = RadioField(
                    _l("Your choice"), choices=_options(choices),
                    validators=[InputRequired(_l("Choose an option."))],
                )

            def validate_choice(form, field):
                values = field.data if isinstance(field.data, list) else [field.data]
                if any(v not in dict(choices) for v in values):
                    # One clear message instead of WTForms' own "Not a valid choice." next to it.
                    field.errors[:] = []
                    raise ValidationError(_l("Choose one of the options shown."))

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        values = form.choice.data if isinstance(form.choice.data, list) else [form.choice.data]
        options = _config(challenge).get("options", [])
        return {"choices": [int(v) for v in values], "labels": [options[int(v)] for v in values]}

    def summary(self, submission):
        return ", ".join(localized_value(label) for label in submission.data.get("labels", []))


# --- shared helpers for the types below -------------------------------------------------------

URL_MAX = 500
LINKEDIN_URL_MAX = 255  # users.linkedin_url


_options = choices


def _config(challenge) -> dict:
    """The challenge's settings; anything that is not a dict counts as none."""
    return challenge.config if isinstance(challenge.config, dict) else {}


def _start_config(ctype, formdata, config) -> dict:
    """The settings a config form starts from: `config`, or the type's defaults for a new challenge."""
    if config is None and formdata is None:
        return ctype.default_config()
    return config if isinstance(config, dict) else {}


def _config_link(message, https_only=False):
    """A marketer's link: a full http(s) (or only https) address with a dotted host name.
    Empty and too long are left to DataRequired and Length, so each problem gets one message."""

    def check(form, field):
        value = field.data
        if not value or len(value) > URL_MAX:
            return
        host = _host(value)
        if host is None or "." not in host.strip("."):
            raise ValidationError(message)
        if https_only and urlsplit(value).scheme.lower() != "https":
            raise ValidationError(message)

    return check


def _indexed_texts(value) -> list[tuple[str, str]]:
    """Choices from a config list of {"nl", "en"} texts: (index in that list, text), skipping empty ones."""
    if not isinstance(value, list):
        return []
    return [(str(i), text) for i, item in enumerate(value) if (text := localized_value(item).strip())]


def _keys(value, known: dict) -> list[str]:
    """The config keys of `known` that `value` (a list) names, in the order given, or all of them."""
    chosen = [key for key in value if isinstance(key, str) and key in known] if isinstance(value, list) else []
    return list(dict.fromkeys(chosen)) or list(known)


def _in_order(value, known: dict) -> list[str]:
    """The keys of `known` that `value` (a list) names, in `known`'s order, each once."""
    chosen = {key for key in value if isinstance(key, str)} if isinstance(value, list) else set()
    return [key for key in known if key in chosen]


def _one_of(values, message):
    """The chosen value (or every chosen value of a list) is one of `values`."""
    allowed = set(values)

    def check(form, field):
        chosen = field.data if isinstance(field.data, list) else [field.data]
        if any(value not in allowed for value in chosen):
            raise ValidationError(message)

    return check


def _radio(label, choices, message, **kwargs):
    """One required choice, with one clear message whether nothing or something unknown was sent."""
    return RadioField(
        label, choices=_options(choices), validate_choice=False,
        validators=[InputRequired(message), _one_of([value for value, _ in choices], message)], **kwargs,
    )


def _checkboxes(label, choices, required_message=None, **kwargs):
    """Several choices as checkboxes; `required_message` makes at least one required."""
    first = DataRequired(required_message) if required_message else Optional()
    return MultiCheckboxField(
        label, choices=_options(choices), validate_choice=False,
        validators=[first, _one_of([value for value, _ in choices], _l("Choose from the options shown."))], **kwargs,
    )


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _host(url) -> str | None:
    """The lower-case host of an http(s) URL without spaces or user info, else None."""
    if not isinstance(url, str) or not url or len(url) > URL_MAX or "\\" in url:
        return None  # browsers read a backslash as a slash: https://evil.example\.g2.com is evil.example
    if any(c.isspace() or ord(c) < 32 for c in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    host = parts.hostname.lower().rstrip(".")
    return host if re.fullmatch(r"[\w.-]+|[0-9a-f:.]+", host) else None


def _safe_url(url) -> str | None:
    """A marketer's link from config, only when it is a plain http(s) URL (never javascript: …)."""
    return url.strip() if isinstance(url, str) and _host(url.strip()) else None


def _on_domain(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


# Second-level labels under which a country's domains are registered (example.co.uk).
_SECOND_LEVEL = {"ac", "co", "com", "edu", "gov", "net", "org"}


def _registered_domain(host: str) -> str:
    """www.g2.com → g2.com; nl.trustpilot.com → trustpilot.com; www.example.co.uk → example.co.uk."""
    labels = host.split(".")
    if all(label.isdigit() for label in labels) or ":" in host:
        return host  # an IP address: only that address
    if len(labels) > 2 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _http_url(message):
    """An http(s) link of at most URL_MAX characters."""

    def check(form, field):
        if field.data and _host(field.data) is None:
            raise ValidationError(message)

    return check


def _linkedin_url(form, field):
    """Empty, or an https link on linkedin.com (or www./nl. … linkedin.com)."""
    if not field.data:
        return
    if not is_linkedin_url(field.data):
        raise ValidationError(_l(
            "Enter a LinkedIn link that starts with https://, for example https://www.linkedin.com/in/your-name."
        ))


def _linkedin_field(label):
    return URLField(
        label, filters=[_strip],
        validators=[Optional(), _max(LINKEDIN_URL_MAX), _linkedin_url],
    )


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _max(n):
    return Length(max=n, message=_l("Use at most %(max)d characters.", max=n))


def _between(low, high):
    return Length(min=low, max=high, message=_l("Write between %(min)d and %(max)d characters.", min=low, max=high))


def _agree(label, message):
    return BooleanField(label, validators=[DataRequired(message)])


class _DateField(DateField):
    """A date field that says in our words why it cannot read a date."""

    def __init__(self, *args, invalid_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "DateField"  # templates tell fields apart by type
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.invalid_message or _l("Enter a date as year-month-day.")) from None


def _labels(keys, labels: dict) -> str:
    return ", ".join(str(labels[key]) for key in keys if isinstance(key, str) and key in labels)


# --- level 1 ----------------------------------------------------------------------------------

@register
class Nps(ChallengeType):
    key = "nps"
    label = _l("NPS question")
    help = _l("How likely is the customer to recommend us (0–10), and why.")
    level = 1

    def answer_form(self, challenge, formdata=None, user=None):
        class AnswerForm(Form):
            score = _radio(
                _l("How likely are you to recommend us to a colleague?"),
                [(str(n), str(n)) for n in range(11)], _l("Choose a score from 0 to 10."),
                description=_l("0 = not at all likely, 10 = extremely likely"),
            )
            reason = TextAreaField(
                _l("What is the main reason for your score?"), filters=[_strip],
                validators=[Optional(), _max(1000)], render_kw={"rows": 4},
            )

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        score = int(form.score.data)
        return {"score": score, "reason": form.reason.data or "", "category": nps_category(score)}

    def after_submit(self, submission, user):
        # The answer reaches the account manager at once (alert, follow-up task) and steers the journey.
        from app.nps.services import record_answer

        record_answer(user, submission.data["score"], submission.data.get("reason", ""), source="challenge",
                      submission_id=submission.id)

    def summary(self, submission):
        score = submission.data.get("score")
        reason = _text(submission.data.get("reason"))
        return f"{score} · {reason[:120]}" if reason else str(score if score is not None else "")


CONTACT_PREFERENCES = {
    "email": _l("E-mail"), "phone": _l("Phone"), "linkedin": _l("LinkedIn"), "video_call": _l("Video call"),
}


@register
class Profile(ChallengeType):
    key = "profile"
    label = _l("Profile")
    help = _l("The customer completes their profile: role, LinkedIn, topics and how to reach them.")
    level = 1
    submit_label = _l("Save my profile")

    def default_config(self):
        return {"topics": []}

    def config_form(self, formdata=None, config=None, **kwargs):
        config = _start_config(self, formdata, config)
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
        topic_choices = _indexed_texts(_config(challenge).get("topics"))

        class AnswerForm(Form):
            job_title = StringField(
                _l("Your job title"), filters=[_strip],
                validators=[DataRequired(_l("Fill in your job title.")), _max(120)],
            )
            linkedin_url = _linkedin_field(_l("Your LinkedIn profile (optional)"))
            if topic_choices:
                topics = _checkboxes(_l("Topics that interest you"), topic_choices)
            contact_preference = _radio(
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
        return _text(submission.data.get("job_title"))[:140]


CONTENT_KINDS = {"article": _l("An article"), "video": _l("A video")}


@register
class Content(ChallengeType):
    key = "content"
    label = _l("Read or watch")
    help = _l("Read an article or watch a video, then react to it.")
    level = 1

    def default_config(self):
        return {"url": "", "kind": "article", "link_label": {"nl": "", "en": ""}}

    def config_form(self, formdata=None, config=None, **kwargs):
        config = _start_config(self, formdata, config)
        link_label = TextPair(
            "link_label", _l("Link text"), max_chars=100,
            description=_l("Optional. Without it the link reads “Read the article” or “Watch the video”."),
        )
        fields = {
            "url": URLField(
                _l("Link to the article or video"), filters=[clean_text],
                validators=[
                    DataRequired(_l("Fill in the link to the article or video.")), _max(URL_MAX),
                    _config_link(_l("Enter a full link that starts with http:// or https://, "
                                    "for example https://example.com/article.")),
                ],
                render_kw={"maxlength": URL_MAX},
            ),
            "kind": _radio(_l("What is it?"), list(CONTENT_KINDS.items()), _l("Choose article or video.")),
        }
        kind = config.get("kind")
        data = {"url": _text(config.get("url")), "kind": kind if kind in CONTENT_KINDS else "article",
                **link_label.data(config.get("link_label"))}
        return build_config_form("ContentConfigForm", ["url", "kind", link_label], fields, formdata, data, **kwargs)

    def config_from_form(self, form):
        return {"url": form.url.data, "kind": form.kind.data, "link_label": form.texts("link_label")}

    def context(self, challenge, user):
        config = _config(challenge)
        kind = config.get("kind") if config.get("kind") in ("article", "video") else "article"
        default = _l("Watch the video") if kind == "video" else _l("Read the article")
        return {"url": _safe_url(config.get("url")), "kind": kind,
                "link_label": localized_value(config.get("link_label")).strip() or default}

    def answer_form(self, challenge, formdata=None, user=None):
        class AnswerForm(Form):
            reaction = TextAreaField(
                _l("Your reaction"), filters=[_strip],
                validators=[DataRequired(_l("Write your reaction.")), _between(10, 1000)], render_kw={"rows": 4},
            )
            confirmed = _agree(_l("I have read or watched it"), _l("Confirm that you have read or watched it."))

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        return {"reaction": form.reaction.data, "confirmed": True}

    def summary(self, submission):
        return _text(submission.data.get("reaction"))[:140]


# --- level 2 ----------------------------------------------------------------------------------

QUOTE_CHANNELS = {
    "website": _l("Website"), "social": _l("Social media"),
    "sales_material": _l("Sales material"), "events": _l("Events"),
}


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@register
class Quote(ChallengeType):
    publishes = True
    key = "quote"
    label = _l("Quote")
    help = _l("A testimonial with a publication consent: name, company, logo, photo, channels and an end date.")
    level = 2
    needs_review = True
    contribution = True
    consent = True
    submit_label = _l("Send my quote")

    def default_config(self):
        return {"channels": list(QUOTE_CHANNELS)}

    def config_form(self, formdata=None, config=None, **kwargs):
        config = _start_config(self, formdata, config)
        fields = {"channels": _checkboxes(
            _l("Where customers can allow their quote to be used"), list(QUOTE_CHANNELS.items()),
            _l("Choose at least one place where quotes may be used."),
        )}
        data = {"channels": _keys(config.get("channels"), QUOTE_CHANNELS)}
        return build_config_form("QuoteConfigForm", ["channels"], fields, formdata, data, **kwargs)

    def config_from_form(self, form):
        return {"channels": _in_order(form.channels.data, QUOTE_CHANNELS)}

    def answer_form(self, challenge, formdata=None, user=None):
        offered = _keys(_config(challenge).get("channels"), QUOTE_CHANNELS)
        channel_choices = [(key, QUOTE_CHANNELS[key]) for key in offered]

        class AnswerForm(Form):
            quote = TextAreaField(
                _l("Your quote"), filters=[_strip],
                validators=[DataRequired(_l("Write your quote.")), _between(20, 600)], render_kw={"rows": 4},
            )
            show_name = BooleanField(_l("You may show my name"))
            show_company = BooleanField(_l("You may show my company name"))
            show_logo = BooleanField(_l("You may show my company's logo"))
            show_photo = BooleanField(_l("You may show my photo"))
            channels = _checkboxes(
                _l("Where may we use it?"), channel_choices,
                _l("Choose at least one place where we may use your quote."),
            )
            until = _DateField(
                _l("Until (optional)"), validators=[Optional()],
                description=_l("Leave empty to allow use until you withdraw your consent."),
                invalid_message=_l("Enter a date as year-month-day, or leave it empty."),
            )
            agree = _agree(
                _l("I agree that my quote is published as described above. I can withdraw this consent at any time."),
                _l("Give your consent to publish the quote, or don't send it."),
            )

            def validate_until(form, field):
                if field.data is None:
                    return
                today = dates.today()
                if not today < field.data <= _years_later(today, 3):
                    raise ValidationError(
                        _l("Choose a date after today and at most three years ahead, or leave it empty.")
                    )

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        return {
            "quote": form.quote.data,
            "show_name": bool(form.show_name.data), "show_company": bool(form.show_company.data),
            "show_logo": bool(form.show_logo.data), "show_photo": bool(form.show_photo.data),
            "channels": list(form.channels.data),
            "until": form.until.data.isoformat() if form.until.data else None,
            "agree": True,
        }

    def summary(self, submission):
        return _text(submission.data.get("quote"))[:140]


INTERVIEW_FORMATS = {"video_call": _l("Video call"), "on_site": _l("At your office"), "written": _l("In writing")}
STORY_PERIODS = {"this_month": _l("This month"), "next_quarter": _l("Next quarter"), "later": _l("Later")}


@register
class CaseStory(ChallengeType):
    publishes = True
    key = "case_story"
    label = _l("Customer story")
    help = _l("Consent to a customer story and a short interview.")
    level = 2
    needs_review = True
    contribution = True
    consent = True

    def answer_form(self, challenge, formdata=None, user=None):
        class AnswerForm(Form):
            agree_story = _agree(
                _l("You may write a customer story about us. I read and approve the text before it is published."),
                _l("Give your consent to the story, or don't send it."),
            )
            interview_format = _radio(
                _l("How would you like to do the interview?"), list(INTERVIEW_FORMATS.items()),
                _l("Choose how you would like to do the interview."),
            )
            period = _radio(_l("When suits you?"), list(STORY_PERIODS.items()), _l("Choose when it suits you."))
            topics = TextAreaField(
                _l("What should the story be about? (optional)"), filters=[_strip],
                validators=[Optional(), _max(1000)], render_kw={"rows": 3},
            )

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        return {"agree_story": True, "interview_format": form.interview_format.data,
                "period": form.period.data, "topics": form.topics.data or ""}

    def summary(self, submission):
        return _labels([submission.data.get("interview_format"), submission.data.get("period")],
                       {**INTERVIEW_FORMATS, **STORY_PERIODS})


REVIEW_SITE_NAME_MAX = 80


@register
class Review(ChallengeType):
    key = "review"
    label = _l("Review")
    help = _l("Write a review on an external site and paste its link; marketing checks it before points.")
    level = 2
    needs_review = True
    contribution = True
    submit_label = _l("Send the link")

    def default_config(self):
        return {"site_name": "", "site_url": ""}

    def config_form(self, formdata=None, config=None, **kwargs):
        config = _start_config(self, formdata, config)
        fields = {
            "site_name": StringField(
                _l("Name of the review site"), filters=[clean_text],
                description=_l("For example G2, Capterra or Trustpilot."),
                validators=[DataRequired(_l("Fill in the name of the review site.")), _max(REVIEW_SITE_NAME_MAX)],
                render_kw={"maxlength": REVIEW_SITE_NAME_MAX},
            ),
            "site_url": URLField(
                _l("Link to your reviews on that site"), filters=[clean_text],
                description=_l("Customers write their review there; the link they send back must be on the same site."),
                validators=[
                    DataRequired(_l("Fill in the link to your reviews on the review site.")), _max(URL_MAX),
                    _config_link(_l("Enter a full link that starts with https://, "
                                    "for example https://www.g2.com/products/your-product/reviews."), https_only=True),
                ],
                render_kw={"maxlength": URL_MAX},
            ),
        }
        data = {"site_name": _text(localized_value(config.get("site_name"))), "site_url": _text(config.get("site_url"))}
        return build_config_form("ReviewConfigForm", ["site_name", "site_url"], fields, formdata, data, **kwargs)

    def config_from_form(self, form):
        return {"site_name": form.site_name.data, "site_url": form.site_url.data}

    def _site(self, challenge):
        config = _config(challenge)
        name = _text(localized_value(config.get("site_name")))[:100]
        url = _safe_url(config.get("site_url"))
        domain = _registered_domain(_host(url)) if url else None
        return name, url, domain

    def context(self, challenge, user):
        name, url, _domain = self._site(challenge)
        return {"site_name": name, "site_url": url}

    def answer_form(self, challenge, formdata=None, user=None):
        name, _url, domain = self._site(challenge)

        class AnswerForm(Form):
            review_url = URLField(
                _l("The link to your review"), filters=[_strip],
                validators=[
                    DataRequired(_l("Paste the link to your review.")),
                    _max(URL_MAX),
                    _http_url(_l("Paste a link that starts with http:// or https://.")),
                ],
            )

            def validate_review_url(form, field):
                host = _host(field.data)
                if host and domain and not _on_domain(host, domain):
                    raise ValidationError(gettext("Paste the link to your review on %(site)s.", site=name or domain))

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        return {"review_url": form.review_url.data, "site_name": self._site(challenge)[0]}

    def summary(self, submission):
        return _text(submission.data.get("review_url"))[:140]


EVENT_ROLES = {"co_host": _l("Co-host"), "speaker": _l("Speaker"), "panel": _l("Panel member"),
               "host_site": _l("Host at your site")}


@register
class Event(ChallengeType):
    key = "event"
    label = _l("Event")
    help = _l("Co-host or speak at an event: the customer chooses a moment and a role.")
    level = 2
    needs_review = True
    contribution = True

    def default_config(self):
        return {"event": {"nl": "", "en": ""}, "slots": [], "roles": list(EVENT_ROLES)}

    def config_form(self, formdata=None, config=None, **kwargs):
        config = _start_config(self, formdata, config)
        event = TextPair("event", _l("Event name"), max_chars=200, required={
            "nl": _l("Fill in the event's name in Dutch."), "en": _l("Fill in the event's name in English."),
        })
        slots = TextRows(
            "slot", _l("Moments"), lambda n: _l("Moment %(n)d", n=n),
            items=config.get("slots"), formdata=formdata, rows=6, max_rows=12, min_filled=1,
            too_few=_l("Give at least one moment customers can choose, in Dutch and English."),
            description=_l("The dates or sessions customers choose from, each in Dutch and English. "
                           "Empty rows are left out."),
        )
        fields = {"roles": _checkboxes(
            _l("Roles customers can choose"), list(EVENT_ROLES.items()), _l("Choose at least one role."),
        )}
        data = {**event.data(config.get("event")), **slots.data(), "roles": _keys(config.get("roles"), EVENT_ROLES)}
        return build_config_form("EventConfigForm", [event, slots, "roles"], fields, formdata, data, **kwargs)

    def config_from_form(self, form):
        return {"event": form.texts("event"), "slots": form.texts("slot"),
                "roles": _in_order(form.roles.data, EVENT_ROLES)}

    def context(self, challenge, user):
        return {"event": localized_value(_config(challenge).get("event")).strip()}

    def answer_form(self, challenge, formdata=None, user=None):
        config = _config(challenge)
        slots = _indexed_texts(config.get("slots"))
        roles = [(key, EVENT_ROLES[key]) for key in _keys(config.get("roles"), EVENT_ROLES)]

        class AnswerForm(Form):
            if slots:
                slot = _radio(_l("Which moment suits you?"), slots, _l("Choose a moment."))
            role = _radio(_l("Which role would you like?"), roles, _l("Choose a role."))
            note = TextAreaField(
                _l("Anything we should know? (optional)"), filters=[_strip],
                validators=[Optional(), _max(500)], render_kw={"rows": 3},
            )

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        config = _config(challenge)
        slots = config.get("slots")
        slot = form._fields.get("slot")
        index = int(slot.data) if slot is not None else None
        return {
            "event": config.get("event") if isinstance(config.get("event"), dict | str) else "",
            "slot": index, "slot_label": slots[index] if index is not None else None,
            "role": form.role.data, "note": form.note.data or "",
        }

    def summary(self, submission):
        parts = [_labels([submission.data.get("role")], EVENT_ROLES),
                 localized_value(submission.data.get("slot_label"))]
        return " · ".join(part for part in parts if part)


REFERENCE_CONTACT = {"email": _l("E-mail"), "phone": _l("Phone"), "video_call": _l("Video call")}


@register
class ReferenceCall(ChallengeType):
    key = "reference_call"
    label = _l("Reference calls")
    help = _l("Be a reference for prospects: how often per quarter, about what, and how.")
    level = 2
    contribution = True
    consent = True

    def answer_form(self, challenge, formdata=None, user=None):
        class AnswerForm(Form):
            calls_per_quarter = _radio(
                _l("How many calls per quarter at most?"), [(str(n), str(n)) for n in range(1, 5)],
                _l("Choose how many calls per quarter suit you."),
            )
            topics = TextAreaField(
                _l("What can you tell about? (optional)"), filters=[_strip],
                validators=[Optional(), _max(500)], render_kw={"rows": 3},
            )
            contact = _radio(
                _l("How may we reach you for a call?"), list(REFERENCE_CONTACT.items()),
                _l("Choose how we may reach you."),
            )
            agree = _agree(
                _l("Our sales team may introduce me to prospects as a reference. I can stop at any time."),
                _l("Give your consent to be a reference, or don't send it."),
            )

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        return {"calls_per_quarter": form.calls_per_quarter.data, "topics": form.topics.data or "",
                "contact": form.contact.data, "agree": True}

    def summary(self, submission):
        try:
            calls = int(submission.data.get("calls_per_quarter"))
        except (TypeError, ValueError):
            return ""
        return ngettext("At most %(num)d call per quarter", "At most %(num)d calls per quarter", calls)


# --- level 3: nothing is awarded for submitting; points come at sales milestones -----------------

REFERRAL_ROUTES = {
    "introduce": _l("I introduce you myself (we give you a ready message)"),
    "contact": _l("You may contact them and mention me"),
    "inbound": _l("They will contact you (I share my link)"),
}


MESSAGE_LANGUAGES = {"nl": _l("Dutch"), "en": _l("English")}


def _intro_from(data: dict):
    from app.referrals.services import Introduction

    return Introduction(
        name=data.get("name", ""), company=data.get("company", ""), job_role=data.get("role", ""),
        linkedin_url=data.get("linkedin_url", ""), email=data.get("email") or None, benefit=data.get("benefit", ""),
        may_mention=bool(data.get("may_mention")), route=data.get("route"), token=data.get("token"),
        message_locale=data.get("message_locale") or "nl",
    )


@register
class Referral(ChallengeType):
    key = "referral"
    label = _l("Referral")
    help = _l("Introduce someone who would benefit. No phone number or e-mail of the other person is asked.")
    level = 3
    awards_on_submit = False
    confirm_step = True
    parallel = True
    submit_label = _l("Show me the message")

    def answer_form(self, challenge, formdata=None, user=None):
        class AnswerForm(Form):
            name = StringField(
                _l("Their name"), filters=[_strip], validators=[DataRequired(_l("Fill in their name.")), _max(120)],
            )
            company = StringField(
                _l("Their company"), filters=[_strip],
                validators=[DataRequired(_l("Fill in their company.")), _max(200)],
            )
            role = StringField(
                _l("Their role"), filters=[_strip], validators=[DataRequired(_l("Fill in their role.")), _max(120)],
            )
            linkedin_url = _linkedin_field(_l("Their LinkedIn profile (optional)"))
            benefit = TextAreaField(
                _l("Why would this person benefit? (value for them, not a favour to us)"), filters=[_strip],
                validators=[DataRequired(_l("Tell us why this person would benefit.")), _between(20, 1000)],
                render_kw={"rows": 4},
            )
            may_mention = BooleanField(_l("You may mention my name"))
            route = _radio(
                _l("How shall we get in touch?"), list(REFERRAL_ROUTES.items()), _l("Choose how we get in touch."),
            )
            agreed_contact = BooleanField(_l("They agreed to be contacted by e-mail"))
            email = StringField(
                _l("Their e-mail (only if they agreed)"), filters=[_strip],
                validators=[Optional(), _max(254), Email(
                    message=_l("Enter a valid e-mail address, like name@company.com."), check_deliverability=False)],
                description=_l("Not needed. Only fill it in when they told you they are happy to be contacted."),
            )
            message_locale = RadioField(
                _l("Language of the message"), choices=_options(MESSAGE_LANGUAGES.items()), validate_choice=False,
                default=(getattr(user, "locale", None) or "nl"),
                validators=[Optional(), _one_of(list(MESSAGE_LANGUAGES), _l("Choose the language of the message."))],
            )
            token = HiddenField(filters=[_strip])

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
            "token": form.token.data or "",
        }

    def preview(self, form, challenge, user):
        from app.referrals.services import TOKEN_PATTERN, new_token, outreach_message, share_link

        if not TOKEN_PATTERN.match(form.token.data or ""):
            form.token.data = new_token()
        intro = _intro_from(self.to_data(form, challenge, user))
        link = share_link(user, "email") if intro.route == "inbound" else None
        return {"message": outreach_message(user, intro, intro.message_locale, share_link=link),
                "language": MESSAGE_LANGUAGES.get(intro.message_locale, "")}

    def check(self, data, user):
        from app.referrals.models import FROM_REFERRAL
        from app.referrals.services import check_introduction

        check_introduction(user, _intro_from(data), source=FROM_REFERRAL)

    def after_submit(self, submission, user):
        from app.referrals.models import FROM_REFERRAL
        from app.referrals.services import add_referee

        data = dict(submission.data)
        referee = add_referee(user, _intro_from(data), source=FROM_REFERRAL, submission_id=submission.id, checked=True)
        # The submission keeps what the referrer sees; the person's details live on the referee.
        data.pop("email", None)
        data["token"] = referee.token
        submission.data = data

    def summary(self, submission):
        if submission.data.get("erased"):
            return gettext("(details erased at the person's request)")
        name, company = _text(submission.data.get("name")), _text(submission.data.get("company"))
        return f"{name} ({company})" if company else name


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
                _l("Your contacts"), filters=[_strip],
                validators=[DataRequired(_l("Name at least one contact.")), _max(3000)],
                description=_l("One contact per line: name — company. At most %(max)d.", max=LINKEDIN_INTRO_MAX),
                render_kw={"rows": 6},
            )
            agree = _agree(
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
        from app.referrals.services import Introduction, outreach_message

        intro = Introduction(name=str(_l("[their name]")), company="", route="contact", may_mention=True,
                             benefit=str(_l("[why you think they would benefit]")))
        return {"message": outreach_message(user, intro, getattr(user, "locale", None) or "nl")}

    @staticmethod
    def _contacts(data, user):
        from app.referrals.services import Introduction

        for line in data.get("contacts", []):
            name, company = split_contact(line)
            yield line, Introduction(name=name, company=company, route="contact", may_mention=True,
                                     message_locale=getattr(user, "locale", None) or "nl")

    def _each_contact(self, data, user, act) -> None:
        """`act(n, introduction)` per contact; a refusal names the contact's line."""
        from app.referrals.services import ReferralRefused

        for n, (line, intro) in enumerate(self._contacts(data, user)):
            try:
                act(n, intro)
            except ReferralRefused as refused:
                raise ReferralRefused("contacts", gettext("%(contact)s: %(reason)s", contact=line, reason=refused.message)) from None

    def check(self, data, user):
        from app.referrals.models import FROM_LINKEDIN
        from app.referrals.services import check_introduction

        # One LinkedIn permission counts as one introduction towards the daily cap.
        self._each_contact(data, user, lambda n, intro: check_introduction(
            user, intro, source=FROM_LINKEDIN, count_quota=n == 0))

    def after_submit(self, submission, user):
        from app.referrals.models import FROM_LINKEDIN
        from app.referrals.services import add_referee

        self._each_contact(submission.data, user, lambda _n, intro: add_referee(
            user, intro, source=FROM_LINKEDIN, submission_id=submission.id, checked=True))

    def summary(self, submission):
        contacts = submission.data.get("contacts")
        n = len(contacts) if isinstance(contacts, list) else 0
        return ngettext("%(num)d contact", "%(num)d contacts", n)


def split_contact(line: str) -> tuple[str, str]:
    """ "Anna de Vries — Bouw BV" (or with -, – , | or a comma) → ("Anna de Vries", "Bouw BV")."""
    parts = re.split(r"\s+[—–|-]\s+|\s*[,|]\s*", line, maxsplit=1)
    name = parts[0].strip()
    company = parts[1].strip() if len(parts) > 1 else ""
    return name, company


def _lines(text) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


SHARE_MESSAGE_MAX = 1000
SHARE_CHANNELS = {"linkedin": _l("LinkedIn"), "email": _l("E-mail"), "whatsapp": _l("WhatsApp"), "qr": _l("QR code"),
                  "other": _l("Other (the plain link)")}


def ensure_referral_code(user) -> str:
    """The customer's personal referral code, made the first time it is needed.

    A conditional UPDATE (only while the user has none) keeps two parallel first visits from
    handing out two different links; the UNIQUE column makes a clash draw another code.
    """
    user = user._get_current_object() if hasattr(user, "_get_current_object") else user
    if user.referral_code:
        return user.referral_code
    for _attempt in range(5):
        code = secrets.token_urlsafe(9)[:12]
        try:
            with db.session.begin_nested():
                db.session.execute(
                    update(User).where(User.id == user.id, User.referral_code.is_(None)).values(referral_code=code)
                    .execution_options(synchronize_session=False)
                )
        except IntegrityError:
            continue  # someone else has this code: draw another
        break
    db.session.refresh(user, ["referral_code"])
    # A link that is shown must keep working: ask the route to commit, even on a GET.
    db.session.info["commit_after_context"] = True
    return user.referral_code


def _qr_data_uri(text: str) -> str:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=4, border=2, light="#fff", xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@register
class Share(ChallengeType):
    key = "share"
    label = _l("Share your link")
    help = _l("A personal referral link per channel, with a ready message and a QR code.")
    level = 3
    awards_on_submit = False
    submit_label = _l("Confirm")

    def _message(self, challenge) -> str:
        return localized_value(_config(challenge).get("message")).strip() or str(_l(
            "We have been working with this team for a while and it really helps us. "
            "Perhaps it is something for you too?"
        ))

    def default_config(self):
        return {"message": {
            "nl": "We werken al een tijdje met dit team samen en het helpt ons echt. "
                  "Misschien is het ook iets voor jou?",
            "en": "We have been working with this team for a while and it really helps us. "
                  "Perhaps it is something for you too?",
        }}

    def config_form(self, formdata=None, config=None, **kwargs):
        config = _start_config(self, formdata, config)
        message = TextPair(
            "message", _l("Message"), max_chars=SHARE_MESSAGE_MAX, textarea=True,
            required={"nl": _l("Write the message in Dutch."), "en": _l("Write the message in English.")},
            description=_l("The ready-made text customers share with their personal link (the link is added to it)."),
        )
        data = message.data(config.get("message"))
        return build_config_form("ShareConfigForm", [message], {}, formdata, data, **kwargs)

    def config_from_form(self, form):
        return {"message": form.texts("message")}

    def context(self, challenge, user):
        from app.referrals.services import channel_counts

        code = ensure_referral_code(user)
        link = url_for("referrals.landing", code=code, _external=True)
        message = self._message(challenge)

        def on(channel):
            return f"{link}?c={channel}"

        channels = [
            {"key": "linkedin", "label": SHARE_CHANNELS["linkedin"],
             "href": "https://www.linkedin.com/sharing/share-offsite/?url=" + quote(on("linkedin"), safe="")},
            {"key": "email", "label": SHARE_CHANNELS["email"],
             "href": "mailto:?subject=" + quote(str(_l("A tip for you")), safe="")
                     + "&body=" + quote(f"{message}\n\n{on('email')}", safe="")},
            {"key": "whatsapp", "label": SHARE_CHANNELS["whatsapp"],
             "href": "https://wa.me/?text=" + quote(f"{message} {on('whatsapp')}", safe="")},
        ]
        return {"link": link, "message": message, "channels": channels, "qr": _qr_data_uri(on("qr")),
                "counts": channel_counts(user.id), "channel_labels": SHARE_CHANNELS}

    def answer_form(self, challenge, formdata=None, user=None):
        class AnswerForm(Form):
            channels = _checkboxes(
                _l("How will you share it?"), list(SHARE_CHANNELS.items()), _l("Choose at least one way to share."),
            )
            confirm = _agree(
                _l("I have read the message and will share it personally."),
                _l("Confirm that you have read the message."),
            )
            show_name = BooleanField(
                _l("Show my first name on the page my link opens"),
                default=bool(getattr(user, "referral_show_name", False)),
            )

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        return {"channels": list(form.channels.data), "confirm": True, "show_name": bool(form.show_name.data)}

    def after_submit(self, submission, user):
        user.referral_show_name = bool(submission.data.get("show_name"))

    def summary(self, submission):
        channels = submission.data.get("channels")
        names = _labels(channels if isinstance(channels, list) else [], SHARE_CHANNELS)
        return gettext("Shared via: %(channels)s", channels=names) if names else ""
