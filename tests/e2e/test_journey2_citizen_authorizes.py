"""Journey 2 in Chromium (DESIGN §1): a citizen signs in and sees their record,
authorizes an employer for 30 days for recruitment; the employer queries with the code
and gets a report of exactly that scope; the citizen sees the query in their log and
revokes; the employer's next query is refused. axe passes on every page; screenshots
go to test-artifacts/screenshots/journey2-*.png and the report PDF is rendered to
test-artifacts/screenshots/journey2-report-pdf-1.png (with poppler's pdftoppm).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from archives import services as archive_services
from archives.models import CreditRecord
from departments.models import Membership
from disclosure.models import Authorization, QueryLog
from disclosure.services import institutions, registration
from tests import factories as f
from tests.e2e.conftest import DESKTOP, SCREENSHOTS, assert_no_axe_violations, enable_elderly_mode, screenshot, settle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "test-password-123"  # tests/factories.make_user


def _record(archive, by, **data):
    today = timezone.localdate()
    values = {
        "archive": archive, "category": f.category("violations", "相关违法违纪违约行为"), "polarity": "negative",
        "severity": "general", "title": "违规组织有偿补课", "decision_number": "示教罚〔2026〕12号",
        "deciding_body": "示范市教育局", "occurred_on": today - timedelta(days=40), "decided_on": today - timedelta(days=30),
        "state": CreditRecord.State.PUBLISHED, "display_until": today + timedelta(days=300), "created_by": by,
        "updated_by": by, "published_by": by, "published_at": timezone.now(),
        "description": "在校外培训机构组织在校学生有偿补课。",
    }
    values.update(data)
    return CreditRecord.objects.create(**values)


@pytest.fixture
def journey(db):
    from stdnum.cn import uscc

    education = f.department("education", "教育局")
    health = f.department("health", "卫健委")
    teacher = f.occupation("teacher", "教师", departments=(education,))
    doctor = f.occupation("doctor", "医师", departments=(health,))
    clerk = f.member(education, Membership.Role.CLERK, "j2_edu_clerk")
    health_clerk = f.member(health, Membership.Role.CLERK, "j2_health_clerk")
    office = f.make_user("j2_office", roles=("credit_office",))
    subject, _ = archive_services.find_or_create_subject(
        name="演示教师甲", id_number=f.make_id_number(birth=date(1986, 4, 12), seq=11), phone="13800000001", by=clerk
    )
    teacher_archive = archive_services.open_archive(
        subject=subject, occupation=teacher, department=education, employer="示范市第一中学", by=clerk
    )
    doctor_archive = archive_services.open_archive(
        subject=subject, occupation=doctor, department=health, employer="示范市人民医院", by=health_clerk
    )
    _record(teacher_archive, clerk)
    _record(teacher_archive, clerk, title="获评市级优秀教师", polarity="positive", severity="",
            category=f.category("rewards-penalties", "奖惩情况"), decision_number="示教〔2026〕8号",
            description="教书育人成绩突出，获评市级优秀教师。")
    _record(doctor_archive, health_clerk, title="医师档案中的记录")
    citizen = f.make_user("j2_citizen", full_name="演示教师甲")
    registration.link_citizen(citizen, subject, by=office)
    body = "91440300MA5F00077"
    employer = institutions.register_institution(name="示范市演示科技有限公司", credit_code=body + uscc.calc_check_digit(body), by=office)
    hr = f.make_user("j2_employer")
    institutions.add_institution_staff(employer, hr, by=office)
    return {"subject": subject, "citizen": citizen, "employer": employer, "hr": hr}


def _sign_in(page: Any, base_url: str, username: str, next_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit].govuk-button").click()
    page.wait_for_url(base_url + next_url)


def _sign_out(page: Any) -> None:
    page.locator("form[action='/accounts/logout/'] button").click()
    page.wait_for_load_state()


def _check(page: Any, name: str) -> None:
    assert_no_axe_violations(page)
    screenshot(page, f"journey2-{name}")


def _query(page: Any, base_url: str, journey: dict, code: str) -> None:
    page.goto(base_url + "/institution/query/")
    page.fill("#id_name", journey["subject"].name)
    page.fill("#id_id_number", journey["subject"].id_number)
    page.fill("#id_code", code)
    page.check("#id_purpose_0")  # recruitment
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_citizen_authorizes_employer_queries_citizen_revokes(page: Any, base_url: str, journey: dict) -> None:
    subject = journey["subject"]

    # The citizen signs in and sees their record.
    _sign_in(page, base_url, "j2_citizen", "/my/")
    assert "违规组织有偿补课" not in page.content()  # the home page lists archives, not records
    _check(page, "01-my-home")
    page.get_by_role("link", name="教师").first.click()
    page.wait_for_load_state()
    assert "违规组织有偿补课" in page.content()
    _check(page, "02-my-archive")

    # Authorize the employer, for recruitment, the teacher archive, 30 days.
    # The institution is found by the server-side search (a GET form, no script needed).
    page.goto(base_url + "/my/authorizations/new/")
    page.fill("#id_q", "演示科技")
    page.locator("#institution-search button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/my/authorizations/new/\?q="))
    page.get_by_label("示范市演示科技有限公司").check()
    page.check("#id_purpose_0")
    page.get_by_label("教师").check()
    page.fill("#id_days", "30")
    page.fill("#id_max_uses", "2")
    _check(page, "03-authorize-form")
    page.locator("#authorization-terms button[type=submit]").click()
    page.wait_for_url(base_url + "/my/authorizations/new/check/")
    assert Authorization.objects.count() == 0
    _check(page, "04-check-your-answers")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/granted/$"))
    code = page.locator("#authorization-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    _check(page, "05-granted-code-shown-once")
    authorization = Authorization.objects.get()
    assert (authorization.valid_until - authorization.valid_from) == timedelta(days=30)
    _sign_out(page)

    # The employer queries with the code and sees exactly that scope.
    _sign_in(page, base_url, "j2_employer", "/institution/")
    _check(page, "06-institution-home")
    _query(page, base_url, journey, code)
    assert "/reports/" in page.url
    content = page.content()
    assert "违规组织有偿补课" in content
    assert "获评市级优秀教师" in content
    assert "医师档案中的记录" not in content  # the doctor archive is outside the scope
    assert subject.id_number not in content
    _check(page, "07-report")
    pdf = page.request.get(page.url + "pdf/")
    assert pdf.status == 200
    assert pdf.body().startswith(b"%PDF")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "journey2-report.pdf").write_bytes(pdf.body())
    if shutil.which("pdftoppm"):
        subprocess.run(  # noqa: S603
            ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(SCREENSHOTS / "journey2-report.pdf"),  # noqa: S607
             str(SCREENSHOTS / "journey2-report-pdf")], check=True,
        )
    _sign_out(page)

    # The citizen sees the query in the log, then revokes.
    _sign_in(page, base_url, "j2_citizen", "/my/queries/")
    assert "示范市演示科技有限公司" in page.content()
    _check(page, "08-who-queried-me")
    # On a phone a query's time may go onto two lines, date above time, but neither breaks
    # inside ("2026-" above "12-01" was the browser's choice once the cell could wrap).
    page.set_viewport_size({"width": 390, "height": 844})
    settle(page)
    pieces = page.evaluate(
        "() => [...document.querySelectorAll('td .portal-table__piece')].map(s => [s.textContent, s.getClientRects().length])"
    )
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) for text, _lines in pieces), pieces
    assert all(lines == 1 for _text, lines in pieces), pieces
    # The log is wider than a phone: it scrolls in its box, and the line above it says so.
    hint = page.locator("main .portal-table-hint")
    assert hint.is_visible()
    assert hint.inner_text() == "表格较宽，左右滑动可查看全部列。"
    assert page.evaluate("() => { const w = document.querySelector('main .portal-table-wrapper');"
                         " return w.scrollWidth > w.clientWidth; }")
    # A screen reader reads it when the table's region gets focus.
    region = page.locator("main .portal-table-wrapper[role=region]")
    assert region.get_attribute("aria-describedby") == hint.get_attribute("id")
    page.set_viewport_size(DESKTOP)
    # On a desktop screen nothing scrolls, and the line is gone.
    settle(page)
    assert not hint.is_visible()
    page.goto(base_url + f"/my/authorizations/{authorization.pk}/")
    _check(page, "09-authorization")
    page.locator("a.govuk-button--warning").click()
    page.wait_for_url(re.compile(r".*/revoke/$"))
    _check(page, "10-check-before-revoking")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/revoked/$"))
    _check(page, "11-revoked")
    _sign_out(page)

    # The employer's next query is refused, with a clear message.
    _sign_in(page, base_url, "j2_employer", "/institution/")
    _query(page, base_url, journey, code)
    assert page.url.endswith("/institution/query/")
    assert page.title().startswith("错误")
    assert page.locator(".govuk-error-summary").is_visible()
    _check(page, "12-refused-after-revocation")
    assert list(QueryLog.objects.order_by("id").values_list("outcome", "reason")) == [
        ("granted", "ok"), ("refused", "revoked"),
    ]


def test_public_pages_pass_axe_in_both_modes(page: Any, base_url: str, journey: dict) -> None:
    from archives.models import DisplayRule

    _record(journey["subject"].archives.first(), journey["citizen"], title="严重失信示例", severity="serious")
    assert DisplayRule.objects.filter(tier="serious", published=True).exists(), list(DisplayRule.objects.values())
    for mode in ("normal", "elderly"):
        if mode == "elderly":
            enable_elderly_mode(page, base_url)
        page.goto(base_url + "/public/dishonesty/")
        # A serious record alone is not on the list: only a listing decided through the
        # procedure is (archives.listing; tests/e2e/test_listing_procedure.py shows one there).
        assert "演***甲" not in page.content()
        assert "演示教师甲" not in page.content()
        _check(page, f"13-dishonesty-list-{mode}")
        page.goto(base_url + "/public/honours/")
        _check(page, f"14-honour-list-{mode}")
        page.goto(base_url + "/reports/verify/")
        _check(page, f"15-verify-{mode}")
        page.fill("#id_number", "XY0")
        page.fill("#id_code", "0000")
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator(".govuk-error-summary").is_visible()
        _check(page, f"16-verify-error-{mode}")
        page.goto(base_url + "/register/")
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        _check(page, f"17-register-error-{mode}")


def test_citizen_pages_on_a_phone(phone: Any, base_url: str, journey: dict) -> None:
    _sign_in(phone, base_url, "j2_citizen", "/my/")
    for path, name in (("/my/", "my-home"), ("/my/authorizations/new/", "authorize-form"), ("/my/queries/", "queries")):
        phone.goto(base_url + path)
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        _check(phone, f"18-phone-{name}")


def test_api_docs_render_without_a_cdn(page: Any, base_url: str, journey: dict) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    _sign_in(page, base_url, "j2_employer", "/institution/")
    page.goto(base_url + "/api/docs/")
    page.wait_for_selector("text=/api/disclosure/queries/", timeout=20_000)
    screenshot(page, "journey2-19-api-docs")
    assert all(url.startswith(base_url) for url in requests), [u for u in requests if not u.startswith(base_url)]
