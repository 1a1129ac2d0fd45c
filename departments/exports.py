"""Excel export of the coverage table (000 annex, 重点人群信用档案建设情况表).

The headers are the annex's own, in Chinese whatever the page language: the sheet is
the form the city's credit office circulates and collects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from io import BytesIO

from django.utils import timezone
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


REPORT_TITLE = "个人诚信体系建设年度工作进展情况"
COVERAGE_HEADERS = ("单位", "在档档案数", "本年新增记录", "逾期未更新档案", "最近更新", "制度备案（已确认/已报）", "年度考核")


def yearly_report_workbook(year: int, figures: list, rows: list, series: list, *, computed_at: datetime) -> bytes:
    """The yearly progress report (003 §四(一): "每年12月30日前将本年工作进展情况报送") as
    an .xlsx: the summary figures (under the time they were computed), the coverage by
    department, and one sheet per chart's table. Real numbers and dates, frozen headers;
    text cells typed as text."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = "工作进展"
    summary.append([f"{year}年{REPORT_TITLE}"])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([f"数据计算时间：{timezone.localtime(computed_at):%Y-%m-%d %H:%M}"])
    summary.append(["项目", "数量"])
    for cell in summary[3]:
        cell.font = Font(bold=True)
    section = None
    for figure in figures:
        if figure.section != section:
            section = figure.section
            summary.append([str(section)])
            summary.cell(row=summary.max_row, column=1).font = Font(bold=True)
        summary.append([str(figure.label), figure.value])
    summary.column_dimensions["A"].width = 48
    summary.column_dimensions["B"].width = 14
    summary.freeze_panes = "A4"

    coverage = workbook.create_sheet("分单位情况")
    coverage.append(COVERAGE_HEADERS)
    for cell in coverage[1]:
        cell.font = Font(bold=True)
    for row in rows:
        last = row.figures.last_update
        coverage.append([
            row.department.display_name, row.figures.archives, row.figures.records_this_year, row.figures.overdue,
            last.astimezone().replace(tzinfo=None) if last else None,
            f"{row.filings_acknowledged}/{row.filings}",
            row.evaluation.get_grade_display() if row.evaluation else "",
        ])
        coverage.cell(row=coverage.max_row, column=5).number_format = "yyyy-mm-dd"
        for column in (1, 6, 7):
            coverage.cell(row=coverage.max_row, column=column).data_type = "s"
    for index, width in enumerate((24, 12, 14, 16, 14, 22, 12), start=1):
        coverage.column_dimensions[get_column_letter(index)].width = width
    coverage.freeze_panes = "A2"
    coverage.auto_filter.ref = coverage.dimensions

    for one in series:
        # Excel forbids []:*?/\ in sheet names (the English titles carry a colon).
        sheet = workbook.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", str(one.title))[:31])
        sheet.append([str(one.label_header), *(str(c) for c in one.columns)])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for label, values in one.rows:
            sheet.append([str(label), *values])
            sheet.cell(row=sheet.max_row, column=1).data_type = "s"
        sheet.column_dimensions["A"].width = 30
        sheet.freeze_panes = "A2"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
