"""What an entry may hold: short identifiers, JSON facts, never personal data."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from credit_portal.audit.hashing import canonical_json

# The patterns of credit_portal.logging, bounded by any letter or digit rather than by
# digits only: a hex digest (evidence files) often holds a run of 18 decimal digits
# between letters, and refusing it would fail one upload in a few hundred. An ID or
# phone number written in text stands between spaces, punctuation or Chinese characters.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")

_SHORT_FIELD_MAX = 64  # action, object_type, object_id, subject_ref


def _strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings_in(item)
    elif isinstance(value, str | int) and not isinstance(value, bool):
        # An 11-digit int is a phone number just as much as the string is.
        yield str(value)


def _refuse_personal_data(field: str, value: Any) -> None:
    for text in _strings_in(value):
        if _ID_NUMBER.search(text) or _MOBILE.search(text):
            # The message names the field only: repeating the value would leak it
            # into whatever logs the exception.
            raise ValueError(
                f"Audit {field} must not contain an ID number or a phone number (DESIGN §8); "
                "reference the person by subject_ref."
            )


def _clean_detail(detail: dict[str, Any] | None) -> dict[str, Any]:
    if detail is None:
        return {}
    if not isinstance(detail, dict):
        raise TypeError("Audit detail must be a dict.")
    _refuse_personal_data("detail", detail)
    try:
        # Store exactly what is hashed: the JSON round trip turns tuples into lists
        # and refuses values JSON cannot hold (dates, Decimals, NaN) instead of
        # letting the database's JSON type alter them after hashing.
        return json.loads(canonical_json(detail))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"Audit detail must hold JSON values only: {exc}") from None


def _short(field: str, value: str) -> str:
    if len(value) > _SHORT_FIELD_MAX:
        raise ValueError(f"Audit {field} is longer than {_SHORT_FIELD_MAX} characters.")
    return value
