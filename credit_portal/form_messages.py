"""Error messages written for each field: the one place that replaces Django's defaults.

GOV.UK's rule for error messages is to say what went wrong and how to fix it, naming the
field ("Enter your full name", "Title must be 200 characters or fewer"). Django's stock
messages do neither ("该字段是必填项。" twice in a summary, "确保该值大于或等于1990"), so
every form that inherits ``GovukFormMixin`` runs ``name_field_errors`` when it is made:
each message that is still Django's default, or that a validator would raise with its own
wording (``max_length``, ``min_value``…), becomes the catalogue's message below with the
field's label in it. Messages a form declares itself (``error_messages={...}``) are kept:
they are already written for their field.

``CATALOGUE`` is also what tests/credit_portal/test_form_messages.py checks every rendered
error against, so a new field type with a default message fails a test instead of
reaching a page.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.forms.utils import pretty_name
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

# The approved wordings, by kind of field and error code. `%(label)s` is the field's label;
# the other placeholders are the parameters Django's validators pass with the error.
TEXT_MESSAGES: dict[str, Any] = {
    "required": _("Enter %(label)s"),
    "max_length": _("%(label)s must be %(limit_value)s characters or fewer (you have entered %(show_value)s)"),
    "min_length": _("%(label)s must be at least %(limit_value)s characters (you have entered %(show_value)s)"),
    "invalid": _("Enter %(label)s in the correct format"),
    "null_characters_not_allowed": _("%(label)s must not contain control characters"),
}
NUMBER_MESSAGES: dict[str, Any] = {
    "required": _("Enter %(label)s"),
    "invalid": _("%(label)s must be a whole number, for example 12"),
    "min_value": _("%(label)s must be %(limit_value)s or more"),
    "max_value": _("%(label)s must be %(limit_value)s or less"),
    "step_size": _("%(label)s must be a multiple of %(limit_value)s"),
    "max_digits": _("%(label)s must have no more than %(max)s digits"),
    "max_decimal_places": _("%(label)s must have no more than %(max)s decimal places"),
    "max_whole_digits": _("%(label)s must have no more than %(max)s digits before the decimal point"),
}
CHOICE_MESSAGES: dict[str, Any] = {
    "required": _("Choose %(label)s"),
    "invalid_choice": _("Choose %(label)s from the list"),
    "invalid_list": _("Choose %(label)s from the list"),
    "invalid_pk_value": _("Choose %(label)s from the list"),
}
FILE_MESSAGES: dict[str, Any] = {
    "required": _("Choose a file for %(label)s"),
    "invalid": _("The file for %(label)s could not be read: choose it again"),
    "missing": _("The file for %(label)s could not be read: choose it again"),
    "empty": _("The file for %(label)s is empty"),
    "max_length": _("The name of the file for %(label)s must be %(max)s characters or fewer"),
    "contradiction": _("Either choose a file for %(label)s or remove the current one, not both"),
    "invalid_image": _("The file for %(label)s must be a picture (PNG or JPEG)"),
}
BOOLEAN_MESSAGES: dict[str, Any] = {
    "required": _("Tick the box to confirm: %(label)s"),
}
DATE_MESSAGES: dict[str, Any] = {
    "required": _("Enter %(label)s"),
    "incomplete": _("%(label)s must include a %(parts)s"),
    "not_numbers": _("%(label)s must be in numbers, for example 2024 3 18"),
    "year_digits": _("The year of %(label)s must be 4 digits, for example 2024"),
    "invalid": _("%(label)s must be a real date"),
    "before": _("%(label)s must be on or after %(date)s"),
    "after": _("%(label)s must be on or before %(date)s"),
}

CATALOGUE: dict[str, dict[str, Any]] = {
    "text": TEXT_MESSAGES,
    "number": NUMBER_MESSAGES,
    "choice": CHOICE_MESSAGES,
    "file": FILE_MESSAGES,
    "boolean": BOOLEAN_MESSAGES,
    "date": DATE_MESSAGES,
}

# Codes whose message Django formats with parameters (`message % params`): a literal "%"
# in the label must be doubled there, and only there.
_FORMATTED_CODES = {
    "max_length", "min_length", "min_value", "max_value", "step_size", "max_digits",
    "max_decimal_places", "max_whole_digits", "incomplete", "before", "after",
    "invalid_choice", "invalid_pk_value", "invalid_list",
}


def field_family(field: forms.Field) -> str:
    """Which part of the catalogue a field's messages come from."""
    from credit_portal.forms import DateField

    if isinstance(field, DateField | forms.DateField | forms.DateTimeField):
        return "date"
    if isinstance(field, forms.FileField):
        return "file"
    if isinstance(field, forms.BooleanField | forms.NullBooleanField):
        return "boolean"
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        # ModelMultipleChoiceField is a ModelChoiceField; TypedChoiceField a ChoiceField.
        return "choice"
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return "number"
    return "text"


@functools.cache
def django_default_messages() -> tuple[Any, ...]:
    """Every default error message of Django's form fields and validators (and of the
    portal's own generic fields, e.g. the 年/月/日 date field, whose defaults name no field).

    A field message that *is* one of these objects (not merely equal) was not written by
    the form's author, so it is replaced.
    """
    from django.core import validators

    found: list[Any] = []
    for klass in _all_subclasses(forms.Field):
        if not klass.__module__.startswith("django.") and klass.__module__ != "credit_portal.forms":
            continue
        for message in vars(klass).get("default_error_messages", {}).values():
            found.append(message)
    for name in dir(validators):
        value = getattr(validators, name)
        if isinstance(value, type) and "message" in vars(value):
            found.append(vars(value)["message"])
    return tuple(found)


def _all_subclasses(klass: type) -> list[type]:
    result = [klass]
    for sub in klass.__subclasses__():
        result.extend(_all_subclasses(sub))
    return result


# Parts of a label that do not belong in a message about the field ("原因（选填）不能超过…").
_LABEL_NOISE = re.compile(r"\s*(（选填）|（可选）|\(optional\))\s*", re.IGNORECASE)


def _format(template: Any, label: Any, code: str) -> str:
    # Called lazily, when the message is shown: both strings are then translated into the
    # language of that request. Only the label is filled in here; Django fills in the
    # validator's parameters afterwards.
    label_text = _LABEL_NOISE.sub("", str(label)).strip().rstrip("?？:：。")
    if code in _FORMATTED_CODES:
        label_text = label_text.replace("%", "%%")
    return str(template).replace("%(label)s", label_text)


_lazy_format: Callable[..., str] = lazy(_format, str)


def name_field_errors(form: forms.BaseForm) -> None:
    """Give each field of `form` the catalogue's messages where it has Django's defaults.

    The field is named by its label, or by the form's ``error_names[field name]`` where the
    label is a question ("What is the query for?") that reads badly inside a sentence.
    """
    defaults = django_default_messages()
    error_names: dict[str, Any] = getattr(form, "error_names", {})
    for name, field in form.fields.items():
        catalogue = CATALOGUE[field_family(field)]
        label = error_names.get(name) or (field.label if field.label is not None else pretty_name(name))
        for code, template in catalogue.items():
            current = field.error_messages.get(code)
            if current is not None and not any(current is default for default in defaults):
                continue  # written for this field by the form's author
            field.error_messages[code] = _lazy_format(template, label, code)
