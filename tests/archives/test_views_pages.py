"""Behaviour of the clerk and reviewer pages: forms, errors, the publishing journey,
evidence, the archive layout, print and Excel."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from archives import services
from archives.models import AnnualFinding, Archive, CreditRecord, Evidence, Notice, RecordChange, Subject
from credit_portal.models import AuditEntry
from departments.models import Membership
from tests import factories as f
from tests.archives.conftest import World, draft_negative, negative_data

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _record_post(world: World, **overrides: str) -> dict[str, object]:
    """The record form as a clerk fills it in, decided 42 days ago (on display whenever the
    suite runs), the decision date typed in full-width digits."""
    decided = f.lately(42)["decided_on"]
    occurred = decided - timedelta(days=18)
    data: dict[str, object] = {
        "category": world.violations.pk, "polarity": "negative", "severity": "general",
        "title": "违规有偿补课", "description": "在校外机构有偿补课。", "decision_number": "示教罚〔2026〕12号",
        "deciding_body": "示范市教育局",
        "occurred_on_year": str(occurred.year), "occurred_on_month": str(occurred.month),
        "occurred_on_day": str(occurred.day),
        **{f"decided_on_{part}": str(getattr(decided, part)).translate(FULL_WIDTH) for part in ("year", "month", "day")},
        "is_penalty": "on",
    }
    data.update(overrides)
    return data


# --- finding people -------------------------------------------------------------------------


def test_find_by_id_number_is_a_post_and_redirects_to_the_subject(client, world: World) -> None:
    client.force_login(world.edu_clerk)
    number = world.subject.id_number
    response = client.post(reverse("archives:find_subject"), {"search": "id", "id-id_number": number})
    assert response.status_code == 302
    assert response.url == reverse("archives:subject", args=[world.subject.pk])
    assert number not in response.url


def test_find_by_id_number_outside_scope_says_not_found_without_naming_anyone(client, world: World) -> None:
    client.force_login(world.health_clerk)
    response = client.post(reverse("archives:find_subject"), {"search": "id", "id-id_number": world.subject.id_number})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="not-found"' in content
    assert world.subject.name not in content
    # The register form is offered, with the number typed kept.
    assert world.subject.id_number in content


def test_invalid_id_number_shows_error_summary_and_keeps_input(client, world: World) -> None:
    client.force_login(world.edu_clerk)
    bad = world.subject.id_number[:-1] + ("0" if world.subject.id_number[-1] != "0" else "1")
    response = client.post(reverse("archives:find_subject"), {"search": "id", "id-id_number": bad})
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert 'href="#id_id-id_number"' in content
    assert f'value="{bad}"' in content
    title = content.split("<title>")[1].split("</title>")[0]
    assert title.startswith("错误") or title.startswith("Error")
    assert "novalidate" in content


def test_name_search_is_limited_to_scope(client, world: World) -> None:
    other, _ = services.find_or_create_subject(
        name="测试甲", id_number=f.make_id_number(birth=date(1990, 1, 1), seq=9), by=world.health_clerk
    )
    services.open_archive(subject=other, occupation=world.doctor, department=world.health, employer="示范医院",
                          by=world.health_clerk)
    client.force_login(world.edu_clerk)
    response = client.post(reverse("archives:find_subject"), {"search": "name", "name-name": "测试甲"})
    content = response.content.decode()
    assert reverse("archives:subject", args=[world.subject.pk]) in content
    assert reverse("archives:subject", args=[other.pk]) not in content
    assert "示范医院" not in content


def test_name_search_rows_show_what_the_archives_hold(client, world: World) -> None:
    """The rows are read as the columns shown (no model rows): each shows the person's page
    link, name and masked ID number, the archive's link, occupation, employer and the
    department's display name, in the order of the search (person, then occupation)."""
    from departments.models import Department

    party = Department.objects.create(code="test-party", name="测试工委", kind=Department.Kind.PARTY)
    other, _ = services.find_or_create_subject(
        name="测试甲", id_number=f.make_id_number(birth=date(1990, 1, 1), seq=9), by=world.health_clerk
    )
    services.open_archive(subject=other, occupation=world.doctor, department=world.health, employer="示范医院",
                          by=world.health_clerk)
    moved = services.open_archive(subject=other, occupation=world.teacher, department=world.education,
                                  employer="示范<学校>", by=world.edu_clerk)
    Archive.objects.filter(pk=moved.pk).update(department=party)
    client.force_login(world.credit_office)
    content = client.post(reverse("archives:find_subject"), {"search": "name", "name-name": "测试甲"}).content.decode()
    archives = sorted(Archive.objects.filter(subject__name="测试甲").select_related("subject", "occupation", "department"),
                      key=lambda a: (str(a.subject_id), a.occupation.sort_order))
    assert len(archives) == 3
    rows = content.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    assert rows.count('<tr class="govuk-table__row">') == 3
    position = 0
    for a in archives:
        row = (
            f'<td class="govuk-table__cell"><a class="govuk-link" href="{reverse("archives:subject", args=[a.subject_id])}">'
            f"{a.subject.name}</a></td>\n      <td class=\"govuk-table__cell\">{a.subject.id_number_masked}</td>\n"
            f'      <td class="govuk-table__cell"><a class="govuk-link" href="{reverse("archives:archive", args=[a.pk])}">'
            f"{a.occupation.name}</a></td>\n      <td class=\"govuk-table__cell\">{escape(a.employer)}</td>\n"
            f'      <td class="govuk-table__cell">{a.department.display_name}</td>'
        )
        assert row in rows[position:]
        position = rows.index(row, position)
    assert "市委测试工委" in rows
    assert "示范&lt;学校&gt;" in rows


