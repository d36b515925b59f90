"""The review: written on an external site; the customer sends its link and marketing checks it."""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import StringField, URLField
from wtforms.validators import DataRequired, ValidationError

from app.challenges.config_fields import build_config_form, clean_text
from app.challenges.registry import ChallengeType, StaffAnswer, data_of, register
from app.challenges.types._common import (
    URL_MAX,
    config_link,
    config_of,
    host_of,
    http_url,
    on_domain,
    plain_url,
    registered_domain,
    safe_url,
    start_config,
    text_of,
)
from app.forms import Form, max_length, strip
from app.i18n_content import localized_value

REVIEW_SITE_NAME_MAX = 80


@register
class Review(ChallengeType):
    key = "review"
    label = _l("Review")
    help = _l("Write a review on an external site and paste its link; marketing checks it before points.")
    level = 2
    answer_search_keys = ("review_url",)
    needs_review = True
    contribution = True
    submit_label = _l("Send the link")
    in_library = True
    library_search_keys = ("review_url",)

    def default_config(self):
        return {"site_name": "", "site_url": ""}

    def config_form(self, formdata=None, config=None, **kwargs):
        config = start_config(self, formdata, config)
        fields = {
            "site_name": StringField(
                _l("Name of the review site"), filters=[clean_text],
                description=_l("For example G2, Capterra or Trustpilot."),
                validators=[DataRequired(_l("Fill in the name of the review site.")),
                            max_length(REVIEW_SITE_NAME_MAX)],
                render_kw={"maxlength": REVIEW_SITE_NAME_MAX},
            ),
            "site_url": URLField(
                _l("Link to your reviews on that site"), filters=[clean_text],
                description=_l("Customers write their review there; the link they send back must be on the same site."),
                validators=[
                    DataRequired(_l("Fill in the link to your reviews on the review site.")), max_length(URL_MAX),
                    config_link(_l("Enter a full link that starts with https://, "
                                   "for example https://www.g2.com/products/your-product/reviews."), https_only=True),
                ],
                render_kw={"maxlength": URL_MAX},
            ),
        }
        data = {"site_name": text_of(localized_value(config.get("site_name"))),
                "site_url": text_of(config.get("site_url"))}
        return build_config_form("ReviewConfigForm", ["site_name", "site_url"], fields, formdata, data, **kwargs)

    def config_from_form(self, form):
        return {"site_name": form.site_name.data, "site_url": form.site_url.data}

    def _site(self, challenge):
        config = config_of(challenge)
        name = text_of(localized_value(config.get("site_name")))[:100]
        url = safe_url(config.get("site_url"))
        domain = registered_domain(host_of(url)) if url else None
        return name, url, domain

    def context(self, challenge, user):
        name, url, _domain = self._site(challenge)
        return {"site_name": name, "site_url": url}

    def answer_form(self, challenge, formdata=None, user=None):
        name, _url, domain = self._site(challenge)

        class AnswerForm(Form):
            review_url = URLField(
                _l("The link to your review"), filters=[strip],
                validators=[
                    DataRequired(_l("Paste the link to your review.")),
                    max_length(URL_MAX),
                    http_url(_l("Paste a link that starts with http:// or https://.")),
                ],
            )

            def validate_review_url(form, field):
                host = host_of(field.data)
                if host and domain and not on_domain(host, domain):
                    raise ValidationError(gettext("Paste the link to your review on %(site)s.", site=name or domain))

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        return {"review_url": form.review_url.data, "site_name": self._site(challenge)[0]}

    def summary(self, submission):
        return text_of(submission.data.get("review_url"))[:140]

    def staff_answer(self, submission):
        data = data_of(submission)
        raw = text_of(data.get("review_url"))
        url = plain_url(raw)
        facts = [(gettext("Site"), text_of(data.get("site_name")) or "–")]
        if raw and not url:
            facts.append((gettext("Link as sent"), raw[:500]))
        return StaffAnswer(url=url, facts=facts)

    def library_text(self, data):
        return text_of(data.get("review_url"))
