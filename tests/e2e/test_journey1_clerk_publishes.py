"""Journey 1 in Chromium (DESIGN §1): a clerk of 教育局 enters a teacher's negative
record with evidence and submits it; a reviewer publishes it through the check-your-
answers page; the archive page shows it in the red inset; the person has a notice.
axe passes on every page; screenshots go to test-artifacts/screenshots/journey1-*.png.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from archives import services
from archives.models import CreditRecord, Notice
from departments.models import Department, Membership, Occupation
from tests import factories as f
from tests.e2e.conftest import assert_no_axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "test-password-123"  # tests/factories.make_user


def _decision_pdf(path: Path) -> Path:
    """A small real PDF: the scanned decision the clerk attaches."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = BytesIO()
    document = canvas.Canvas(buffer, pagesize=A4)
    document.drawString(72, 770, "Decision (synthetic test document)")
    document.save()
    path.write_bytes(buffer.getvalue())
    return path


def _sign_in(page: Any, base_url: str, username: str) -> None:
    page.goto(base_url + "/accounts/login/?next=/staff/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit].govuk-button").click()
    page.wait_for_url(base_url + "/staff/")


def _sign_out(page: Any) -> None:
    page.locator("form[action='/accounts/logout/'] button").click()
    page.wait_for_load_state()


def _check(page: Any, name: str) -> None:
    assert_no_axe_violations(page)
    screenshot(page, f"journey1-{name}")


def test_clerk_enters_reviewer_publishes(page: Any, base_url: str, tmp_path: Path, settings) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "media")}}}
    education = Department.objects.get(code="education")
    teacher = Occupation.objects.get(code="teacher")
    clerk = f.member(education, Membership.Role.CLERK, "journey_clerk")
    reviewer = f.member(education, Membership.Role.REVIEWER, "journey_reviewer")
    id_number = f.make_id_number(birth=date(1984, 10, 2), seq=17)
    subject, _ = services.find_or_create_subject(name="测试教师", id_number=id_number, phone="13800000000", by=clerk)
    archive = services.open_archive(subject=subject, occupation=teacher, department=education,
                                    employer="示范市实验中学", title="中学一级教师", by=clerk)

    # --- the clerk -------------------------------------------------------------------
    _sign_in(page, base_url, clerk.username)
    _check(page, "01-dashboard")
    page.goto(base_url + "/staff/subjects/find/")
    page.fill("#id_id-id_number", id_number)
    page.locator("form:has(input[name=search][value=id]) button").click()
    page.wait_for_url(f"{base_url}/staff/subjects/{subject.pk}/")
    assert id_number not in page.url
    _check(page, "02-subject")
    page.locator(f"a[href='/staff/archives/{archive.pk}/']").first.click()
    page.wait_for_load_state()
    assert page.locator("#no-negative").is_visible()
    _check(page, "03-archive-empty")

    page.locator(f"a[href='/staff/archives/{archive.pk}/records/new/']").click()
    page.wait_for_load_state()
    # First an empty submission: the error summary, "错误：" in the title, no native pop-ups.
    page.locator("main form[method=post] button.govuk-button").click()
    page.wait_for_load_state()
    assert page.title().startswith("错误")
    assert page.locator(".govuk-error-summary").is_visible()
    _check(page, "04-record-form-errors")
    page.select_option("#id_category", label="相关违法违纪违约行为")
    page.check("#id_polarity_2")  # negative
    page.check("#id_severity_1")  # general
    page.fill("#id_title", "违规组织有偿补课")
    page.fill("#id_description", "在校外培训机构组织在校学生有偿补课。")
    page.fill("#id_decision_number", "示教罚〔2026〕12号")
    page.fill("#id_deciding_body", "示范市教育局")
    for name, (y, m, d) in {"occurred_on": ("2026", "3", "2"), "decided_on": ("２０２６", "３", "２０")}.items():
        page.fill(f"#id_{name}_0", y)
        page.fill(f"#id_{name}_1", m)
        page.fill(f"#id_{name}_2", d)
    page.check("#id_is_penalty")
    page.locator("main form[method=post] button.govuk-button").click()
    page.wait_for_load_state()
    record = CreditRecord.objects.get(archive=archive)
    assert page.url == f"{base_url}/staff/records/{record.pk}/"
    _check(page, "05-record-draft")

    page.locator(f"a[href='/staff/records/{record.pk}/evidence/']").click()
    page.wait_for_load_state()
    page.set_input_files("#id_file", str(_decision_pdf(tmp_path / "处罚决定书.pdf")))
    _check(page, "06-evidence-form")
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    page.wait_for_url(f"{base_url}/staff/records/{record.pk}/")
    assert page.get_by_role("link", name="处罚决定书.pdf").is_visible()
    page.locator(f"form[action='/staff/records/{record.pk}/submit/'] button").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-notification-banner--success").is_visible()
    _check(page, "07-record-submitted")
    record.refresh_from_db()
    assert record.state == CreditRecord.State.SUBMITTED
    _sign_out(page)

    # --- the reviewer ------------------------------------------------------------------
    _sign_in(page, base_url, reviewer.username)
    page.goto(base_url + "/staff/review/")
    _check(page, "08-review-queue")
    page.locator(f"a[href='/staff/records/{record.pk}/review/']").click()
    page.wait_for_load_state()
    assert page.get_by_text("违规组织有偿补课").first.is_visible()
    _check(page, "09-check-your-answers")
    page.locator(f"form[action='/staff/records/{record.pk}/publish/'] button").click()
    page.wait_for_url(f"{base_url}/staff/records/{record.pk}/published/")
    assert page.locator(".govuk-panel--confirmation").is_visible()
    assert f"{record.pk:06d}" in page.locator(".govuk-panel__body").inner_text()
    _check(page, "10-published-confirmation")

    page.locator(f"a[href='/staff/archives/{archive.pk}/']").first.click()
    page.wait_for_load_state()
    inset = page.locator(f"#record-{record.pk}")
    assert "portal-inset--negative" in (inset.get_attribute("class") or "")
    assert "违规组织有偿补课" in inset.inner_text()
    assert page.locator("#no-negative").count() == 0
    assert page.locator("#viewed-at").is_visible()
    _check(page, "11-archive-with-negative-record")

    record.refresh_from_db()
    assert record.state == CreditRecord.State.PUBLISHED
    assert record.published_by_id == reviewer.pk
    kinds = set(Notice.objects.filter(subject=subject, record=record).values_list("kind", flat=True))
    assert kinds == {Notice.Kind.PRE_PUBLICATION, Notice.Kind.REPAIR_NOTICE}

    # It reached the municipal platform (DESIGN §1 journey 1). The embedded profile
    # delivered right after commit; with Redis and no worker, run the beat sweep once.
    from exchange.delivery import deliver_pending
    from exchange.models import PlatformLedgerEntry

    deliver_pending()
    entry = PlatformLedgerEntry.objects.get(event_type="record.published", payload__record_id=record.pk)
    assert entry.payload["severity"] == "general"
    assert "id_number" not in entry.payload