def test_register_person_opens_the_archive_and_never_duplicates(client, world: World) -> None:
    number = f.make_id_number(birth=date(1988, 8, 8), seq=11)
    client.force_login(world.edu_clerk)
    data = {
        "name": "测试丙", "id_number": number, "phone": "", "political_status": "", "education": "bachelor",
        "occupation": world.teacher.pk, "department": world.education.pk, "employer": "示范小学",
        "practice_start_year": "2010", "practice_start_month": "9", "practice_start_day": "1",
    }
    response = client.post(reverse("archives:register_person"), data)
    assert response.status_code == 302
    subject = Subject.objects.get(name="测试丙")
    assert subject.archives.get().practice_start == date(2010, 9, 1)
    # A second department registering the same number reuses the person.
    client.force_login(world.health_clerk)
    response = client.post(reverse("archives:register_person"), {
        **data, "occupation": world.doctor.pk, "department": world.health.pk, "employer": "示范医院",
    })
    assert response.status_code == 302
    assert Subject.objects.filter(name="测试丙").count() == 1
    assert subject.archives.count() == 2


def test_register_with_a_refused_archive_creates_no_person(client, world: World) -> None:
    client.force_login(world.edu_clerk)
    response = client.post(reverse("archives:register_person"), {
        "name": "测试丁", "id_number": f.make_id_number(birth=date(1991, 2, 2), seq=12),
        "occupation": world.teacher.pk, "department": world.education.pk, "employer": "",
    })
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not Subject.objects.filter(name="测试丁").exists()


# --- records --------------------------------------------------------------------------------


def test_record_form_offers_only_the_occupations_categories(client, world: World) -> None:
    other = f.category("integrity", "廉政记录", common=False)
    client.force_login(world.edu_clerk)
    content = client.get(reverse("archives:record_new", args=[world.archive.pk])).content.decode()
    assert world.qualification.name in content
    assert other.name not in content


def test_negative_record_without_severity_is_refused_with_the_input_kept(client, world: World) -> None:
    client.force_login(world.edu_clerk)
    response = client.post(reverse("archives:record_new", args=[world.archive.pk]), _record_post(world, severity=""))
    content = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_severity_0"' in content
    assert "违规有偿补课" in content
    assert not CreditRecord.objects.exists()


def test_future_decision_date_is_refused(client, world: World) -> None:
    client.force_login(world.edu_clerk)
    response = client.post(reverse("archives:record_new", args=[world.archive.pk]),
                           _record_post(world, decided_on_year="2999"))
    assert 'href="#id_decided_on_0"' in response.content.decode()
    assert not CreditRecord.objects.exists()


def test_clerk_cannot_edit_a_published_record(client, world: World) -> None:
    record = services.submit_record(draft_negative(world),
                                    by=world.edu_clerk)
    services.publish_record(record, by=world.edu_reviewer)
    client.force_login(world.edu_clerk)
    response = client.post(reverse("archives:record_edit", args=[record.pk]), _record_post(world, title="改"))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.title == "违规有偿补课"


