"""The public lists with personal statements (本人声明), in Chromium: shown escaped with the
entry, wrapped within the table at a phone's width (a long unbroken address too), and
nothing axe finds, in 长辈版 too. A browser test of the e2e suite, so it shares the
session's browser (a second Playwright started in the same worker fails)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from archives.listing.models import ListingBasis
from archives.models import CreditRecord
from tests.archives.conftest import world as world  # noqa: F401 - the fixture
from tests.disclosure.conftest import disc as disc  # noqa: F401 - the fixture
from tests.disclosure.conftest import make_record
from tests.disclosure.conftest import sms as sms  # noqa: F401 - the fixture
from tests.disclosure.test_public_lists import _listed, _person
from tests.disclosure.test_public_statements import LABEL, _state
from tests.e2e.conftest import DESKTOP, PHONE, assert_no_axe_violations, enable_elderly_mode, screenshot


def test_the_list_with_statements_looks_right_and_passes_axe(page: Any, base_url: str, disc) -> None:  # noqa: F811
    w = disc.world
    listing = _listed(_person(w, "王有声", 32), w.edu_clerk, title="严重失信甲")
    _state(listing.basis.get().record, "本人对该处罚决定不服，已依法申请行政复议，" * 8 + "<b>不是粗体</b>")
    archive = _person(w, "钱两条", 35)
    several = _listed(archive, w.edu_clerk, title="第一项严重失信")
    second = make_record(archive, by=w.edu_clerk, title="第二项严重失信", severity=CreditRecord.Severity.SERIOUS)
    ListingBasis.objects.create(listing=several, record=second, lineage=second.lineage)
    # A long unbroken address must wrap too (portal-statement: overflow-wrap anywhere).
    _state(second, "处罚所依据的检查记录日期与实际不符，详见本人提交的复议申请书。https://example.invalid/"
           + "fuyishenqingshu" * 10)
    _listed(_person(w, "李无声", 31), w.edu_clerk, title="无声明的严重失信")
    _state(disc.positive, "表彰的日期有误，应为去年。")

    page.goto(reverse("disclosure:dishonesty_list"))
    statements = page.locator("td p", has_text=LABEL)
    assert statements.count() == 2
    first = statements.filter(has_text="行政复议").first
    assert first.is_visible()
    assert "<b>不是粗体</b>" in first.inner_text()  # shown as text, not markup
    assert page.locator("td b").count() == 0
    assert "（第二项严重失信）" in statements.filter(has_text="复议申请书").inner_text()
    assert_no_axe_violations(page)
    screenshot(page, "public-dishonesty-statements-desktop")
    # The statements wrap within the table: it does not widen (the portal's script would
    # then make it scroll in its box, portal-table-wrapper).
    wraps = "[...document.querySelectorAll('table')].every(t => t.scrollWidth <= t.parentElement.clientWidth)"
    assert page.evaluate(wraps)
    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate(wraps)
    assert_no_axe_violations(page)
    screenshot(page, "public-dishonesty-statements-phone")
    page.set_viewport_size({"width": 320, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # 长辈版 too, and the honour list with its statement.
    page.set_viewport_size(DESKTOP)
    enable_elderly_mode(page, base_url)
    page.goto(reverse("disclosure:dishonesty_list"))
    assert page.locator("td p", has_text=LABEL).count() == 2
    assert_no_axe_violations(page)
    screenshot(page, "public-dishonesty-statements-elderly")
    page.goto(reverse("disclosure:honour_list"))
    assert page.locator("td p", has_text=LABEL).filter(has_text="应为去年").is_visible()
    assert_no_axe_violations(page)
