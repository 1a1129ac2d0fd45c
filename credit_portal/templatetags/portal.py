"""Template tags every page uses: `{% field %}`, `{% error_summary %}`, `{% error_prefix %}`.

    {% load portal %}
    {% block error_prefix %}{% error_prefix form %}{% endblock %}   (base.html does this for `form`)
    {% error_summary form %}
    <form method="post" novalidate>{% csrf_token %}
      {% field form.name %}
      {% field form.birth_date legend_class="govuk-fieldset__legend--m" %}
      {% field form.code input_class="govuk-input--width-10" %}
    </form>
"""

from __future__ import annotations

import re
from typing import Any

from django import forms, template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from credit_portal import chrome, field_rendering
from credit_portal.forms import PortalFormRenderer, field_anchor
from credit_portal.plain_words import PLAIN

register = template.Library()

# Which GOV.UK markup a widget gets, from Django's BoundField.widget_type.
_KINDS = {
    "radioselect": "radios",
    "checkboxselectmultiple": "checkboxes",
    "checkbox": "checkbox",
    "date": "date",
    "select": "select",
    "selectmultiple": "select",
    "nullbooleanselect": "select",
    "textarea": "textarea",
    "file": "file",
    "clearablefile": "file",
}
_INPUT_CLASSES = {
    "input": "govuk-input",
    "select": "govuk-select",
    "textarea": "govuk-textarea",
    "file": "govuk-file-upload",
}


def field_kind(bound: forms.BoundField) -> str:
    return _KINDS.get(bound.widget_type, "input")


# Text inputs with at least this many characters allowed show a character count; shorter
# ones (ID numbers, codes, names) are short enough to see at a glance.
CHARACTER_COUNT_MIN_INPUT_LENGTH = 100


def character_count_limit(bound: forms.BoundField) -> int | None:
    """The max length to count down from (GOV.UK character count), or None for no count.

    Every textarea with a max length gets one, and long text inputs (titles, employers).
    """
    max_length = getattr(bound.field, "max_length", None)
    if not max_length or bound.field.widget.is_hidden:
        return None
    kind = field_kind(bound)
    if kind == "textarea":
        return int(max_length)
    if kind == "input" and getattr(bound.field.widget, "input_type", "") == "text":
        # Inputs the browser fills in (user name, name, phone) are not composed: no count.
        if bound.field.widget.attrs.get("autocomplete"):
            return None
        return int(max_length) if max_length >= CHARACTER_COUNT_MIN_INPUT_LENGTH else None
    return None


def _character_count_i18n() -> list[tuple[str, str]]:
    """The texts of GOV.UK's character count as its data-i18n.* attributes (its script
    fills in %{count}; Chinese has one plural form, English two)."""
    return [
        ("characters-under-limit.one", gettext("You have %{count} character remaining")),
        ("characters-under-limit.other", gettext("You have %{count} characters remaining")),
        ("characters-at-limit", gettext("You have 0 characters remaining")),
        ("characters-over-limit.one", gettext("You have %{count} character too many")),
        ("characters-over-limit.other", gettext("You have %{count} characters too many")),
        ("textarea-description.other", gettext("You can enter up to %{count} characters")),
    ]


def _described_by(bound: forms.BoundField, hint: str, count: int | None = None) -> str:
    ids = []
    if count:
        ids.append(f"{bound.auto_id}-info")
    if hint:
        ids.append(f"{bound.auto_id}-hint")
    if bound.errors:
        ids.append(f"{bound.auto_id}-error")
    return " ".join(ids)


@register.simple_tag
def field(bound: forms.BoundField, *, input_class: str = "", legend_class: str = "govuk-fieldset__legend--s",
          label_class: str = "", hint: str = "") -> SafeString:
    """Render one field through templates/components/field.html."""
    if not isinstance(bound, forms.BoundField):
        raise template.TemplateSyntaxError("{% field %} takes a bound form field, e.g. {% field form.name %}")
    kind = field_kind(bound)
    count = character_count_limit(bound)
    context = {
        "field": bound,
        "kind": kind,
        "anchor": field_anchor(bound),
        "hint": hint or bound.help_text,
        "hint_id": f"{bound.auto_id}-hint",
        "error_id": f"{bound.auto_id}-error",
        "described_by": _described_by(bound, hint or bound.help_text, count),
        "count": count,
        "count_i18n": _character_count_i18n() if count else [],
        "info_id": f"{bound.auto_id}-info",
        "input_class": input_class,
        "legend_class": legend_class,
        "label_class": label_class,
    }
    if kind == "date":
        context["date_parts"] = _date_parts(bound, input_class)
    renderer = bound.form.renderer if isinstance(bound.form.renderer, PortalFormRenderer) else PortalFormRenderer()
    if kind == "input" and not bound.errors:
        # A text-like input without errors: from the rendering kept per process, under what
        # field.html shows of the field (credit_portal.field_rendering).
        kept = field_rendering.render_field(
            (bound.label, context["hint"], bound.id_for_label, bound.auto_id, count, label_class),
            lambda: renderer.render("components/field.html", {**context, field_rendering.RECORDING: True}),
            lambda: govuk_widget({}, bound, input_class, context["described_by"]),
        )
        if kept is not None:
            return kept
    return mark_safe(renderer.render("components/field.html", context))  # noqa: S308 - rendered by a template


