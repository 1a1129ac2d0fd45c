"""Template filters of the repair pages."""

from __future__ import annotations

from typing import Any

from django import template

from archives.models import CreditRecord

register = template.Library()


@register.filter
def change_rows(changes: dict[str, Any] | None) -> list[tuple[str, Any]]:
    """Proposed changes of a correction as (field label, shown value) pairs, so pages
    never show internal field names."""
    rows = []
    for name, value in (changes or {}).items():
        try:
            field = CreditRecord._meta.get_field(name)
        except Exception:  # noqa: BLE001 - an unknown key is shown as it is
            rows.append((name, value))
            continue
        shown = dict(field.choices).get(value, value) if field.choices else value
        rows.append((field.verbose_name, shown))
    return rows
