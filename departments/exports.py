"""Excel export of the coverage table (000 annex, 重点人群信用档案建设情况表).

The headers are the annex's own, in Chinese whatever the page language: the sheet is
the form the city's credit office circulates and collects.
"""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from departments.models import CoverageEntry

SHEET_TITLE = "重点人群信用档案建设情况表"
HEADERS = ("序号", "单位", "是否建立重点人群信用档案", "出台文件名称", "下步打算（是否建立均须填写）", "备注")
COLUMN_WIDTHS = (8, 22, 26, 40, 50, 30)


def established_label(value: bool | None) -> str:
    if value is None:
        return ""
    return "是" if value else "否"


def coverage_workbook(entries: Iterable[CoverageEntry]) -> bytes:
    """The coverage rows as an .xlsx file: one header row (frozen), one row per unit."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for number, entry in enumerate(entries, start=1):
        values = (
            number,
            entry.department.display_name,
            established_label(entry.archive_established),
            entry.policy_document,
            entry.next_steps,
            entry.remarks,
        )
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=number + 1, column=column, value=value)
            if isinstance(value, str):
                # Typed text stays text: openpyxl would store "=…" as a formula, which
                # Excel then runs when the file is opened (formula injection).
                cell.data_type = "s"
    for index, width in enumerate(COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
