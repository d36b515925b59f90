"""Form fields the challenge types share."""
from __future__ import annotations

from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (a fieldset), not a multi-select box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
