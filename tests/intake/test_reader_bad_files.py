"""Whole-file refusals: each gets a clear Chinese reason and nothing is stored."""

from __future__ import annotations

import zipfile
from io import BytesIO

import pytest
from openpyxl import Workbook

from archives.intake import reader
from archives.intake.columns import META_SHEET
from archives.intake.models import ImportJob
from archives.models import CreditRecord
from tests.intake.conftest import filled, row

pytestmark = pytest.mark.django_db


def refused(world, data: bytes, occupation=None) -> str:  # type: ignore[no-untyped-def]
    def read_all() -> None:
        sheet, _code = reader.open_rows(data, occupation=occupation or world.teacher)
        list(sheet.rows)

    with pytest.raises(reader.WorkbookRefused) as info:
        read_all()
    assert not ImportJob.objects.exists()
    assert not CreditRecord.objects.filter(source=CreditRecord.Source.EXCEL).exists()
    return info.value.message


def test_wrong_headers(world) -> None:
    def rename(book, sheet) -> None:  # type: ignore[no-untyped-def]
        sheet["C1"] = "电话"

    assert "表头与模板不符：第 C 列应为“手机号码”" in refused(world, filled(world.teacher, [row(1)], tweak=rename))


def test_wrong_sheet(world) -> None:
    def rename(book, sheet) -> None:  # type: ignore[no-untyped-def]
        sheet.title = "Sheet1"

    assert "缺少工作表“记录”" in refused(world, filled(world.teacher, [row(1)], tweak=rename))


def test_formulas(world) -> None:
    def formula(book, sheet) -> None:  # type: ignore[no-untyped-def]
        sheet["I2"] = "=CONCAT(\"a\",\"b\")"

    assert "含公式的单元格（I2）" in refused(world, filled(world.teacher, [row(1)], tweak=formula))


def test_merged_cells(world) -> None:
    def merge(book, sheet) -> None:  # type: ignore[no-untyped-def]
        sheet.merge_cells("D2:E2")

    assert "合并的单元格（D2:E2）" in refused(world, filled(world.teacher, [row(1)], tweak=merge))


def test_a_renamed_file_that_is_not_xlsx(world) -> None:
    assert "不是 Excel .xlsx 工作簿" in refused(world, "姓名,身份证\n张三,1\n".encode())
    assert "旧版 .xls" in refused(world, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)


def test_a_plain_workbook_without_the_template_mark(world) -> None:
    out = BytesIO()
    Workbook().save(out)
    assert "不是用本平台模板制作的" in refused(world, out.getvalue())


def test_zip_bomb_is_refused_from_the_zip_directory(world) -> None:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("[Content_Types].xml", "<Types/>")
        bomb.writestr("xl/workbook.xml", "<workbook/>")
        bomb.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    assert len(out.getvalue()) < 200_000
    assert "解压后的数据量远超" in refused(world, out.getvalue())


def test_oversized_file(world, settings) -> None:
    settings.INTAKE_MAX_UPLOAD_BYTES = 10_000
    message = refused(world, filled(world.teacher, [row(1)]))
    assert message.startswith("文件超过")
    assert "拆分" in message


def test_another_occupations_template(world) -> None:
    message = refused(world, filled(world.doctor, [row(1)]), occupation=world.teacher)
    assert message == f"该模板属于{world.doctor.name}，不是{world.teacher.name}：请下载{world.teacher.name}的模板。"


def test_outdated_template(world) -> None:
    def older(book, sheet) -> None:  # type: ignore[no-untyped-def]
        book[META_SHEET]["A2"] = 0

    assert "该模板已过期（版本 0" in refused(world, filled(world.teacher, [row(1)], tweak=older))


def test_200000_rows_are_refused_before_reading_them(world) -> None:
    def far(book, sheet) -> None:  # type: ignore[no-untyped-def]
        sheet.cell(row=200_001, column=1, value="x")

    assert "文件共有 200000 行，每次最多导入 100000 行" in refused(world, filled(world.teacher, [row(1)], tweak=far))


def test_row_limit_is_configurable_and_counted_while_reading(world, settings) -> None:
    settings.INTAKE_MAX_ROWS = 2
    message = refused(world, filled(world.teacher, [row(1), row(2), row(3)]))
    assert message == "文件超过 2 行：请拆分为多个文件。"
