"""Building blocks for the marketers' settings forms (`ChallengeType.config_form`).

Marketer texts are stored as {"nl": …, "en": …}. A form shows such a text as two inputs,
`<name>_nl` and `<name>_en` (`TextPair`), and a list of them as numbered rows of two inputs,
`<prefix>_<n>_nl` and `<prefix>_<n>_en` with n from 1 (`TextRows`); rows left empty are ignored.

Every settings form is a `ConfigForm`: its fields render one by one like any form, with labels
that say which language and which row they are. `form.layout` offers the same fields grouped for
a nicer page: a list of fields and groups, where a group (`type` "TextPair" or "TextRows") has a
`label`, `description`, `rows` ([(row label, Dutch field, English field)]) and `errors`.
"""
from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, StopValidation, ValidationError

from app.forms import Form, max_length

LANGUAGES = ("nl", "en")


def clean_text(value):
    """Text as typed, without NUL bytes and surrounding white space."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def text_in(value: Any, language: str) -> str:
    """One language of a stored text; a plain string counts for both languages."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get(language), str):
        return value[language]
    return ""


def _label(setting, language: str):
    if language == "nl":
        return _l("%(setting)s in Dutch", setting=setting)
    return _l("%(setting)s in English", setting=setting)


def _field(label, validators, textarea: bool, render_kw=None):
    cls = TextAreaField if textarea else StringField
    return cls(label, filters=[clean_text], validators=validators, render_kw=render_kw or {})


class TextPair:
    """One text in both languages: fields `<name>_nl` and `<name>_en`."""

    type = "TextPair"

    def __init__(self, name: str, label, *, max_chars: int, required: dict | None = None,
                 textarea: bool = False, description=None):
        """`required` maps each language to its message when empty; without it the text is
        optional, but once one language is filled in the other must be too."""
        self.name, self.label, self.max_chars = name, label, max_chars
        self.required, self.textarea, self.description = required, textarea, description
        self.names = {language: f"{name}_{language}" for language in LANGUAGES}

    def fields(self) -> dict:
        fields = {}
        for language in LANGUAGES:
            if self.required:
                validators = [DataRequired(self.required[language]), max_length(self.max_chars)]
            else:
                validators = [max_length(self.max_chars), _partner_filled(self.names, language)]
            render_kw = {"rows": 4} if self.textarea else {"maxlength": self.max_chars}
            fields[self.names[language]] = _field(_label(self.label, language), validators, self.textarea, render_kw)
        return fields

    def data(self, value) -> dict:
        return {self.names[language]: text_in(value, language) for language in LANGUAGES}

    def value(self, form) -> dict:
        return {language: clean_text(form[self.names[language]].data) or "" for language in LANGUAGES}

    def bind(self, form) -> BoundGroup:
        return BoundGroup(self, [(self.label, form[self.names["nl"]], form[self.names["en"]])])


