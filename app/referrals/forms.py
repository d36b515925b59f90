"""Forms of the referee's landing page and of the feedback after a first conversation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from app.forms import Form, strip


class LandingForm(Form):
    name = StringField(_l("Your name"), filters=[strip], validators=[
        DataRequired(_l("Fill in your name.")), Length(max=120, message=_l("Keep it to %(max)d characters."))])
    company = StringField(_l("Your company"), filters=[strip], validators=[
        DataRequired(_l("Fill in your company.")), Length(max=200, message=_l("Keep it to %(max)d characters."))])
    email = StringField(_l("Your work e-mail"), filters=[strip], validators=[
        DataRequired(_l("Fill in your e-mail address.")),
        Length(max=254, message=_l("Keep it to %(max)d characters.")),
        Email(message=_l("Enter a valid e-mail address, like name@company.com."), check_deliverability=False)])
    need = TextAreaField(_l("What are you looking for?"), filters=[strip], render_kw={"rows": 4}, validators=[
        DataRequired(_l("Tell us briefly what you need.")),
        Length(max=1000, message=_l("Keep it to %(max)d characters."))])
    consent = BooleanField(_l("You may contact me about this and keep my details for that purpose."), validators=[
        DataRequired(_l("We need your consent to contact you."))])


class FeedbackForm(Form):
    feedback = TextAreaField(_l("How did it go?"), filters=[strip], render_kw={"rows": 3}, validators=[
        DataRequired(_l("Write a few words.")), Length(max=1000, message=_l("Keep it to %(max)d characters."))])
