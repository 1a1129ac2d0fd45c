"""The coverage table of 000's annex: page, form, Excel export and who may use them."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from credit_portal.models import AuditEntry
from departments import services
from departments.models import CoverageEntry
from tests import factories as f

pytestmark = pytest.mark.django_db

PAGE = "/catalogue/coverage/"
EXPORT = "/catalogue/coverage/export.xlsx"


def _user(*codenames: str):
    user = f.make_user()
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(content_type__app_label="departments", codename=codename))
    return user


def _edit_url(code: str = "education") -> str:
    return f"/catalogue/coverage/{CoverageEntry.objects.get(department__code=code).pk}/edit/"


def test_anonymous_users_are_sent_to_log_in(client) -> None:
    for url in (PAGE, EXPORT, _edit_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_signed_in_users_without_the_permission_are_refused(client) -> None:
    client.force_login(_user())
    for url in (PAGE, EXPORT, _edit_url()):
        assert client.get(url).status_code == 403
    assert client.post(_edit_url(), {"archive_established": "yes", "next_steps": "x"}).status_code == 403
    assert CoverageEntry.objects.get(department__code="education").archive_established is None


def test_view_permission_shows_the_table_but_not_the_form(client) -> None:
    client.force_login(_user("view_coverageentry"))
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("市委组织部", "市消防救援支队", "市商务局"):
        assert name in html
    assert "/edit/" not in html
    assert client.get(_edit_url()).status_code == 403
    assert client.post(_edit_url(), {"archive_established": "yes", "next_steps": "x"}).status_code == 403


def test_change_permission_edits_a_row_and_audits_it(client) -> None:
    client.force_login(_user("view_coverageentry", "change_coverageentry"))
    assert _edit_url() in client.get(PAGE).content.decode()
    assert client.get(_edit_url()).status_code == 200
    response = client.post(
        _edit_url(),
        {"archive_established": "yes", "policy_document": "《示范市教师信用档案管理办法》", "next_steps": "年底前全覆盖",
         "remarks": ""},
    )
    assert response.status_code == 302
    entry = CoverageEntry.objects.get(department__code="education")
    assert entry.archive_established is True
    assert entry.policy_document == "《示范市教师信用档案管理办法》"
    assert entry.next_steps == "年底前全覆盖"
    assert AuditEntry.objects.filter(action="departments.coverage.updated", object_id=str(entry.pk)).exists()
    assert "年底前全覆盖" in client.get(PAGE).content.decode()


def test_next_steps_are_required_even_when_no_archive_is_set_up(client) -> None:
    """000 annex: 下步打算（是否建立均须填写）."""
    client.force_login(_user("view_coverageentry", "change_coverageentry"))
    response = client.post(_edit_url(), {"archive_established": "no", "policy_document": "草案", "next_steps": " "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert 'href="#id_next_steps"' in html
    assert "草案" in html  # what was typed is kept
    title = html[html.index("<title>"):html.index("</title>")]
    assert "Error" in title or "错误" in title
    assert CoverageEntry.objects.get(department__code="education").archive_established is None


def test_the_answer_to_archive_established_is_required(client) -> None:
    client.force_login(_user("view_coverageentry", "change_coverageentry"))
    response = client.post(_edit_url(), {"next_steps": "计划"})
    assert response.status_code == 200
    assert 'href="#id_archive_established_0"' in response.content.decode()


def test_service_refuses_a_user_without_the_permission() -> None:
    entry = CoverageEntry.objects.get(department__code="education")
    with pytest.raises(PermissionDenied):
        services.update_coverage_entry(
            entry, by=_user("view_coverageentry"), archive_established=True, policy_document="", next_steps="x",
            remarks="",
        )
    with pytest.raises(ValueError, match="下步打算"):
        services.update_coverage_entry(
            entry, by=_user("change_coverageentry"), archive_established=True, policy_document="", next_steps="",
            remarks="",
        )


def test_export_is_an_excel_file_with_the_annex_headers_and_24_rows(client) -> None:
    CoverageEntry.objects.filter(department__code="education").update(
        archive_established=True, policy_document="=HYPERLINK(\"http://example.invalid\")", next_steps="推进"
    )
    client.force_login(_user("view_coverageentry"))
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == [
        "序号", "单位", "是否建立重点人群信用档案", "出台文件名称", "下步打算（是否建立均须填写）", "备注",
    ]
    assert sheet.max_row == 25
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width >= 20
    units = [sheet.cell(row=r, column=2).value for r in range(2, 26)]
    assert units[0] == "市委组织部"
    assert units[-1] == "市商务局"
    education = units.index("市教育局") + 2
    assert sheet.cell(row=education, column=3).value == "是"
    # Typed text is stored as text, never as a formula Excel would run.
    assert sheet.cell(row=education, column=4).data_type == "s"
