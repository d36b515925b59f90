"""Read or watch: an article or a video the marketer links to, and the customer's reaction."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField, URLField
from wtforms.validators import DataRequired

from app.challenges.config_fields import TextPair, build_config_form, clean_text
from app.challenges.registry import ChallengeType, register
from app.challenges.types._common import (
    URL_MAX,
    between,
    config_link,
    config_of,
    must_tick,
    radio,
    safe_url,
    start_config,
    text_of,
)
from app.forms import Form, max_length, strip
from app.i18n_content import localized_value

CONTENT_KINDS = {"article": _l("An article"), "video": _l("A video")}


@register
class Content(ChallengeType):
    key = "content"
    label = _l("Read or watch")
    help = _l("Read an article or watch a video, then react to it.")
    level = 1
    answer_search_keys = ("reaction",)
    text_in_own_words = True

    def default_config(self):
        return {"url": "", "kind": "article", "link_label": {"nl": "", "en": ""}}

    def config_form(self, formdata=None, config=None, **kwargs):
        config = start_config(self, formdata, config)
        link_label = TextPair(
            "link_label", _l("Link text"), max_chars=100,
            description=_l("Optional. Without it the link reads “Read the article” or “Watch the video”."),
        )
        fields = {
            "url": URLField(
                _l("Link to the article or video"), filters=[clean_text],
                validators=[
                    DataRequired(_l("Fill in the link to the article or video.")), max_length(URL_MAX),
                    config_link(_l("Enter a full link that starts with http:// or https://, "
                                   "for example https://example.com/article.")),
                ],
                render_kw={"maxlength": URL_MAX},
            ),
            "kind": radio(_l("What is it?"), list(CONTENT_KINDS.items()), _l("Choose article or video.")),
        }
        kind = config.get("kind")
        data = {"url": text_of(config.get("url")), "kind": kind if kind in CONTENT_KINDS else "article",
                **link_label.data(config.get("link_label"))}
        return build_config_form("ContentConfigForm", ["url", "kind", link_label], fields, formdata, data, **kwargs)

    def config_from_form(self, form):
        return {"url": form.url.data, "kind": form.kind.data, "link_label": form.texts("link_label")}

    def context(self, challenge, user):
        config = config_of(challenge)
        kind = config.get("kind") if config.get("kind") in ("article", "video") else "article"
        default = _l("Watch the video") if kind == "video" else _l("Read the article")
        return {"url": safe_url(config.get("url")), "kind": kind,
                "link_label": localized_value(config.get("link_label")).strip() or default}

    def answer_form(self, challenge, formdata=None, user=None):
        class AnswerForm(Form):
            reaction = TextAreaField(
                _l("Your reaction"), filters=[strip],
                validators=[DataRequired(_l("Write your reaction.")), between(10, 1000)], render_kw={"rows": 4},
            )
            confirmed = must_tick(_l("I have read or watched it"), _l("Confirm that you have read or watched it."))

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        return {"reaction": form.reaction.data, "confirmed": True}

    def summary(self, submission):
        return text_of(submission.data.get("reaction"))[:140]