def test_journey_enter_submit_review_publish(client, world: World) -> None:
    client.force_login(world.edu_clerk)
    response = client.post(reverse("archives:record_new", args=[world.archive.pk]), _record_post(world))
    record = CreditRecord.objects.get()
    assert response.url == reverse("archives:record", args=[record.pk])
    assert record.decided_on == f.lately(42)["decided_on"]
    upload = SimpleUploadedFile("处罚决定书.pdf", PDF, content_type="application/pdf")
    response = client.post(reverse("archives:record_evidence", args=[record.pk]), {"file": upload})
    assert response.status_code == 302
    assert client.post(reverse("archives:record_submit", args=[record.pk])).status_code == 302
    assert Notice.objects.filter(subject=world.subject, kind=Notice.Kind.PRE_PUBLICATION).exists()

    client.force_login(world.edu_reviewer)
    review = client.get(reverse("archives:record_review", args=[record.pk])).content.decode()
    assert "处罚决定书.pdf" in review
    assert reverse("archives:record_publish", args=[record.pk]) in review
    response = client.post(reverse("archives:record_publish", args=[record.pk]))
    assert response.url == reverse("archives:record_published", args=[record.pk])
    confirmation = client.get(response.url).content.decode()
    assert "govuk-panel--confirmation" in confirmation
    assert f"{record.pk:06d}" in confirmation
    record.refresh_from_db()
    assert record.state == CreditRecord.State.PUBLISHED
    assert Notice.objects.filter(subject=world.subject, kind=Notice.Kind.REPAIR_NOTICE).exists()
    page = client.get(reverse("archives:archive", args=[world.archive.pk])).content.decode()
    assert "portal-inset--negative" in page
    assert 'id="no-negative"' not in page


def test_author_sees_no_publish_button_and_cannot_publish(client, world: World) -> None:
    # One person who is both clerk and reviewer of 教育局 enters a record: four eyes
    # means they cannot publish it themselves (DESIGN §5).
    both = f.member(world.education, Membership.Role.CLERK, "edu_both")
    Membership.objects.create(user=both, department=world.education, role=Membership.Role.REVIEWER)
    record = services.submit_record(draft_negative(world, by=both), by=both)
    client.force_login(both)
    page = client.get(reverse("archives:record_review", args=[record.pk])).content.decode()
    assert reverse("archives:record_publish", args=[record.pk]) not in page
    assert client.post(reverse("archives:record_publish", args=[record.pk])).status_code == 403
    record.refresh_from_db()
    assert record.state == CreditRecord.State.SUBMITTED


def test_return_with_reason_shows_on_dashboard(client, world: World) -> None:
    record = services.submit_record(
        draft_negative(world), by=world.edu_clerk
    )
    client.force_login(world.edu_reviewer)
    response = client.post(reverse("archives:record_return", args=[record.pk]), {"reason": ""})
    assert "govuk-error-summary" in response.content.decode()
    response = client.post(reverse("archives:record_return", args=[record.pk]), {"reason": "请补充处罚文号"})
    assert response.status_code == 302
    client.force_login(world.edu_clerk)
    assert "请补充处罚文号" in client.get(reverse("archives:dashboard")).content.decode()


def test_correction_keeps_history_side_by_side_with_the_change_marked(client, world: World) -> None:
    record = services.submit_record(
        draft_negative(world), by=world.edu_clerk
    )
    services.publish_record(record, by=world.edu_reviewer)
    client.force_login(world.edu_reviewer2)
    response = client.post(reverse("archives:record_correct", args=[record.pk]),
                           _record_post(world, decision_number="示教罚〔2026〕13号", reason="文号录入错误"))
    change = RecordChange.objects.get()
    assert response.url == reverse("archives:change", args=[change.pk])
    # Nothing changes on one person's word: the proposer sees no approve button and is refused.
    page = client.get(response.url).content.decode()
    assert reverse("archives:change_approve", args=[change.pk]) not in page
    assert client.post(reverse("archives:change_approve", args=[change.pk])).status_code == 403
    assert CreditRecord.objects.get(is_current=True).pk == record.pk
    client.force_login(world.edu_reviewer)
    page = client.get(reverse("archives:change", args=[change.pk])).content.decode()
    assert reverse("archives:change_approve", args=[change.pk]) in page
    response = client.post(reverse("archives:change_approve", args=[change.pk]))
    new = CreditRecord.objects.get(is_current=True)
    assert new.pk != record.pk
    assert response.url == reverse("archives:record", args=[new.pk])
    # The superseded version links to the version that replaced it.
    old_page = client.get(reverse("archives:record", args=[record.pk])).content.decode()
    assert f'href="{reverse("archives:record", args=[new.pk])}"' in old_page
    page = client.get(reverse("archives:archive", args=[world.archive.pk])).content.decode()
    assert "示教罚〔2026〕12号" in page
    assert "示教罚〔2026〕13号" in page
    assert '<mark class="app-changed">示教罚〔2026〕13号</mark>' in page


