"""Share your link: a personal referral link per channel, with a ready message and a QR code."""
from __future__ import annotations

from urllib.parse import quote

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from app.challenges.config_fields import TextPair, build_config_form
from app.challenges.registry import ChallengeType, register
from app.challenges.types._common import checkboxes, config_of, labels_of, must_tick, start_config
from app.forms import Form
from app.i18n_content import localized_value
from app.identity.services import identity
from app.referrals.links import SHARE_CHANNELS, channel_counts, ensure_referral_code, qr_data_uri
from app.urls import external_url

SHARE_MESSAGE_MAX = 1000


@register
class Share(ChallengeType):
    key = "share"
    label = _l("Share your link")
    help = _l("A personal referral link per channel, with a ready message and a QR code.")
    level = 3
    awards_on_submit = False
    submit_label = _l("Confirm")

    def _message(self, challenge) -> str:
        """Marketing's message, and the organisation's one-line pitch: the tagline that travels on."""
        message = localized_value(config_of(challenge).get("message")).strip() or str(_l(
            "We have been working with this team for a while and it really helps us. "
            "Perhaps it is something for you too?"
        ))
        org = identity()
        return f"{message}\n\n{org.name}: {org.pitch}" if org.pitch else message

    def default_config(self):
        return {"message": {
            "nl": "We werken al een tijdje met dit team samen en het helpt ons echt. "
                  "Misschien is het ook iets voor jou?",
            "en": "We have been working with this team for a while and it really helps us. "
                  "Perhaps it is something for you too?",
        }}

    def config_form(self, formdata=None, config=None, **kwargs):
        config = start_config(self, formdata, config)
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
        code = ensure_referral_code(user)
        link = external_url("referrals.landing", code=code)
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
        return {"link": link, "message": message, "channels": channels, "qr": qr_data_uri(on("qr")),
                "counts": channel_counts(user.id), "channel_labels": SHARE_CHANNELS}

    def answer_form(self, challenge, formdata=None, user=None):
        class AnswerForm(Form):
            channels = checkboxes(
                _l("How will you share it?"), list(SHARE_CHANNELS.items()), _l("Choose at least one way to share."),
            )
            confirm = must_tick(
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
        names = labels_of(channels, SHARE_CHANNELS)
        return gettext("Shared via: %(channels)s", channels=names) if names else ""
