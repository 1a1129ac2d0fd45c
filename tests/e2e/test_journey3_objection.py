"""Journey 3 in Chromium (DESIGN §1): the citizen objects to a record, the credit office
accepts, a department reviewer drafts a correction of the wrong date and another signs it, the credit office concludes; the
corrected version shows on the citizen's page and on the staff archive page, and the
event reaches the platform ledger. axe on every page (citizen pages in elderly mode
too); screenshots in test-artifacts/screenshots/journey3-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from archives.models import CreditRecord
from disclosure.services.registration import link_citizen
from exchange.models import PlatformLedgerEntry
from repair.models import Objection
from tests import factories as f
from tests.archives.conftest import world as world  # noqa: F401 - fixture re-export
from tests.e2e.conftest import assert_no_axe_violations, enable_elderly_mode, screenshot
from tests.repair.conftest import PDF, publish

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
    """axe with zero violations, then a full-page screenshot to look at."""
    assert_no_axe_violations(page)
    screenshot(page, f"journey3-{name}")


def submit(page: Any) -> None:
    page.locator("main form[method=post] button[type=submit].govuk-button").last.click()
    page.wait_for_load_state()


def test_journey3_objection_to_correction(page: Any, base_url: str, world: Any, tmp_path: Path) -> None:
    # Decided on the 20th of a month some 4 months ago (on display), the conduct on the 2nd:
    # the answer corrects the decision's day to the 9th.
    decided = f.lately(120)["decided_on"].replace(day=20)
    record = publish(world, decided_on=decided, occurred_on=decided.replace(day=2))
    corrected = decided.replace(day=9).isoformat()
    link_citizen(world.citizen, world.subject, by=world.credit_office)
    evidence = tmp_path / "judgment.pdf"
    evidence.write_bytes(PDF)

    # 1. The citizen objects: empty form first (error state), then reasons and evidence.
    sign_in(page, base_url, "citizen")
    page.goto(base_url + "/repair/my/")
    assert record.title in page.content()
    check(page, "02-citizen-my-records")
    page.goto(base_url + f"/my/archives/{world.archive.pk}/")
    check(page, "01-citizen-archive-before")
    page.locator(f"main a[href='/repair/my/records/{record.pk}/object/']").click()
    page.wait_for_load_state()
    submit(page)
    assert page.title().startswith("错误：")
    summary = page.locator(".govuk-error-summary")
    assert summary.evaluate("element => element === document.activeElement")
    assert summary.locator("a").first.get_attribute("href") == "#id_reasons"
    check(page, "03-objection-form-error")
    page.fill("#id_reasons", "处罚决定书记载的日期有误，本人当日在外地参加培训。")
    page.set_input_files("#id_evidence", str(evidence))
    submit(page)
    assert "/object/check/" in page.url
    assert "judgment.pdf" in page.content()
    check(page, "04-objection-check-answers")
    submit(page)
    case = Objection.objects.get()
    assert case.reference in page.locator(".govuk-panel").inner_text()
    check(page, "05-objection-confirmation")
    assert CreditRecord.objects.get(pk=record.pk).under_objection

    # The citizen's pages in elderly mode, with the case open.
    enable_elderly_mode(page, base_url)
    for name, path in [
        ("06-elderly-my-records", "/repair/my/"),
        ("07-elderly-my-case", f"/repair/my/objection/{case.pk}/"),
        ("08-elderly-objection-form", f"/repair/my/records/{record.pk}/object/"),
    ]:
        page.goto(base_url + path)
        assert "portal-elderly" in (page.locator("body").get_attribute("class") or "")
        check(page, name)

    # 2. The credit office accepts.
    sign_in(page, base_url, "credit_officer")
    page.goto(base_url + "/repair/office/")
    assert case.reference in page.content()
    check(page, "09-office-queue")
    page.get_by_role("link", name=case.reference).click()
    page.wait_for_load_state()
    check(page, "10-office-case-submitted")
    page.locator(f"form[action='/repair/cases/objection/{case.pk}/accept/'] button").click()
    page.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == Objection.State.VERIFYING
    check(page, "11-office-case-accepted")

    # 3. The department answers with a correction (first without saying what changes).
    sign_in(page, base_url, "edu_reviewer")
    page.goto(base_url + f"/staff/archives/{world.archive.pk}/")
    assert page.locator(f"#record-{record.pk} .govuk-tag--orange").count() == 1, "the staff page flags the objection"
    page.goto(base_url + "/repair/department/")
    check(page, "12-department-queue")
    page.get_by_role("link", name=case.reference).click()
    page.wait_for_load_state()
    check(page, "13-department-case")
    page.goto(base_url + f"/repair/department/objections/{case.pk}/")
    page.locator("input[name=proposal][value=correct]").check()
    page.fill("#id_reason", "经核实，处罚决定书的日期与事实不符。")
    submit(page)
    assert page.title().startswith("错误：")
    check(page, "14-department-proposal-error")
    page.fill("#id_reason", "经核实，处罚决定书的日期与事实不符。")
    page.fill("#id_title", "违规有偿补课（已更正）")
    page.fill("#id_description", f"经核实更正：通报批评的日期为{corrected}。")
    # The objection is about a wrong date: the answer corrects the date of the decision.
    page.fill("input[name=decided_on_day]", "9")
    submit(page)
    case.refresh_from_db()
    assert case.state == Objection.State.VERIFYING  # drafted; the same reviewer cannot sign it
    assert page.locator(f"form[action='/repair/department/objections/{case.pk}/sign/']").count() == 0
    check(page, "14b-department-answer-drafted")
    # Four eyes: another reviewer of the department signs the answer.
    sign_in(page, base_url, "edu_reviewer2")
    page.goto(base_url + f"/repair/cases/objection/{case.pk}/")
    page.locator(f"form[action='/repair/department/objections/{case.pk}/sign/'] button").click()
    page.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == Objection.State.PROPOSED
    assert case.proposed_changes["decided_on"] == corrected

    # 4. The credit office concludes through check-your-answers.
    sign_in(page, base_url, "credit_officer")
    page.goto(base_url + f"/repair/cases/objection/{case.pk}/")
    page.locator(f"a[href='/repair/cases/objection/{case.pk}/conclude/']").click()
    page.wait_for_load_state()
    check(page, "15-office-conclude-form")
    page.fill("#id_reason", "经部门核实，您的异议成立，记录已更正。")
    submit(page)
    check(page, "16-office-conclude-check")
    case.refresh_from_db()
    assert case.state == Objection.State.PROPOSED
    submit(page)
    assert case.reference in page.locator(".govuk-panel").inner_text()
    check(page, "17-office-concluded")
    case.refresh_from_db()
    assert case.state == Objection.State.UPHELD
    current = CreditRecord.objects.get(lineage=record.lineage, is_current=True)
    assert current.title == "违规有偿补课（已更正）"
    assert current.decided_on.isoformat() == corrected
    assert current.version == 2
    assert not current.under_objection

    # 5. The corrected version shows on the staff archive page and on the citizen's page.
    sign_in(page, base_url, "edu_reviewer")
    page.goto(base_url + f"/staff/archives/{world.archive.pk}/")
    assert "违规有偿补课（已更正）" in page.locator("main").inner_text()
    check(page, "18-staff-archive-corrected")
    sign_in(page, base_url, "citizen")
    page.goto(base_url + f"/my/archives/{world.archive.pk}/")
    assert "违规有偿补课（已更正）" in page.locator("main").inner_text()
    check(page, "19-citizen-archive-corrected")
    page.goto(base_url + f"/repair/my/objection/{case.pk}/")
    check(page, "20-citizen-case-upheld")

    # 6. The citizen rates the finished case (a poor rating needs a comment).
    page.goto(base_url + f"/repair/my/objection/{case.pk}/rate/")
    page.locator("input[name=score][value='2']").check()
    submit(page)
    assert page.title().startswith("错误：")
    check(page, "21-rating-error")
    page.locator("input[name=score][value='5']").check()
    submit(page)
    assert case.__class__.objects.get(pk=case.pk).rating.score == 5

    # 7. The conclusion and the correction reached the platform ledger. In the embedded
    # profile delivery ran right after commit; with Redis and no worker in this test, run
    # the beat sweep's delivery once, as the beat would within seconds.
    from exchange.delivery import deliver_pending

    deliver_pending()
    entry = PlatformLedgerEntry.objects.get(event_type="objection.concluded")
    assert entry.payload["result"] == "corrected"
    assert entry.payload["record_id"] == current.pk