@register.simple_tag(takes_context=True)
def govuk_widget(
    context: template.Context | dict[str, Any], bound: forms.BoundField, input_class: str = "", described_by: str = ""
) -> SafeString:
    """The input itself with GOV.UK classes, its error state and aria-describedby (a
    marker while field.html is recorded: ``credit_portal.field_rendering``)."""
    if context.get(field_rendering.RECORDING):
        return field_rendering.widget_marker()
    kind = field_kind(bound)
    base = _INPUT_CLASSES.get(kind, "govuk-input")
    classes = [base]
    if bound.errors:
        classes.append(f"{base}--error")
    if input_class:
        classes.append(input_class)
    if character_count_limit(bound):
        classes.append("govuk-js-character-count")
    attrs: dict[str, Any] = {"class": " ".join(classes)}
    if character_count_limit(bound):
        # GOV.UK: no maxlength attribute, which would cut off pasted text without a word;
        # the count says how far over the text is, and the server's message names the field.
        attrs["maxlength"] = False
    if described_by:
        attrs["aria-describedby"] = described_by
    return bound.as_widget(attrs=attrs)


def _date_parts(bound: forms.BoundField, input_class: str) -> list[dict[str, Any]]:
    widget = bound.field.widget
    value = bound.value()
    subwidgets = widget.get_context(bound.html_name, value, {"id": bound.auto_id})["widget"]["subwidgets"]
    labels = {"year": gettext("Year"), "month": gettext("Month"), "day": gettext("Day")}
    widths = {"year": "govuk-input--width-4", "month": "govuk-input--width-2", "day": "govuk-input--width-2"}
    parts = []
    for part, sub in zip(widget.parts, subwidgets, strict=True):
        classes = ["govuk-input", "govuk-date-input__input", widths[part]]
        if bound.errors:
            classes.append("govuk-input--error")
        parts.append({
            "name": sub["name"],
            "id": sub["attrs"]["id"],
            "value": "" if sub["value"] is None else sub["value"],
            "label": labels[part],
            "classes": " ".join(classes),
            "part": part,
        })
    return parts


@register.inclusion_tag("components/error_summary.html")
def error_summary(*forms_: forms.BaseForm | None) -> dict[str, Any]:
    """A GOV.UK error summary for one or more forms (nothing when they have no errors)."""
    errors: list[tuple[str, str]] = []
    for form in forms_:
        if form is None or not getattr(form, "errors", None):
            continue
        if hasattr(form, "error_list"):
            errors.extend(form.error_list())
        else:
            for message in form.non_field_errors():
                errors.append(("", str(message)))
            for name in form.fields:
                for message in form[name].errors:
                    errors.append((field_anchor(form[name]), str(message)))
    return {"errors": errors}


@register.simple_tag
def error_prefix(*forms_: Any) -> str:
    """'错误：' (English 'Error: ') when any of the forms has errors, for the page title."""
    if any(form is not None and getattr(form, "errors", None) for form in forms_):
        return gettext("Error: ")
    return ""


@register.filter
def elided_pages(page: Any) -> list[Any]:
    """Page numbers with ellipses around the current page, for components/pagination.html."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))


@register.simple_tag(takes_context=True)
def page_url(context: template.Context, number: int, param: str = "") -> str:
    """The current URL's query string with the page parameter set to `number`."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else None
    if query is None:
        from django.http import QueryDict

        query = QueryDict(mutable=True)
    query[param or "page"] = str(number)
    return "?" + query.urlencode()


@register.simple_tag(takes_context=True)
def is_current(context: template.Context, url: str, exact: bool = False) -> bool:
    """Whether the request is on `url` (or below it unless `exact`), for navigation links."""
    request = context.get("request")
    if request is None:
        return False
    return chrome.is_current_path(request.path, url, exact)