def test_archive_with_history_findings_and_print_view_pass_axe(page: Any, base_url: str, tmp_path: Path, settings) -> None:
    """The archive page in its fullest state (a corrected record with its history open, a
    signed finding) and the print view of the yearly form."""
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "media")}}}
    education = Department.objects.get(code="education")
    clerk = f.member(education, Membership.Role.CLERK, "history_clerk")
    reviewer = f.member(education, Membership.Role.REVIEWER, "history_reviewer")
    subject, _ = services.find_or_create_subject(
        name="测试教师乙", id_number=f.make_id_number(birth=date(1980, 1, 2), seq=3), by=clerk
    )
    archive = services.open_archive(subject=subject, occupation=Occupation.objects.get(code="teacher"),
                                    department=education, employer="示范市实验小学", by=clerk)
    record = services.draft_record(
        archive, by=clerk, category=education.occupations.get(code="teacher").categories.get(code="violations"),
        polarity="negative", severity="minor", title="教学日志填报不及时", decision_number="示教〔2026〕1号",
        **f.lately(10),  # minor information is shown 3 months: still on display when the suite runs
    )
    services.attach_evidence(
        SimpleUploadedFile("决定书.pdf", _decision_pdf(tmp_path / "d.pdf").read_bytes(), content_type="application/pdf"),
        by=clerk, record=record,
    )
    services.publish_record(services.submit_record(record, by=clerk), by=reviewer)
    # Four eyes: the clerk proposes the correction, the reviewer approves it.
    change = services.propose_correction(record, by=clerk, reason="文号有误", decision_number="示教〔2026〕2号")
    current = services.approve_change(change, by=reviewer)
    finding = services.draft_finding(archive, year=2025, status="trustworthy", basis="依法认定为守信人员。", by=clerk)
    services.sign_finding(finding, by=reviewer)

    _sign_in(page, base_url, reviewer.username)
    page.goto(f"{base_url}/staff/archives/{archive.pk}/")
    # The version history's details (the credit level's history is another details block).
    page.locator("details.govuk-details", has=page.locator("mark.app-changed")).locator("summary").first.click()
    assert page.locator("mark.app-changed").first.is_visible()
    _check(page, "12-archive-history-open")
    page.locator("button[form='reveal-id-number']").click()
    page.wait_for_load_state()
    assert page.locator("#id-number-full").is_visible()
    page.goto(f"{base_url}/staff/archives/{archive.pk}/print/?year={record.decided_on.year}")
    _check(page, "13-print-view")
    page.emulate_media(media="print")
    screenshot(page, "journey1-14-print-media")
    page.emulate_media(media="screen")

    # A withdrawal proposed by the clerk waits for the reviewer, who approves it on its page.
    withdrawal = services.propose_withdrawal(current, by=clerk, reason="处理决定已被撤销")
    page.goto(f"{base_url}/staff/changes/{withdrawal.pk}/")
    _check(page, "15-change-to-approve")
    page.locator(f"form[action='/staff/changes/{withdrawal.pk}/approve/'] button").click()
    page.wait_for_url(f"{base_url}/staff/records/{current.pk}/")
    current.refresh_from_db()
    assert current.state == CreditRecord.State.WITHDRAWN
