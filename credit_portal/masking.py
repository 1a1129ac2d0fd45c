"""Masking of names and ID numbers wherever a person is shown to someone who may not see
them in full: public lists, institutions' query logs, a unit's representative (DESIGN §6;
003 item 7: private details are never published)."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明; one character stays as it is
    masked entirely (*)."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


def mask_id_number(number: str) -> str:
    """First 4 and last 4 characters kept (the same rule as ``Subject.id_number_masked``)."""
    number = number or ""
    if len(number) <= 8:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"