@register.simple_tag(takes_context=True)
def nav_item(context: template.Context, url: str, label: str, exact: bool = False, style: str = "service") -> str:
    """One menu link, marked current (``aria-current="page"``) when the request is on it
    (or under it, unless ``exact``). Used by components/navigation.html:
    ``{% nav_item catalogue_url _("Catalogue") %}``, and with ``style="list"`` by the
    sections' own menus (the staff links, the citizen's pages, the case pages). A tag rather than an included
    template: the menu has a dozen links on every page, and an ``{% include %}`` each
    was half the menu's rendering time. In a chrome template being recorded
    (``credit_portal.chrome``) it keeps both renderings and the page picks one."""
    recording = context.get(chrome.RECORDING)
    if recording is not None:
        return chrome.record_nav_item(recording, url, label, exact, style)
    return chrome.nav_item_html(url, label, current=is_current(context, url, exact), style=style)


@register.simple_tag(takes_context=True)
def chrome_part(context: template.Context, template_name: str) -> SafeString:
    """A part of the page chrome (header, navigation, footer) as ``{% include %}`` would
    render it, from the process's kept rendering for the language, mode and menu
    (``credit_portal.chrome``): ``{% chrome_part "components/navigation.html" %}``."""
    return chrome.render_chrome(context, template_name)


# The policy documents the catalogue comes from (shared/seeds/README.md), by the number
# the catalogue data tags them with. A reader sees the document's own name or number,
# never the number of the file it was filed under. These are proper names: not translated.
POLICY_DOCUMENTS: dict[str, tuple[str, str]] = {
    # The copy on file starts mid-text, without its title: named by its issuer.
    "000": ("赣州市信用办通知", "赣州市信用办关于重点职业人群信用档案建设的通知"),
    "001": ("安县信用办〔2022〕5号", "《关于建立和完善重点人群信用记录加快推进个人诚信体系建设的通知》（安县信用办〔2022〕5号）"),
    "002": ("盐城市个人诚信建设工作方案", "《盐城市加强个人诚信建设工作方案》"),
    "003": ("济政办〔2017〕55号", "《济源市人民政府办公室关于加强个人诚信体系建设的实施意见》（济政办〔2017〕55号）"),
    "004": ("广东省个人诚信体系建设分工方案", "《广东省加强个人诚信体系建设分工方案》"),
}
_SOURCE_REFERENCE = re.compile(r"(?<!\d)(00[0-4])(?!\d)(\s*§\s*)?")
_SECTION_SIGN = re.compile(r"\s*§\s*")


@register.filter
def cite_sources(text: Any) -> str:
    """'000 §二（二）；001 §三（三）序号2' as a reader cites it: by the documents' names."""
    if not text:
        return ""

    def name(match: re.Match[str]) -> str:
        short = POLICY_DOCUMENTS[match.group(1)][0]
        return f"{short}第" if match.group(2) else short

    cited = _SOURCE_REFERENCE.sub(name, str(text))
    # Lists of sources are stored comma-separated ("000,002"): Chinese text takes 、 and ；.
    return _SECTION_SIGN.sub("", cited).replace(",", "、").replace(";", "；")


@register.filter
def policy_document_title(code: str) -> str:
    """The full official title of a catalogue source, or '' for one the office added."""
    return POLICY_DOCUMENTS.get(str(code), ("", ""))[1]


@register.simple_tag
def colon() -> str:
    """The separator between a label and its value: "：" in Chinese, ": " in English.

        {% translate "Negative" %}{% colon %}{{ record.get_severity_display }}
    """
    return pgettext("between a label and its value", ": ")


@register.simple_tag
def bracketed(note: Any) -> str:
    """A note after a value, in the reader's brackets: "（第2版）" in Chinese, " (version 2)"
    in English. Empty when there is no note.

        {{ record.title }}{% bracketed record.decision_number %}
    """
    if note in (None, ""):
        return ""
    return format_html(pgettext("a note after a value", " ({})"), note)


@register.simple_tag(takes_context=True)
def plain(context: template.Context, message: str) -> str:
    """``message`` translated, or in 长辈版 its plainer wording (credit_portal.plain_words).

        <h1 class="govuk-heading-l">{% plain "Who queried me" %}</h1>
    """
    if context.get("elderly_mode") and message in PLAIN:
        return str(PLAIN[message])
    return gettext(message)
