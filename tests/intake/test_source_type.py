"""The source of the information (001 §三(五): 日常监管、抽查检查、登记变更、年度考核、表彰奖励、
处罚处分) through the Excel template, ``manage.py import_records`` and the department API."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from archives.intake import reader
from archives.intake.columns import COLUMNS, META_SHEET, TEMPLATE_VERSION
from archives.intake.models import ImportJob
from archives.intake.report import error_report
from archives.intake.workbook import template_workbook
from archives.models import CreditRecord
from tests.intake.conftest import filled, row
from tests.intake.test_api import RECORDS, System, item, push
from tests.intake.test_importer import run
from tests.intake.test_views_upload import upload

pytestmark = pytest.mark.django_db
LABELS = ["日常监管", "抽查检查", "登记变更", "年度考核", "表彰奖励", "处罚处分"]


def test_the_template_has_the_column_with_the_six_labels_as_a_dropdown(world) -> None:
    book = load_workbook(BytesIO(template_workbook(world.teacher)))
    sheet = book["记录"]
    letter = sheet.cell(row=1, column=len(COLUMNS)).column_letter
    assert sheet[f"{letter}1"].value == "信息来源"  # not required: no *
    rule = next(v for v in sheet.data_validations.dataValidation if f"{letter}2" in v.sqref)
    sheet_name, cells = rule.formula1.split("!")
    codes = book[sheet_name.strip("'")]
    column = cells.split(":")[0].replace("$", "").rstrip("0123456789")
    assert [codes[f"{column}{r}"].value for r in range(2, 8)] == LABELS
    guide = [str(r[1]) for r in book["填写说明"].iter_rows(values_only=True) if r and r[0] == "信息来源"]
    assert guide == ["选填：产生该信息的工作，为日常监管、抽查检查、登记变更、年度考核、表彰奖励、处罚处分之一。"]
    assert book[META_SHEET]["A2"].value == TEMPLATE_VERSION == 2


def test_round_trip_each_label_becomes_the_records_source_type_and_an_empty_cell_none(world) -> None:
    rows = [row(i, source_type=label) for i, label in enumerate(LABELS, start=1)] + [row(7)]
    outcome = run(world, filled(world.teacher, rows))
    assert (outcome.created, len(outcome.refused)) == (7, 0), [(r.number, r.errors) for r in outcome.refused]
    stored = {r.title: r.source_type for r in CreditRecord.objects.filter(pk__in=outcome.record_ids.values())}
    assert stored == {
        "违规记录1": "supervision", "违规记录2": "spot_check", "违规记录3": "registration",
        "违规记录4": "assessment", "违规记录5": "commendation", "违规记录6": "penalty", "违规记录7": "",
    }


def test_unknown_value_is_a_cell_error_in_the_report_and_nothing_is_written(world) -> None:
    before = CreditRecord.objects.count()
    outcome = run(world, filled(world.teacher, [row(1, source_type="抽查检查"), row(2, source_type="道听途说")]))
    assert outcome.created == 0
    assert CreditRecord.objects.count() == before
    (bad,) = outcome.refused
    assert bad.number == 3
    assert [(e.column, e.code) for e in bad.errors] == [("source_type", "invalid_choice")]
    report = load_workbook(BytesIO(error_report(outcome.rows, occupation=world.teacher, skipped=set(),
                                                written=outcome.written)))
    values = list(report.worksheets[0].iter_rows(values_only=True))
    assert values[0][len(COLUMNS) - 1:] == ("信息来源", "错误说明")
    # The row as uploaded, the cell's value kept, and the column named in the error.
    assert values[2][len(COLUMNS) - 1] == "道听途说"
    assert values[2][-1] == "信息来源：“道听途说”不在列表中：请从下拉列表中选择。"
    assert values[1][-1] == "本行无错误；因其他行有错误，本次未导入。"
    # The report is itself the current template: corrected in place, it imports.
    report.worksheets[0].cell(row=3, column=len(COLUMNS), value="登记变更")
    out = BytesIO()
    report.save(out)
    again = run(world, out.getvalue())
    assert again.created == 2
    assert CreditRecord.objects.get(pk=again.record_ids[3]).source_type == "registration"


def _version_1(book, sheet) -> None:  # type: ignore[no-untyped-def]
    """What a template downloaded before the column existed looks like."""
    sheet.delete_cols(len(COLUMNS))
    book[META_SHEET]["A2"] = 1


def test_a_version_1_template_is_refused_on_upload_with_the_reason(client, world) -> None:
    client.force_login(world.edu_clerk)
    before = CreditRecord.objects.count()
    response = upload(client, world, filled(world.teacher, [row(1)[:-1]], tweak=_version_1))
    assert response.status_code == 200
    assert "该模板已过期（版本 1，当前版本为 2）：请下载当前模板并将数据复制进去。" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert CreditRecord.objects.count() == before
    with pytest.raises(reader.WorkbookRefused):
        reader.open_rows(filled(world.teacher, [row(1)[:-1]], tweak=_version_1), occupation=world.teacher)


def test_import_records_command_reads_the_column_and_refuses_an_old_template(world, tmp_path, capsys) -> None:
    good = tmp_path / "teachers.xlsx"
    good.write_bytes(filled(world.teacher, [row(1, source_type="年度考核")]))
    call_command("import_records", str(good), "--department", world.education.code)
    assert "1 records created" in capsys.readouterr().out
    assert CreditRecord.objects.get(source=CreditRecord.Source.EXCEL).source_type == "assessment"
    old = tmp_path / "old.xlsx"
    old.write_bytes(filled(world.teacher, [row(2)[:-1]], tweak=_version_1))
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="该模板已过期（版本 1，当前版本为 2）"):
        call_command("import_records", str(old), "--department", world.education.code)
    assert CreditRecord.objects.filter(source=CreditRecord.Source.EXCEL).count() == 1


@pytest.mark.postgres
def test_copy_writes_the_source_type(world) -> None:
    outcome = run(world, filled(world.teacher, [row(1, source_type="处罚处分"), row(2)]))
    stored = CreditRecord.objects.filter(pk__in=outcome.record_ids.values()).order_by("title")
    assert [r.source_type for r in stored] == ["penalty", ""]


# --- the department API ----------------------------------------------------------------


@pytest.fixture
def edu(client, world):  # type: ignore[no-untyped-def]
    return System(client, world.education)


def test_api_accepts_the_code_and_reads_it_back(edu) -> None:
    results = push(edu, [item(1, source_type="spot_check"), item(2), item(3, source_type="表彰奖励",
                                                                            polarity="positive", severity=None)])
    assert [r["status"] for r in results.json()["results"]] == ["created"] * 3
    by_id = {r.pk: r.source_type for r in CreditRecord.objects.filter(source=CreditRecord.Source.API)}
    assert sorted(by_id.values()) == ["", "commendation", "spot_check"]
    one = edu.call("GET", RECORDS + "EDU-1/").json()
    assert one["source_type"] == "spot_check"
    listed = {r["external_id"]: r["source_type"] for r in edu.call("GET", RECORDS).json()["results"]}
    assert listed == {"EDU-1": "spot_check", "EDU-2": "", "EDU-3": "commendation"}
    # A later upsert without the field keeps what the record says; with it, changes it.
    assert push(edu, [item(1, title="改标题")]).json()["results"][0]["status"] == "updated"
    assert edu.call("GET", RECORDS + "EDU-1/").json()["source_type"] == "spot_check"
    push(edu, [item(1, title="改标题", source_type="penalty")])
    assert edu.call("GET", RECORDS + "EDU-1/").json()["source_type"] == "penalty"


@pytest.mark.parametrize("value", ["rumour", "SPOT_CHECK", 3, True])
def test_api_refuses_an_unknown_source_type_in_its_error_format_and_writes_nothing(edu, value: object) -> None:
    results = push(edu, [item(1, source_type=value)]).json()["results"]
    assert results[0]["status"] == "error"
    (error,) = results[0]["errors"]
    assert (error["code"], error["field"]) == ("invalid_choice", "source_type")
    assert error["message"] == f"“{value}”不在列表中：请从下拉列表中选择。"
    assert not CreditRecord.objects.filter(source=CreditRecord.Source.API).exists()


def test_api_update_with_an_unknown_source_type_changes_nothing(edu) -> None:
    push(edu, [item(1, source_type="supervision")])
    result = push(edu, [item(1, title="新标题", source_type="rumour")]).json()["results"][0]
    assert (result["status"], result["errors"][0]["code"]) == ("error", "invalid_choice")
    record = CreditRecord.objects.get(source=CreditRecord.Source.API)
    assert (record.title, record.source_type) == ("违规1", "supervision")


def test_schema_and_chinese_api_docs_document_the_field(client) -> None:
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    parts = schema["components"]["schemas"]
    item_field = parts["Item"]["properties"]["source_type"]
    out_field = parts["RecordOut"]["properties"]["source_type"]
    assert "source_type" not in parts["Item"].get("required", [])

    def values(spec: dict) -> set[str]:  # type: ignore[type-arg]
        found: set[str] = set()
        for part in [spec, *spec.get("allOf", []), *spec.get("oneOf", []), *spec.get("anyOf", [])]:
            ref = part.get("$ref")
            target = parts[ref.rsplit("/", 1)[-1]] if ref else part
            found |= {v for v in target.get("enum", []) if v}
        return found

    assert values(item_field) == values(out_field) == set(CreditRecord.SourceType.values)
    page = client.get(reverse("api-docs")).content.decode()
    # The request's items and the list's results are documented field by field.
    for name in ("items[].source_type", "results[].source_type", "items[].external_id"):
        assert f'<code class="portal-code">{name}</code>' in page
    for label in LABELS:
        assert label in page
