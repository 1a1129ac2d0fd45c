"""Template filters of the repair pages: how a deadline and a proposed correction are
shown. They format; they decide nothing about access."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from archives.models import CreditRecord
from departments.models import Domain, RecordCategory
from repair import deadlines

register = template.Library()

_BY_CODE = {"category": RecordCategory, "domain": Domain}


@register.filter
def deadline(day: date | None) -> SafeString | str:
    """A deadline as ``2027-01-05``, marked provisional (暂定) when its year has no
    official holidays entered yet: the date may still move."""
    if day is None:
        return "—"
    if deadlines.is_provisional(day):
        return format_html(
            '{} <strong class="govuk-tag govuk-tag--yellow" title="{}">{}</strong>', day.isoformat(),
            _("The official holidays of this year are not entered yet; the date may still change."),
            _("provisional"),
        )
    return day.isoformat()


@register.filter
def change_rows(changes: dict[str, Any] | None) -> list[tuple[str, Any]]:
    """Proposed changes of a correction as (field label, shown value) pairs, so pages
    never show internal field names or codes."""
    rows = []
    for name, value in (changes or {}).items():
        try:
            field = CreditRecord._meta.get_field(name)
        except Exception:  # noqa: BLE001 - an unknown key is shown as it is
            rows.append((name, value))
            continue
        if name in _BY_CODE:
            shown = _BY_CODE[name].objects.filter(code=value).values_list("name", flat=True).first() or "—"
        elif isinstance(value, bool):
            shown = _("Yes") if value else _("No")
        elif field.choices:
            shown = dict(field.choices).get(value, value) or "—"
        else:
            shown = value if value not in (None, "") else "—"
        rows.append((field.verbose_name, shown))
    return rows
