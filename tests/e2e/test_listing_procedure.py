"""The serious-dishonesty list procedure in Chromium: a department
clerk proposes listing a person (the empty form first: the error state), the person reads
the notice and states their case with a file (in elderly mode), the clerk answers, another
reviewer decides, and the masked entry is on the public list. axe on every page;
screenshots in test-artifacts/screenshots/listing-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from archives.listing.models import Listing
from disclosure.services.registration import link_citizen
from tests.archives.conftest import PDF
from tests.archives.conftest import world as world  # noqa: F401 - fixture re-export
from tests.e2e.conftest import assert_no_axe_violations, enable_elderly_mode, screenshot
from tests.listing.conftest import serious

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "test-password-123"  # tests.factories.make_user


def sign_in(page: Any, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("form[action='/accounts/logout/']").count() == 1, f"{username} could not sign in"


def check(page: Any, name: str) -> None:
    assert_no_axe_violations(page)
    screenshot(page, f"listing-{name}")


def click_submit(page: Any, action: str = "") -> None:
    form = page.locator(f"main form[method=post][action='{action}']") if action else page.locator("main form[method=post]")
    form.locator("button[type=submit].govuk-button").last.click()
    page.wait_for_load_state()


def test_department_proposes_and_the_person_objects(page: Any, base_url: str, world: Any, tmp_path: Path) -> None:
    record = serious(world)
    link_citizen(world.citizen, world.subject, by=world.credit_office)
    proof = tmp_path / "school-letter.pdf"
    proof.write_bytes(PDF)

    # 1. The clerk proposes from the archive page; the empty form first.
    sign_in(page, base_url, "edu_clerk")
    page.goto(base_url + f"/staff/archives/{world.archive.pk}/")
    page.locator(f"main a[href='/staff/listings/new/{world.archive.pk}/']").click()
    page.wait_for_load_state()
    check(page, "01-propose-form")
    click_submit(page)
    assert page.title().startswith("错误：")
    summary = page.locator(".govuk-error-summary")
    assert summary.evaluate("element => element === document.activeElement")
    check(page, "02-propose-error")
    page.locator(f"input[name='records'][value='{record.pk}']").check()
    page.locator("input[name='category'][value='market_order']").check()
    page.fill("#id_facts", "伪造学历证明骗取教师资格。")
    page.fill("#id_legal_basis", "《教师资格条例》第十九条")
    click_submit(page)
    listing = Listing.objects.get()
    assert page.url.endswith(f"/staff/listings/{listing.pk}/")
    assert "已提出列入名单，并已告知当事人。" in page.content()
    check(page, "03-proposed")

    # 2. The person reads the notice and states their case, in elderly mode.
    sign_in(page, base_url, "citizen")
    enable_elderly_mode(page, base_url)
    page.goto(base_url + "/my/listings/")
    check(page, "04-citizen-notices")
    page.locator(f"main a[href='/my/listings/{listing.pk}/']").click()
    page.wait_for_load_state()
    assert "伪造学历证明骗取教师资格。" in page.content()
    assert listing.objection_due.strftime("%Y-%m-%d") in page.content()
    check(page, "05-citizen-notice")
    click_submit(page)
    assert page.title().startswith("错误：")
    assert page.locator(".govuk-error-summary a").first.get_attribute("href") == "#id_text"
    check(page, "06-citizen-statement-error")
    page.fill("#id_text", "学历证明系学校出具，并非伪造，附学校说明。")
    page.set_input_files("#id_files", str(proof))
    click_submit(page)
    assert "您的陈述申辩已提交" in page.content()
    assert "school-letter.pdf" in page.content()
    check(page, "07-citizen-statement-sent")

    # 3. The clerk answers; another reviewer decides, seeing the statement.
    sign_in(page, base_url, "edu_clerk")
    page.goto(base_url + f"/staff/listings/{listing.pk}/")
    assert "学历证明系学校出具" in page.content()
    page.fill("#id_answer", "经向学校核实，学校出具说明该证明系伪造。")
    click_submit(page, f"/staff/listings/{listing.pk}/answer/")
    sign_in(page, base_url, "edu_reviewer")
    page.goto(base_url + f"/staff/listings/{listing.pk}/")
    check(page, "08-reviewer-decides")
    page.locator("input[name='decision'][value='publish']").check()
    page.fill("#id_reason", "事实清楚，证据确凿，陈述申辩理由不成立。")
    click_submit(page, f"/staff/listings/{listing.pk}/decide/")
    assert Listing.objects.get().state == Listing.State.PUBLISHED
    check(page, "09-listed")

    # 4. The public list shows the masked entry.
    page.context.clear_cookies()
    page.goto(base_url + "/public/dishonesty/")
    assert "测*甲" in page.content()
    assert "测试甲" not in page.content()
    check(page, "10-public-list")
