"""The hostile-value pass over the intake's second steps (tests/test_hostile_forms.py covers
the first steps a demo role reaches by links).

* The import job page: a clerk uploads a real workbook whose cells hold each hostile
  value (the values reach the job, its page, its status and its error report), then
  the job page, its status and its report are asked for with hostile query strings and
  methods, and the upload form the job page links back to is posted with each value.
* The batch of yearly 守信 findings: one reviewer drafts it (the first step, valid),
  then the drafter and a second reviewer post the signing form with each hostile value,
  and the batch page is asked for with hostile page numbers and identifiers.

Every answer is a page, a redirect or a 4xx: never 5xx.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse

from archives import services
from archives.intake.models import FindingBatch, ImportJob
from archives.models import CreditRecord
from tests.archives.conftest import draft_negative
from tests.intake.conftest import filled, row
from tests.intake.test_lists import make_archives
from tests.test_hostile_forms import HOSTILE, _data, _follow, _Page

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Cells of the workbook: openpyxl cannot write a NUL, so that value is patched into the
# sheet's XML afterwards (a file a hand-edited or foreign tool could produce).
_NUL_MARK = "NULMARKNUL"


def _hostile_workbook(world, value: str) -> bytes:  # type: ignore[no-untyped-def]
    cell = _NUL_MARK if "\x00" in value else value
    everywhere = [cell] * 16
    in_text = row(2, employer=cell, title=cell, description=cell, decision_number=cell, deciding_body=cell, post=cell)
    data = filled(world.teacher, [everywhere, in_text, row(3)])
    if cell != _NUL_MARK:
        return data
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, content.replace(_NUL_MARK.encode(), b"a\x00b"))
    return out.getvalue()


def _failures(label: str, response, where: str) -> list[str]:  # type: ignore[no-untyped-def]
    if response.status_code < 500:
        return []
    error = response.exc_info[1] if getattr(response, "exc_info", None) else None
    return [f"{where} with {label}: {response.status_code} {type(error).__name__}: {str(error)[:200]}"]


def test_import_job_pages_answer_hostile_values_without_5xx(world) -> None:  # type: ignore[no-untyped-def]
    client = Client(raise_request_exception=False)
    client.force_login(world.edu_clerk)
    failures: list[str] = []
    for label, value in HOSTILE.items():
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(
                reverse("archives:intake_upload"),
                {
                    "department": world.education.pk,
                    "occupation": world.teacher.pk,
                    "mode": "valid",
                    "file": SimpleUploadedFile("记录.xlsx", _hostile_workbook(world, value), content_type=XLSX),
                },
            )
        failures += _failures(label, response, "upload of a workbook holding the value")
        if response.status_code != 302:
            # Refused as a whole (a NUL in the XML cannot be read): the form says which file.
            assert value == HOSTILE["NUL"], label
            assert response.status_code == 200, label
            assert "govuk-error-summary" in response.content.decode(), label
            continue
        job_url = response["Location"]
        assert "/intake/jobs/" in job_url, f"{label}: {job_url}"
        job = ImportJob.objects.get(pk=job_url.rstrip("/").rsplit("/", 1)[-1])
        assert job.is_finished, label
        assert job.error_count >= 1, label  # the all-hostile row at least is refused, row by row
        # Nothing failed half-way: the refused rows are in a report the clerk can download.
        assert job.error_report, f"{label}: {job.state} {job.message}"
        report = client.get(reverse("archives:intake_job_report", args=[job.pk]))
        assert report.status_code == 200, label
        print(f"{label}: {job.state}, {job.created_count} created, {job.error_count} refused")  # noqa: T201
        page = client.get(job_url)
        failures += _failures(label, page, f"GET {job_url}")
        assert page.status_code == 200, label
        for url in (
            job_url,
            reverse("archives:intake_job_status", args=[job.pk]),
            reverse("archives:intake_job_report", args=[job.pk]),
        ):
            failures += _failures(label, client.get(url), f"GET {url}")
            failures += _failures(label, client.get(url, {"page": value, "format": value}), f"GET {url}?hostile")
            posted = client.post(url, {"anything": value})
            failures += _failures(label, posted, f"POST {url}")
            assert posted.status_code == 405, url
        # The page's forms and the upload form it links back to, posted with the value.
        parsed = _Page()
        parsed.feed(page.content.decode())
        upload_page = client.get(reverse("archives:intake_upload"))
        parsed.feed(upload_page.content.decode())
        for form in parsed.forms:
            action = form["action"] or reverse("archives:intake_upload")
            if form["method"] != "post" or not _follow(action, action, admin=False):
                continue  # the sign-out form, the language switch
            failures += _failures(label, client.post(action, _data(form, value)), f"POST {action}")
    jobs = reverse("archives:intake_upload") + "jobs/"
    for bad in (f"{jobs}99999999999999999999/", f"{jobs}%EF%BC%91/", f"{jobs}a%00b/", f"{jobs}{'0' * 32}/"):
        answer = client.get(bad)
        failures += _failures("a bad job id", answer, f"GET {bad}")
        assert answer.status_code == 404, bad
    assert not any("\x00" in title for title in CreditRecord.objects.values_list("title", flat=True))
    assert not failures, "\n".join(failures)


@pytest.fixture
def drafted_batch(client, world):  # type: ignore[no-untyped-def]
    archives = make_archives(world, 3, employer="示范市第九中学")
    record = draft_negative(world, archive=archives[0])
    services.submit_record(record, by=world.edu_clerk)
    client.force_login(world.edu_reviewer)
    response = client.post(
        reverse("archives:intake_batches"),
        {"department": world.education.pk, "year": 2026, "employer": "示范市第九中学", "occupation": ""},
    )
    assert response.status_code == 302
    return FindingBatch.objects.get()


@time_machine.travel(date(2026, 12, 28), tick=False)
def test_batch_signing_step_answers_hostile_values_without_5xx(world, drafted_batch) -> None:  # type: ignore[no-untyped-def]
    batch_url = reverse("archives:intake_batch", args=[drafted_batch.pk])
    sign_url = reverse("archives:intake_batch_sign", args=[drafted_batch.pk])
    failures: list[str] = []
    drafter, signer = Client(raise_request_exception=False), Client(raise_request_exception=False)
    drafter.force_login(world.edu_reviewer)
    signer.force_login(world.edu_reviewer2)
    page = signer.get(batch_url)
    parsed = _Page()
    parsed.feed(page.content.decode())
    sign_forms = [form for form in parsed.forms if form["action"] == sign_url]
    assert sign_forms, "the second reviewer is offered no signing form"
    for label, value in HOSTILE.items():
        for who in (drafter, signer):
            failures += _failures(label, who.get(batch_url, {"page": value}), f"GET {batch_url}?page=")
        # The drafter may not sign: refused (403), never an error.
        refused = drafter.post(sign_url, {**_data(sign_forms[0], value), "batch": value, "year": value})
        failures += _failures(label, refused, f"POST {sign_url} by the drafter")
        assert refused.status_code == 403, label
        findings = reverse("archives:intake_batches")
        for bad in ("99999999999999999999", "0"):
            for url in (f"{findings}{bad}/", f"{findings}{bad}/sign/"):
                for answer in (signer.post(url, {"x": value}), signer.get(url)):
                    failures += _failures(label, answer, url)
                    assert answer.status_code in {404, 405}, url
        # A second draft of the same unit and year, with the value in the draft form.
        again = drafter.post(
            reverse("archives:intake_batches"),
            {"department": world.education.pk, "year": value, "employer": value, "occupation": value},
        )
        failures += _failures(label, again, "POST the batch draft form")
    drafted_batch.refresh_from_db()
    assert drafted_batch.state == FindingBatch.State.DRAFT
    # The second reviewer signs, with each hostile value in the form; then signs again.
    for label, value in HOSTILE.items():
        signed = signer.post(sign_url, {**_data(sign_forms[0], value), "batch": value})
        failures += _failures(label, signed, f"POST {sign_url} by the second reviewer")
        assert signed.status_code == 302, label
        failures += _failures(label, signer.get(batch_url, {"page": value}), f"GET {batch_url} once signed")
    drafted_batch.refresh_from_db()
    assert drafted_batch.state == FindingBatch.State.SIGNED
    assert not failures, "\n".join(failures)
