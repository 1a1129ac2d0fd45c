"""The rest of journey 3 in Chromium: a credit repair application with its generated
信用承诺书, the office's decision, a poor 好差评 rating and its follow-up, a correction on
the department's own initiative, and the queue's overdue tag. axe on every page (the
citizen's in elderly mode too), at desktop and phone width; screenshots journey3-repair-*."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from archives.models import CreditRecord
from disclosure.services.registration import link_citizen
from repair import services
from repair.models import Objection, Rating, RepairApplication
from tests.archives.conftest import world as world  # noqa: F401 - fixture re-export
from tests.e2e.conftest import PHONE, assert_no_axe_violations, enable_elderly_mode, screenshot
from tests.e2e.test_journey3_objection import sign_in, submit
from tests.factories import lately
from tests.repair.conftest import PDF, pdf, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def check(page: Any, name: str) -> None:
    assert_no_axe_violations(page)
    screenshot(page, f"journey3-repair-{name}")


def no_horizontal_scroll(page: Any) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]} px wide in a {widths[1]} px viewport"


@pytest.mark.parametrize("mode", ["normal", "elderly"])
def test_repair_application_rating_and_follow_up(page: Any, base_url: str, world: Any, tmp_path: Path,
                                                 mode: str) -> None:
    record = publish(world, severity=CreditRecord.Severity.MINOR, title="未按期提交继续教育学时", **lately())
    link_citizen(world.citizen, world.subject, by=world.credit_office)
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(PDF)

    sign_in(page, base_url, "citizen")
    if mode == "elderly":
        enable_elderly_mode(page, base_url)
    page.goto(base_url + "/repair/my/")
    check(page, f"01-my-records-{mode}")
    page.set_viewport_size(PHONE)
    assert_no_axe_violations(page)
    no_horizontal_scroll(page)
    screenshot(page, f"journey3-repair-01-my-records-{mode}-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.locator(f"a[href='/repair/my/records/{record.pk}/repair/']").click()
    page.wait_for_load_state()
    submit(page)
    assert page.title().startswith("错误：")
    assert page.locator(".govuk-error-summary a").count() == 2  # fulfilment and proof
    check(page, f"02-repair-form-error-{mode}")
    page.fill("#id_fulfilment", "已于2025年2月补齐全部继续教育学时。")
    page.set_input_files("#id_proof", str(receipt))
    page.fill("#id_extra_actions", "参加社区志愿服务20小时。")
    submit(page)
    assert "/repair/check/" in page.url
    assert "测试甲" in page.locator("#commitment").inner_text()
    submit(page)  # without confirming the commitment
    assert page.title().startswith("错误：")
    assert not RepairApplication.objects.exists()
    check(page, f"03-repair-check-error-{mode}")
    page.locator("#id_confirm").check()
    submit(page)
    case = RepairApplication.objects.get()
    assert case.reference in page.locator(".govuk-panel").inner_text()
    check(page, f"04-repair-confirmation-{mode}")

    # The office accepts and rejects (so the citizen has a finished case to rate).
    sign_in(page, base_url, "credit_officer")
    page.goto(base_url + f"/repair/cases/application/{case.pk}/")
    page.locator(f"form[action='/repair/cases/application/{case.pk}/accept/'] button").click()
    page.wait_for_load_state()
    page.locator(f"a[href='/repair/cases/application/{case.pk}/conclude/']").click()
    page.wait_for_load_state()
    submit(page)
    assert page.title().startswith("错误：")
    check(page, f"05-decide-error-{mode}")
    page.locator("input[name=approve][value=yes]").check()
    page.fill("#id_reason", "义务已履行，同意修复。")
    submit(page)
    check(page, f"06-decide-check-{mode}")
    submit(page)
    case.refresh_from_db()
    assert case.state == RepairApplication.State.APPROVED
    assert CreditRecord.objects.get(lineage=record.lineage, is_current=True).state == CreditRecord.State.REPAIRED

    # The citizen rates it poorly, with a comment; it becomes the office's task.
    sign_in(page, base_url, "citizen")
    if mode == "elderly":
        enable_elderly_mode(page, base_url)
    page.goto(base_url + f"/repair/my/application/{case.pk}/")
    check(page, f"07-my-case-approved-{mode}")
    page.goto(base_url + f"/repair/my/application/{case.pk}/rate/")
    check(page, f"08-rate-{mode}")
    page.locator("input[name=score][value='2']").check()
    page.fill("#id_comment", "等待时间太长。")
    submit(page)
    rating = Rating.objects.get()
    assert rating.needs_follow_up

    sign_in(page, base_url, "credit_officer")
    page.goto(base_url + "/repair/office/ratings/")
    check(page, f"09-ratings-{mode}")
    page.goto(base_url + f"/repair/office/ratings/{rating.pk}/")
    submit(page)
    assert page.title().startswith("错误：")
    check(page, f"10-follow-up-error-{mode}")
    page.fill("#id_note", "已电话回访并说明办理时限。")
    submit(page)
    rating.refresh_from_db()
    assert rating.followed_up_at is not None


def test_queue_shows_an_overdue_case(page: Any, base_url: str, world: Any) -> None:
    record = publish(world)
    link_citizen(world.citizen, world.subject, by=world.credit_office)
    case = services.file_objection(record, by=world.citizen, reasons="日期有误", files=[pdf()])
    Objection.objects.filter(pk=case.pk).update(accept_due=date(2026, 1, 5))

    sign_in(page, base_url, "credit_officer")
    page.goto(base_url + "/repair/office/")
    row = page.locator("tr", has_text=case.reference)
    assert row.locator(".govuk-tag--red").inner_text().strip() != ""  # a text tag, not colour alone
    check(page, "11-queue-overdue")
    page.set_viewport_size(PHONE)
    assert_no_axe_violations(page)
    screenshot(page, "journey3-repair-11-queue-overdue-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