def test_withdrawn_record_is_flagged(client, world: World) -> None:
    record = services.submit_record(
        draft_negative(world), by=world.edu_clerk
    )
    services.publish_record(record, by=world.edu_reviewer)
    client.force_login(world.edu_clerk)
    client.post(reverse("archives:record_withdraw", args=[record.pk]), {"reason": "处罚决定已撤销"})
    client.force_login(world.edu_reviewer2)
    client.post(reverse("archives:change_approve", args=[RecordChange.objects.get().pk]))
    page = client.get(reverse("archives:archive", args=[world.archive.pk])).content.decode()
    assert str(CreditRecord.State.WITHDRAWN.label) in page or "withdrawn" in page
    assert 'id="no-negative"' in page


# --- evidence -------------------------------------------------------------------------------


@pytest.fixture
def draft(world: World) -> CreditRecord:
    return services.draft_record(world.archive, by=world.edu_clerk, **negative_data(world))


def test_evidence_too_large_is_refused(client, world: World, draft: CreditRecord, monkeypatch) -> None:
    monkeypatch.setattr("archives.services.evidence.MAX_EVIDENCE_BYTES", 100)
    client.force_login(world.edu_clerk)
    upload = SimpleUploadedFile("big.pdf", PDF + b"0" * 200)
    response = client.post(reverse("archives:record_evidence", args=[draft.pk]), {"file": upload})
    assert 'href="#id_file"' in response.content.decode()
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(("name", "content"), [("scan.pdf", PNG), ("notes.pdf", b"just text"), ("x.png", PDF)])
def test_evidence_whose_content_is_not_what_it_claims_is_refused(
    client, world: World, draft: CreditRecord, name: str, content: bytes
) -> None:
    client.force_login(world.edu_clerk)
    response = client.post(reverse("archives:record_evidence", args=[draft.pk]), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not Evidence.objects.exists()


def test_evidence_download_is_an_audited_attachment_with_nosniff(client, world: World, draft: CreditRecord) -> None:
    evidence = services.attach_evidence(SimpleUploadedFile("决定书.pdf", PDF), by=world.edu_clerk, record=draft)
    client.force_login(world.edu_reviewer)
    response = client.get(reverse("archives:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert AuditEntry.objects.filter(action="archives.evidence.downloaded", object_id=str(evidence.pk)).exists()


# --- the archive page, print and Excel -----------------------------------------------------


def test_archive_page_masks_id_until_shown_and_the_show_is_audited(client, world: World) -> None:
    client.force_login(world.edu_clerk)
    number = world.subject.id_number
    page = client.get(reverse("archives:archive", args=[world.archive.pk])).content.decode()
    assert number not in page
    assert world.subject.id_number_masked in page
    assert "13800000000" not in page
    assert 'id="no-negative"' in page
    assert 'id="viewed-at"' in page
    response = client.post(reverse("archives:archive_reveal", args=[world.archive.pk]), {"field": "id_number"})
    assert number in response.content.decode()
    assert AuditEntry.objects.filter(action="archives.subject.revealed", subject_ref=str(world.subject.pk)).exists()
    response = client.post(reverse("archives:archive_reveal", args=[world.archive.pk]), {"field": "phone"})
    assert "13800000000" in response.content.decode()


def test_findings_draft_evidence_sign(client, world: World) -> None:
    client.force_login(world.edu_clerk)
    response = client.post(reverse("archives:finding_new", args=[world.archive.pk]),
                           {"year": "2025", "status": "warning", "basis": "经查实，存在违规补课行为"})
    finding = AnnualFinding.objects.get()
    assert response.url == reverse("archives:finding", args=[finding.pk])
    client.force_login(world.edu_reviewer)
    # A warning finding without evidence is not signed.
    client.post(reverse("archives:finding_sign", args=[finding.pk]))
    finding.refresh_from_db()
    assert finding.state == AnnualFinding.State.DRAFT
    client.force_login(world.edu_clerk)
    client.post(reverse("archives:finding_evidence", args=[finding.pk]), {"file": SimpleUploadedFile("查实.pdf", PDF)})
    client.force_login(world.edu_reviewer)
    page = client.get(reverse("archives:finding_sign", args=[finding.pk])).content.decode()
    assert "查实.pdf" in page
    assert "<form" in page
    response = client.post(reverse("archives:finding_sign", args=[finding.pk]))
    assert response.url == reverse("archives:finding_signed", args=[finding.pk])
    finding.refresh_from_db()
    assert finding.state == AnnualFinding.State.SIGNED
    assert finding.signed_by == world.edu_reviewer
    page = client.get(reverse("archives:archive_print", args=[world.archive.pk]) + "?year=2025").content.decode()
    assert "经查实，存在违规补课行为" in page
    assert world.education.display_name in page


def test_excel_export_has_chinese_headers_and_no_full_id_number(client, world: World) -> None:
    record = services.submit_record(
        draft_negative(
            world, title="=HYPERLINK(1)", deciding_body="=1+1", source_type=CreditRecord.SourceType.SPOT_CHECK
        ),
        by=world.edu_clerk,
    )
    services.publish_record(record, by=world.edu_reviewer)
    # A second row: the styled cells are reused row after row (archives.exports._Styled);
    # each row keeps its own values, styles and types.
    second = services.submit_record(draft_negative(world, title="第二条", deciding_body="示范局"), by=world.edu_clerk)
    services.publish_record(second, by=world.edu_reviewer)
    client.force_login(world.edu_clerk)
    response = client.get(reverse("archives:archive_export", args=[world.archive.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    workbook = load_workbook(BytesIO(response.content))
    assert workbook.sheetnames == ["信用信息记录表", "信用记录", "信用状况"]
    sheet = workbook["信用记录"]
    assert [c.value for c in sheet[1]][:5] == ["序号", "信息类别", "性质", "严重程度", "标题"]
    rows = {sheet.cell(row=r, column=5).value: r for r in (2, 3)}
    assert set(rows) == {"=HYPERLINK(1)", "第二条"}
    first, other = rows["=HYPERLINK(1)"], rows["第二条"]
    # 001 §三(五): where the information came from (抽查检查), next to who decided it.
    assert (sheet["I1"].value, sheet.cell(row=first, column=9).value) == ("信息来源", "抽查检查")
    assert sheet.cell(row=first, column=5).data_type == "s"
    # A short column is written as a plain value unless it would read as a formula.
    assert sheet.cell(row=first, column=8).value == "=1+1"
    assert sheet.cell(row=first, column=8).data_type == "s"
    assert sheet.cell(row=other, column=8).value == "示范局"
    assert not sheet.cell(row=other, column=8).alignment.wrap_text
    assert [sheet.cell(row=r, column=1).value for r in (2, 3)] == [1, 2]
    for r in (2, 3):
        assert sheet.cell(row=r, column=5).alignment.wrap_text
        assert sheet.cell(row=r, column=6).alignment.wrap_text
        assert not sheet.cell(row=r, column=5).font.bold
    assert sheet["A1"].font.bold
    assert sheet["E1"].font.bold
    cells = [str(c.value) for ws in workbook for row in ws.iter_rows() for c in row if c.value is not None]
    assert world.subject.id_number not in " ".join(cells)
    assert world.subject.id_number_masked in cells


def test_publishing_a_record_whose_period_is_over_says_its_display_ended(client, world: World) -> None:
    """Minor information is shown 3 months from the decision: decided 200 days ago, it ends
    when published, and the reviewer is told so instead of the usual confirmation."""
    decided = f.lately(200)
    record = draft_negative(world, severity="minor", is_penalty=False, **decided)
    services.submit_record(record, by=world.edu_clerk)
    client.force_login(world.edu_reviewer)
    response = client.post(reverse("archives:record_publish", args=[record.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("archives:record", args=[record.pk])
    record.refresh_from_db()
    assert record.state == CreditRecord.State.EXPIRED
    assert f"已于 {record.display_until.isoformat()} 届满" in response.content.decode()


def test_approving_a_correction_to_a_decision_whose_period_is_over_says_its_display_ended(
    client, world: World,
) -> None:
    """A correction moves a minor record's decision back 200 days (3 months' display): the
    new version ends at once, and the approving reviewer is told so after "corrected"."""
    record = services.submit_record(
        draft_negative(world, severity="minor", is_penalty=False), by=world.edu_clerk
    )
    services.publish_record(record, by=world.edu_reviewer)
    earlier = f.lately(200)
    change = services.propose_correction(record, by=world.edu_reviewer2, reason="决定日期录入错误", **earlier)
    client.force_login(world.edu_reviewer)
    response = client.post(reverse("archives:change_approve", args=[change.pk]), follow=True)
    new = CreditRecord.objects.get(is_current=True)
    assert new.state == CreditRecord.State.EXPIRED
    assert response.redirect_chain[-1][0] == reverse("archives:record", args=[new.pk])
    page = response.content.decode()
    assert "更正" in page
    assert f"已于 {new.display_until.isoformat()} 届满，因此公示随即结束" in page
