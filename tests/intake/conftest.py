from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from archives.intake.workbook import records_sheet_title, template_workbook
from departments.models import Occupation, RecordCategory
from tests import factories as f
from tests.archives.conftest import World, world  # noqa: F401 - re-exported fixture


def row(seq: int = 1, **overrides: object) -> list[object]:
    """One template row (every column, in the template's order) for a synthetic teacher."""
    values: dict[str, object] = {
        "name": f"导入{seq:03d}", "id_number": f.make_id_number(birth=date(1990, 1, 1 + seq % 28), seq=seq % 50,
                                                                 region="110106"),
        "phone": "", "employer": "示范市实验小学", "post": "", "category": RecordCategory.objects.get(code="violations").name, "polarity": "负面",
        "severity": "一般", "title": f"违规记录{seq}", "description": "", "decision_number": f"示教〔2026〕{seq}号",
        "deciding_body": "示范市教育局", **f.lately(60),  # on display whenever the suite runs
        "domain": "", "is_penalty": "否", "source_type": "",
    }
    values.update(overrides)
    return list(values.values())


def filled(occupation: Occupation, rows: list[list[object]], *, tweak=None) -> bytes:  # type: ignore[no-untyped-def]
    """The occupation's template with ``rows`` written from row 2, as a clerk would."""
    book = load_workbook(BytesIO(template_workbook(occupation)))
    sheet = book[records_sheet_title()]
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            sheet.cell(row=r, column=c, value=value if value != "" else None)
    if tweak:
        tweak(book, sheet)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def teacher_world(world: World) -> World:  # noqa: F811
    return world


@pytest.fixture(autouse=True)
def eager_tasks():  # type: ignore[no-untyped-def]
    """Run the import task in-process, as the embedded profile does, also when the
    suite runs against Redis (a worker is not part of these tests)."""
    from credit_portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
