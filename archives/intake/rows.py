"""Turning one row's raw values (Excel cells or API JSON) into record data, with a
message per cell. The content rules themselves are the web form's
(``archives.services.records.validate_record_content``) and the ID number check is
python-stdnum's (``archives.validators``); this module only types the values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from archives import validators
from archives.intake.catalogue import Choices
from archives.intake.columns import BY_KEY, COLUMNS, Column

_PHONE = re.compile(r"^[0-9+\-() ]{5,20}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Control characters (NUL and the like; tab and line breaks are text): PostgreSQL
# refuses a NUL in text and no worksheet may hold one, so such a cell is refused here.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_KEYS = tuple(c.key for c in COLUMNS)
# The ``Choices`` table of each choice column (looked up per cell, not rebuilt per row).
_TABLES = {
    "category": "categories", "domain": "domains", "polarity": "polarity", "severity": "severity",
    "source_type": "source_type",
}


@dataclass
class CellError:
    column: str  # a column key, or "" for the row as a whole
    message: str
    code: str = "invalid"


@dataclass
class ParsedRow:
    number: int  # Excel row number, or the item's position in an API request
    raw: list[object]
    person: dict[str, str] = field(default_factory=dict)  # name, id_number, phone
    archive: dict[str, str] = field(default_factory=dict)  # employer, post
    record: dict[str, Any] = field(default_factory=dict)  # the fields of draft_record
    errors: list[CellError] = field(default_factory=list)
    external_id: str = ""
    # The record content's refusals by the web form's rules, found while checking in
    # bulk and applied only once the row is known to be new (an imported row is skipped,
    # not refused).
    content_errors: list[CellError] = field(default_factory=list)
    cleaned: dict[str, Any] | None = None  # the record's fields as written (ids for the catalogue)

    def add(self, column: str, message: str, code: str = "invalid") -> None:
        self.errors.append(CellError(column, message, code))


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(row: ParsedRow, column: Column, value: object) -> str:
    if _empty(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    # ``isprintable`` first (one C pass): most cells have no control character to look for.
    if not text.isprintable() and _CONTROL.search(text):
        row.add(column.key, _("This cell holds a control character that cannot be stored: type the text again."),
                "control_character")
        return ""
    if len(text) > column.max_length:
        row.add(column.key, _("At most %(n)d characters.") % {"n": column.max_length}, "too_long")
        return ""
    return text


def _date(row: ParsedRow, column: Column, value: object, *, from_excel: bool) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        row.add(column.key, _("Enter a date."), "invalid_date")
        return None
    if isinstance(value, int | float):
        row.add(
            column.key,
            _("This is a number, not a date: format the cell as a date (for example 2026-03-01)."),
            "date_as_number",
        )
        return None
    text = str(value).strip()
    if not from_excel and _ISO_DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    if from_excel:
        row.add(
            column.key,
            _("This date was typed as text: enter it as a date cell (for example 2026-03-01)."),
            "date_as_text",
        )
    else:
        row.add(column.key, _("Enter the date as YYYY-MM-DD."), "invalid_date")
    return None


# --- one parser per column kind: (row, column, value, choices, from_excel) for a non-empty cell ---


def _parse_id_number(row: ParsedRow, column: Column, value: object, choices: Choices, from_excel: bool) -> None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        row.add(
            column.key,
            _("The ID number was stored as a number and has lost digits: format the column as text and type it again."),
            "id_number_as_number",
        )
        return
    try:
        row.person["id_number"] = validators.validate_id_number(str(value), today=choices.today)
    except ValidationError as exc:
        row.add(column.key, exc.messages[0], "invalid_id_number")


def _parse_phone(row: ParsedRow, column: Column, value: object, choices: Choices, from_excel: bool) -> None:
    text = _text(row, column, value)
    if text and not _PHONE.match(text):
        row.add(column.key, _("Enter a phone number of digits only."), "invalid_phone")
    elif text:
        row.person["phone"] = text


def _parse_date(row: ParsedRow, column: Column, value: object, choices: Choices, from_excel: bool) -> None:
    parsed = _date(row, column, value, from_excel=from_excel)
    if parsed is not None:
        row.record[column.key] = parsed


def _parse_bool(row: ParsedRow, column: Column, value: object, choices: Choices, from_excel: bool) -> None:
    if isinstance(value, bool):
        row.record[column.key] = value
    elif str(value).strip() in choices.yes_no:
        row.record[column.key] = choices.yes_no[str(value).strip()]
    else:
        row.add(column.key, _("Enter Yes or No."), "invalid_choice")


def _parse_choice(row: ParsedRow, column: Column, value: object, choices: Choices, from_excel: bool) -> None:
    text = str(value).strip()
    table = getattr(choices, _TABLES[column.key])
    if text in table:
        row.record[column.key] = table[text]
    elif column.key == "category":
        row.add(
            column.key,
            _('Unknown category "%(value)s": choose one from the list.') % {"value": text[:40]},
            "unknown_category",
        )
    else:
        row.add(
            column.key,
            _('"%(value)s" is not in the list: choose one from the dropdown.') % {"value": text[:40]},
            "invalid_choice",
        )


def _parse_text(row: ParsedRow, column: Column, value: object, choices: Choices, from_excel: bool) -> None:
    text = _text(row, column, value)
    if column.key == "name":
        row.person["name"] = text
    elif column.key in {"employer", "post"}:
        row.archive[column.key] = text
    else:
        row.record[column.key] = text


_PARSERS = {
    "id_number": _parse_id_number,
    "phone": _parse_phone,
    "date": _parse_date,
    "bool": _parse_bool,
    "choice": _parse_choice,
    "text": _parse_text,
}
# Each column's parser, chosen once (not by comparing the kind per cell).
_COLUMN_PARSERS = tuple((column, _PARSERS[column.kind]) for column in COLUMNS)


def _parse(row: ParsedRow, values: Iterable[object], choices: Choices, from_excel: bool) -> ParsedRow:
    """Type the cells of ``row`` (``values`` in the order of ``COLUMNS``)."""
    for (column, parse), value in zip(_COLUMN_PARSERS, values, strict=True):
        if value is None or (not value.strip() if value.__class__ is str else _empty(value)):
            if column.required:
                row.add(column.key, _("Required: enter %(column)s.") % {"column": column.header}, "required")
            continue
        parse(row, column, value, choices, from_excel)
    return row


def parse_values(number: int, values: dict[str, object], choices: Choices, *, from_excel: bool) -> ParsedRow:
    """Type one row. Every problem becomes a ``CellError`` naming its column."""
    raw = [values.get(key) for key in _KEYS]
    return _parse(ParsedRow(number=number, raw=raw), raw, choices, from_excel)


def row_cells(cells: list[object]) -> list[object]:
    """A sheet row's cells, one per column of ``COLUMNS`` (missing cells are empty, extra
    ones ignored): what ``ParsedRow.raw`` holds."""
    width = len(_KEYS)
    return cells[:width] if len(cells) >= width else [*cells, *[None] * (width - len(cells))]


def parse_cells(number: int, cells: list[object], choices: Choices) -> ParsedRow:
    """``parse_values`` for a sheet row's cells in the order of ``COLUMNS``, without a dict per row."""
    raw = row_cells(cells)
    return _parse(ParsedRow(number=number, raw=raw), raw, choices, True)


def validation_errors(exc: ValidationError) -> list[CellError]:
    """A service's ValidationError as cell errors (field names are our column keys)."""
    if hasattr(exc, "error_dict"):
        return [
            CellError(key if key in BY_KEY else "", message, "invalid")
            for key, messages in exc.message_dict.items()
            for message in messages
        ]
    return [CellError("", message, "invalid") for message in exc.messages]
