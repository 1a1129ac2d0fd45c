"""The upload journey over HTTP and who may take it; the command line shares the service."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from archives.intake.columns import COLUMNS
from archives.intake.models import ImportJob, IntakeSettings
from archives.models import CreditRecord
from tests.intake.conftest import filled, row

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client, world, data: bytes, *, mode: str = "all"):  # type: ignore[no-untyped-def]
    # The job is queued on commit; run the callbacks (the task is eager in the embedded profile).
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("archives:intake_upload"), {
            "department": world.education.pk, "occupation": world.teacher.pk, "mode": mode,
            "file": SimpleUploadedFile("记录.xlsx", data, content_type=XLSX),
        })


def test_template_download_is_the_occupations_template(client, world) -> None:
    client.force_login(world.edu_clerk)
    response = client.get(reverse("archives:intake_template", args=[world.teacher.code]))
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames[:3] == ["记录", "代码表", "填写说明"]
    sheet = book["记录"]
    assert sheet["B1"].value == "公民身份号码*"
    assert sheet["B2"].number_format == "@"
    assert sheet["M2"].number_format == "yyyy-mm-dd"
    assert book["_meta"].sheet_state == "veryHidden"
    assert sheet.data_validations.dataValidation  # dropdowns
    # Another department's occupation is not offered.
    assert client.get(reverse("archives:intake_template", args=[world.doctor.code])).status_code == 404


def test_upload_with_errors_then_fixed_report_succeeds(client, world) -> None:
    client.force_login(world.edu_clerk)
    response = upload(client, world, filled(world.teacher, [row(1), row(2, category="无此类别")]))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("archives:intake_job", args=[job.pk])
    assert job.state == ImportJob.State.REFUSED
    assert job.error_count == 1
    assert job.created_count == 0
    assert job.upload == ""  # the uploaded file is not kept
    page = client.get(response["Location"]).content.decode()
    assert "未导入任何数据" in page
    assert "下载错误报告" in page
    status = client.get(reverse("archives:intake_job_status", args=[job.pk])).json()
    assert status["finished"]
    assert status["refused"] == 1
    report = client.get(reverse("archives:intake_job_report", args=[job.pk]))
    book = load_workbook(BytesIO(report.content))
    sheet = book["记录"]
    # The error column follows the template's columns.
    assert "未知的信息类别“无此类别”" in sheet[f"{get_column_letter(len(COLUMNS) + 1)}3"].value
    sheet["F3"] = world.violations.name  # the clerk corrects the cell in the report and uploads it
    out = BytesIO()
    book.save(out)
    upload(client, world, out.getvalue())
    second = ImportJob.objects.order_by("-created_at").first()
    assert second.state == ImportJob.State.DONE
    assert second.created_count == 2
    assert CreditRecord.objects.filter(source=CreditRecord.Source.EXCEL, state="draft").count() == 2


def test_department_setting_lands_rows_submitted(client, world) -> None:
    IntakeSettings.objects.create(department=world.education, submit_for_review=True)
    client.force_login(world.edu_clerk)
    upload(client, world, filled(world.teacher, [row(1)]))
    # Negative rows wait as drafts for their evidence (they cannot be submitted without it).
    record = CreditRecord.objects.get(source=CreditRecord.Source.EXCEL)
    assert record.is_negative
    assert record.state == CreditRecord.State.DRAFT


def test_bad_file_is_refused_on_the_form_and_nothing_stored(client, world) -> None:
    client.force_login(world.edu_clerk)
    response = upload(client, world, b"not a workbook")
    assert response.status_code == 200
    assert "该文件不是 Excel .xlsx 工作簿" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("who", ["health_clerk", "edu_reviewer", "citizen"])
def test_others_cannot_upload(client, world, who: str) -> None:
    client.force_login(getattr(world, who))
    response = upload(client, world, filled(world.teacher, [row(1)]))
    assert response.status_code in {200, 403}
    assert not ImportJob.objects.exists()


def test_another_department_cannot_see_a_job_or_its_report(client, world) -> None:
    client.force_login(world.edu_clerk)
    upload(client, world, filled(world.teacher, [row(1, category="无")]))
    job = ImportJob.objects.get()
    client.force_login(world.health_clerk)
    for name in ("intake_job", "intake_job_status", "intake_job_report"):
        assert client.get(reverse(f"archives:{name}", args=[job.pk])).status_code == 404


def test_command_imports_and_exits_non_zero_with_the_report_path(world, tmp_path, capsys) -> None:
    bad = tmp_path / "teachers.xlsx"
    bad.write_bytes(filled(world.teacher, [row(1), row(2, severity="")]))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_records", str(bad), "--department", world.education.code)
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert str(tmp_path / "teachers.errors.xlsx") in err
    assert (tmp_path / "teachers.errors.xlsx").exists()
    assert not CreditRecord.objects.filter(source=CreditRecord.Source.EXCEL).exists()
    good = tmp_path / "fixed.xlsx"
    good.write_bytes(filled(world.teacher, [row(1), row(2)]))
    call_command("import_records", str(good), "--department", world.education.code, "--submit")
    assert "2 records created" in capsys.readouterr().out
    # The rows are negative: they stay drafts until a clerk attaches their evidence.
    assert CreditRecord.objects.filter(source=CreditRecord.Source.EXCEL, state="draft").count() == 2


def test_job_is_queued_on_commit_and_safe_to_run_twice(client, world, django_capture_on_commit_callbacks) -> None:
    import json

    from archives.intake import jobs

    client.force_login(world.edu_clerk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("archives:intake_upload"), {
            "department": world.education.pk, "occupation": world.teacher.pk, "mode": "all",
            "file": SimpleUploadedFile("a.xlsx", filled(world.teacher, [row(1)]), content_type=XLSX),
        })
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.PENDING
    assert len(callbacks) == 1
    assert json.loads(json.dumps(str(job.pk))) == str(job.pk)  # the task's only argument
    assert jobs.run_job(str(job.pk)).state == ImportJob.State.DONE
    assert jobs.run_job(str(job.pk)) is None  # claimed: a second delivery does nothing
    assert CreditRecord.objects.filter(source=CreditRecord.Source.EXCEL).count() == 1


def test_progress_only_moves_forward_across_phases(world) -> None:
    from django.core.cache import cache

    from archives.intake import jobs

    report = jobs._progress("job-x")
    seen = []
    for phase, done, total in [("reading", 0, 100), ("checking", 50, 100), ("checking", 100, 100),
                               ("matching", 0, 100), ("matching", 100, 100), ("writing", 50, 100),
                               ("submitting", 100, 100)]:
        report(phase, done, total)
        seen.append(cache.get(jobs.progress_key("job-x"))["percent"])
    assert seen == sorted(seen)
    assert seen[-1] == 99
