"""A filled-in sample template (synthetic people) for the demo and the docs: the demo
clerk loads a year's records from one Excel file."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

from django.utils import timezone, translation
from openpyxl import load_workbook

from archives.demo import synthetic_id_number
from archives.intake.workbook import records_sheet_title, template_workbook
from archives.models import CreditRecord
from departments.models import Occupation, RecordCategory


def sample_workbook(occupation: Occupation, *, rows: int = 200, year: int | None = None,
                    region: str = "110105") -> bytes:
    """``rows`` records of ``year`` (last year by default: a fixed year would one day be
    past the 5-year retention and refused): mostly commendations, every fifth a general
    violation; every row is valid, so the sample imports cleanly."""
    year = year or timezone.localdate().year - 1
    with translation.override("zh-hans"):
        book = load_workbook(BytesIO(template_workbook(occupation)))
        sheet = book[records_sheet_title()]
        violations = RecordCategory.objects.get(code="violations").name
        rewards = RecordCategory.objects.get(code="rewards-penalties").name
        penalty = str(CreditRecord.SourceType.PENALTY.label)
        commendation = str(CreditRecord.SourceType.COMMENDATION.label)
        for i in range(rows):
            birth = date(1970, 1, 1) + timedelta(days=(i * 97) % (30 * 365))
            negative = i % 5 == 0
            decided = date(year, 1 + i % 12, 1 + i % 28)
            values = [
                f"样例{i:04d}", synthetic_id_number(region, birth, i % 1000), "", f"示范县第{1 + i % 7}中学", "",
                violations if negative else rewards, "负面" if negative else "正面", "一般" if negative else "",
                "违反师德规范" if negative else "年度优秀教师", "", f"示例〔{year}〕{i + 1}号", "示范县教育局",
                decided - timedelta(days=10), decided, "", "否", penalty if negative else commendation,
            ]
            for column, value in enumerate(values, start=1):
                sheet.cell(row=i + 2, column=column, value=value if value != "" else None)
        out = BytesIO()
        book.save(out)
    return out.getvalue()
