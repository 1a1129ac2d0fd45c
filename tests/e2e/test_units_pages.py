"""Units and their responsible persons in Chromium: a clerk registers a
unit (the empty form first: the error state), names its principal person in charge on the
people page (its error state too) and records its serious dishonesty with the decision,
against the legal representative and the principal (the default); another reviewer
approves it; the archive and record pages link back to the unit. axe on every page, at desktop width and at 390 px; screenshots in
test-artifacts/screenshots/units-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from archives.models import CreditRecord
from tests.archives.conftest import PDF
from tests.archives.conftest import world as world  # noqa: F401 - fixture re-export
from tests.e2e.conftest import assert_no_axe_violations, screenshot
from tests.e2e.test_listing_procedure import click_submit, sign_in
from tests.units.conftest import UNIT_CODE, adult_with_archive
from tests.units.conftest import world_units as world_units  # noqa: F401 - fixture re-export

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def check(page: Any, name: str) -> None:
    assert_no_axe_violations(page)
    screenshot(page, f"units-{name}")
    page.set_viewport_size({"width": 390, "height": 844})
    scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client, f"{name}: the page scrolls sideways at 390 px ({scroll} > {client})"
    assert_no_axe_violations(page)
    screenshot(page, f"units-{name}-phone")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_unit_registered_dishonesty_approved_and_linked_both_ways(
    page: Any, base_url: str, world_units: Any, tmp_path: Path
) -> None:
    w = world_units
    decision = tmp_path / "decision.pdf"
    decision.write_bytes(PDF)
    principal = adult_with_archive(w, "测试乙", 41)

    sign_in(page, base_url, "edu_clerk")
    page.goto(base_url + "/staff/units/")
    check(page, "01-list-empty")
    page.locator("main a[href='/staff/units/new/']").click()
    page.wait_for_load_state()
    click_submit(page)
    assert page.title().startswith("错误：")
    check(page, "02-register-errors")
    page.fill("#id_credit_code", UNIT_CODE)
    page.fill("#id_name", "示范市明德培训学校有限公司")
    page.fill("#id_representative", w.subject.id_number)
    click_submit(page)
    assert "/staff/units/" in page.url
    assert page.locator("h1").inner_text() == "示范市明德培训学校有限公司"
    page.locator("main a[href$='/people/']").click()
    page.wait_for_load_state()
    click_submit(page)
    assert page.title().startswith("错误：")
    check(page, "02b-people-errors")
    page.locator("input[name=role][value=principal]").check()
    page.fill("#id_id_number", principal.subject.id_number)
    click_submit(page)
    assert page.locator("main table tbody tr").count() == 2
    check(page, "02c-people")
    page.locator("a.govuk-back-link").click()
    page.wait_for_load_state()
    page.locator("main a[href$='/dishonesty/new/']").click()
    page.wait_for_load_state()
    click_submit(page)
    check(page, "03-dishonesty-errors")
    page.fill("#id_title", "拒不履行法院判决，被列为失信被执行人")
    for prefix, (year, month, day) in (("occurred_on", ("2026", "2", "1")), ("decided_on", ("2026", "3", "1"))):
        page.fill(f"#id_{prefix}_0", year)
        page.fill(f"#id_{prefix}_1", month)
        page.fill(f"#id_{prefix}_2", day)
    page.set_input_files("#id_file", str(decision))
    # The legal representative and the principal are named by default.
    assert page.locator("input[name=people]:checked").count() == 2
    click_submit(page)
    check(page, "04-unit-awaiting")

    sign_in(page, base_url, "edu_reviewer")
    page.goto(base_url + "/staff/units/")
    page.locator("main table a.govuk-link").first.click()
    page.wait_for_load_state()
    page.locator("input[name=decision][value=approve]").check()
    click_submit(page)
    check(page, "05-unit-in-force")
    records = CreditRecord.objects.filter(source=CreditRecord.Source.UNIT_DISHONESTY, is_current=True)
    assert {r.archive_id for r in records} == {w.archive.pk, principal.pk}
    assert {r.state for r in records} == {CreditRecord.State.PUBLISHED}
    record = records.get(archive=w.archive)
    page.locator(f"main a[href='/staff/archives/{w.archive.pk}/']").first.click()
    page.wait_for_load_state()
    assert page.locator("main a[href^='/staff/units/']").count() >= 1
    page.goto(base_url + f"/staff/records/{record.pk}/")
    assert page.locator("main a[href^='/staff/units/']").count() == 1
    check(page, "06-record-links-the-unit")
