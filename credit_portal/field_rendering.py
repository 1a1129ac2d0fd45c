"""Form fields rendered by their templates once per process, the typed value filled in
per request: the idea of the page chrome (``credit_portal.chrome``) for ``{% field %}``.

A text input's ``{% field %}`` renders two templates: templates/components/field.html
(label, hint, error, the input) and Django's widget template for the input. Both give the
same text on every request but for the value typed, and rendering them was a fifth of
a form page's CPU (the public list's search, the staff find page). What each depends on
is the key of the rendering kept here, rendered by the templates themselves with a
marker where the per-request part goes:

* an input (Django's ``input.html`` and the templates that only include it: text,
  email, number…) under its whole template context (``widget``: name, type, attributes,
  required, template) but the value, and whether there is a value (the template leaves
  the attribute out when there is none); the value is put in escaped, as the template's
  ``{{ widget.value|stringformat:'s' }}`` does for text;
* the field around a text-like input without errors under what field.html shows of it:
  the label and the hint (their texts), the ids, the classes and the character count;
  the input goes in rendered as above.

Never kept, rendered as before: a field with errors (a message may quote what was typed),
every other kind of field (radios, checkboxes, selects, dates: their options and checked
states are data), a value that is not plain text. No value is ever part of a key, so no
name or number typed into a form is kept. The language is part of every key (labels,
hints and the character count's texts are translated). Under DEBUG nothing is kept, so
an edited template shows at once; a changed setting (tests) drops what is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

# Private-use characters: in no translation, label, attribute or id these render.
_VALUE = "\ue000value\ue000"
_WIDGET = "\ue000widget\ue000"
# Context variable: field.html is being recorded, {% govuk_widget %} leaves the marker.
RECORDING = "_field_recording"
# Django's widget templates that render input.html and nothing else.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "email", "number", "password", "url", "search", "tel", "hidden", "color")
)
# Bounds the process's memory: a few entries per form field of the portal.
_MAX_KEPT = 2048
_kept: dict[tuple[object, ...], str | None] = {}


def _frozen(value: object) -> object:
    """What the templates' output depends on of ``value``: its type (``True`` and
    ``"True"`` render differently, a safe string is not escaped) and its text."""
    if isinstance(value, dict):
        return tuple((name, _frozen(item)) for name, item in value.items())
    return (type(value), str(value))


def _keep(key: tuple[object, ...], rendering: str | None) -> None:
    if settings.DEBUG:
        return
    if len(_kept) >= _MAX_KEPT:
        _kept.clear()
    _kept[key] = rendering


def render_input(
    template_name: str, context: dict[str, Any], render: Callable[[str, dict[str, Any]], str]
) -> str | None:
    """The widget template ``template_name`` rendered for ``context`` from the kept
    rendering, or ``None`` when it is not one kept here (the caller renders it)."""
    widget = context.get("widget")
    if template_name not in INPUT_TEMPLATES or len(context) != 1 or not isinstance(widget, dict):
        return None
    value = widget.get("value")
    if value is not None and type(value) is not str:
        return None
    key = ("input", template_name, get_language(), _frozen({k: v for k, v in widget.items() if k != "value"}),
           value is None)
    kept = _kept.get(key, "")
    if kept == "":
        marked = render(template_name, {"widget": {**widget, "value": None if value is None else _VALUE}})
        kept = marked if marked.count(_VALUE) == (0 if value is None else 1) and _WIDGET not in marked else None
        _keep(key, kept)
    if kept is None:
        return None
    return kept if value is None else kept.replace(_VALUE, escape(value))


def render_field(
    key: tuple[object, ...], record: Callable[[], str], widget: Callable[[], str]
) -> SafeString | None:
    """field.html for a text-like input without errors from the kept rendering under
    ``key`` (what the template shows of the field), ``record()`` rendering it with the
    input's marker the first time; ``widget()`` renders the input. ``None``: the caller
    renders the field (a recording without exactly one input in it is not kept)."""
    full_key = ("field", get_language(), *(_frozen(part) for part in key))
    kept = _kept.get(full_key, "")
    if kept == "":
        marked = record()
        kept = marked if marked.count(_WIDGET) == 1 and _VALUE not in marked else None
        _keep(full_key, kept)
    if kept is None:
        return None
    return mark_safe(kept.replace(_WIDGET, widget()))  # noqa: S308 - template output and the rendered input


def widget_marker() -> SafeString:
    """What ``{% govuk_widget %}`` renders while field.html is recorded."""
    return mark_safe(_WIDGET)  # noqa: S308 - a marker of our own, replaced before output


def forget(**kwargs: object) -> None:
    _kept.clear()


setting_changed.connect(forget, dispatch_uid="credit_portal.field_rendering.forget")
