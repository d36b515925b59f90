"""The base form every form in the app uses."""
from __future__ import annotations

from flask_wtf import FlaskForm


def _drop_nul(value):
    # NUL bytes are never meaningful in text and PostgreSQL refuses them outright.
    return value.replace("\x00", "") if isinstance(value, str) else value


class Form(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = [*unbound_field.kwargs.get("filters", ()), _drop_nul]
            return unbound_field.bind(form=form, filters=filters, **options)