class TextRows:
    """A list of texts in both languages: rows of fields `<prefix>_<n>_nl` and `<prefix>_<n>_en`.

    There are `rows` rows (at least one empty row more than the stored list, at most `max_rows`);
    when posted data names higher rows, the form grows to read them.
    """

    type = "TextRows"

    def __init__(self, prefix: str, label, row_label, *, items=None, formdata=None, rows: int,
                 max_rows: int, max_chars: int = 200, min_filled: int = 0, too_few=None, description=None):
        """`row_label(n)` names row n (e.g. "Option 2"); `too_few` is the message when fewer than
        `min_filled` rows are filled in."""
        self.name = self.prefix = prefix
        self.label, self.row_label = label, row_label
        self.max_chars, self.min_filled, self.too_few = max_chars, min_filled, too_few
        self.description = description
        self.items = items if isinstance(items, list) else []
        self.rows = max(1, min(max_rows, max(rows, len(self.items) + 1, self._posted_rows(formdata, max_rows))))

    def names(self, n: int) -> dict:
        return {language: f"{self.prefix}_{n}_{language}" for language in LANGUAGES}

    def _posted_rows(self, formdata, max_rows: int) -> int:
        pattern = re.compile(rf"{re.escape(self.prefix)}_([1-9][0-9]{{0,2}})_(?:nl|en)")
        highest = 0
        for key in (formdata.keys() if hasattr(formdata, "keys") else ()):
            match = pattern.fullmatch(key) if isinstance(key, str) else None
            if match and int(match.group(1)) <= max_rows:
                highest = max(highest, int(match.group(1)))
        return highest

    def fields(self) -> dict:
        fields = {}
        for n in range(1, self.rows + 1):
            names = self.names(n)
            for language in LANGUAGES:
                validators = [max_length(self.max_chars), _partner_filled(names, language)]
                if n == 1 and language == "nl" and self.min_filled:
                    validators.append(self._enough)
                label = _label(self.row_label(n), language)
                fields[names[language]] = _field(label, validators, False, {"maxlength": self.max_chars})
        return fields

    def _enough(self, form, field):
        if len(self._filled(form)) < self.min_filled:
            raise ValidationError(self.too_few)

    def _filled(self, form) -> list[dict]:
        texts = ({language: clean_text(form[name].data) or "" for language, name in self.names(n).items()}
                 for n in range(1, self.rows + 1))
        return [text for text in texts if any(text.values())]

    def data(self) -> dict:
        data = {}
        for n, item in enumerate(self.items[: self.rows], start=1):
            data.update({name: text_in(item, language) for language, name in self.names(n).items()})
        return data

    def value(self, form) -> list[dict]:
        return self._filled(form)

    def bind(self, form) -> BoundGroup:
        rows = [(self.row_label(n), form[self.names(n)["nl"]], form[self.names(n)["en"]])
                for n in range(1, self.rows + 1)]
        return BoundGroup(self, rows)


def _partner_filled(names: dict, language: str):
    """The other language of a row may only be filled in when this one is too."""
    other = "en" if language == "nl" else "nl"
    message = (_l("Also fill in the Dutch text: every text needs both languages.") if language == "nl"
               else _l("Also fill in the English text: every text needs both languages."))

    def check(form, field):
        if not clean_text(field.data) and clean_text(form[names[other]].data):
            raise ValidationError(message)

    return check


class BoundGroup:
    """A TextPair or TextRows with the form's fields, for templates (see the module docstring)."""

    def __init__(self, spec, rows):
        self.type, self.label, self.description = spec.type, spec.label, spec.description
        self.name = spec.name
        self.rows = rows
        self.fields = [field for _label, nl, en in rows for field in (nl, en)]

    @property
    def errors(self) -> list:
        return [error for field in self.fields for error in field.errors]


class WholeNumberField(IntegerField):
    """An integer field that says in our words why it cannot read a number."""

    def __init__(self, *args, invalid_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "IntegerField"
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            super().process_formdata([clean_text(valuelist[0])])
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_message or _l("Enter a whole number.")) from None


def number_between(low: int, high: int, message):
    """The number is from `low` to `high`; says nothing more when it could not be read at all."""

    def check(form, field):
        if field.process_errors:
            raise StopValidation()
        if not isinstance(field.data, int) or not low <= field.data <= high:
            raise StopValidation(message)

    check.field_flags = {"required": True}
    return check


class ConfigForm(Form):
    """A challenge type's settings form. `layout` lists its fields with text pairs and rows grouped."""

    _layout: list = []

    @property
    def layout(self) -> list:
        return [self[item] if isinstance(item, str) else item.bind(self) for item in self._layout]

    def texts(self, name: str):
        """The value of the TextPair or TextRows group `name`: {"nl", "en"} or a list of those."""
        for item in self._layout:
            if not isinstance(item, str) and item.name == name:
                return item.value(self)
        raise KeyError(name)


def build_config_form(name: str, layout: list, extra_fields: dict, formdata, data: dict, **kwargs) -> ConfigForm:
    """Builds and instantiates a settings form.

    `layout` lists, in order, field names from `extra_fields` and TextPair / TextRows groups.
    `data` pre-fills the fields when nothing is posted (`formdata` None); posted data is read as
    the whole truth, so a field missing from it counts as empty. `kwargs` go to the form (e.g. `meta`).
    """
    fields: dict = {}
    for item in layout:
        if isinstance(item, str):
            fields[item] = extra_fields[item]
        else:
            fields.update(item.fields())
    form_class = type(name, (ConfigForm,), {**fields, "_layout": layout})
    # The fields in layout order (WTForms would order them by when they were created).
    form_class._unbound_fields = list(fields.items())
    return form_class(formdata=formdata, data=data if formdata is None else None, **kwargs)
