"""The error report: the uploaded rows as they were, plus a column saying what is
wrong with each, written with openpyxl's write-only mode. It is itself a template
(same sheets and hidden mark), so the clerk corrects the cells in it and uploads it
again; rows already imported are skipped by their natural key."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from archives.intake.columns import BY_KEY, COLUMNS, META_SHEET, TEMPLATE_MARK, TEMPLATE_VERSION, header_text
from archives.intake.rows import ParsedRow
from archives.intake.workbook import DATE_FORMAT, records_sheet_title
from departments.models import Occupation


def _cell(sheet, value: object):  # type: ignore[no-untyped-def]
    if isinstance(value, str):
        # A worksheet cannot hold control characters (a NUL read from a hand-made file):
        # the report shows the cell without them, its error column says what was wrong.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # Text stays text: "=…" typed into a cell must not come back as a formula.
        cell.data_type = "s"
    elif isinstance(value, date | datetime):
        cell.number_format = DATE_FORMAT
    return cell


def describe(row: ParsedRow, *, skipped: bool = False, written: bool = False) -> str:
    if row.errors:
        parts = []
        for error in row.errors:
            column = BY_KEY.get(error.column)
            parts.append(f"{column.header}：{error.message}" if column else error.message)
        return "；".join(parts)
    if skipped:
        return _("Imported before: nothing new was created.")
    if written:
        return _("Imported.")
    return _("No errors; not imported because other rows have errors.")


def error_report(rows: list[ParsedRow], *, occupation: Occupation, skipped: set[int], written: bool) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(records_sheet_title())
    sheet.freeze_panes = "A2"
    headers = [header_text(c) for c in COLUMNS] + [_("Errors")]
    bold = Font(bold=True)
    header_cells = []
    for text in headers:
        cell = _cell(sheet, text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        values = [_cell(sheet, value if value != "" else None) for value in row.raw]
        values.append(_cell(sheet, describe(row, skipped=row.number in skipped, written=written)))
        sheet.append(values)
    meta = workbook.create_sheet(META_SHEET)
    for value in (TEMPLATE_MARK, TEMPLATE_VERSION, occupation.code, occupation.name):
        meta.append([value])
    meta.sheet_state = "veryHidden"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
