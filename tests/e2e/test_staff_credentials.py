"""After a reset, a staff member chooses a new password and enrols a new authenticator
with the enrolment code, in a real browser, every page passing axe."""

from __future__ import annotations

from typing import Any

import pytest

from credit_portal.roles import Role
from credit_portal.services import issue_enrolment_code
from tests.e2e.conftest import assert_no_axe_violations, screenshot
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_reset_staff_member_renews_password_then_enrols_with_the_code(page: Any, base_url: str, settings) -> None:
    settings.STAFF_OTP_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    officer = make_user("office-e2e", roles=(Role.CREDIT_OFFICE,), is_staff=True, must_change_password=True)
    code = issue_enrolment_code(officer, by=make_user("sec-e2e", roles=(Role.SECURITY_ADMIN,)))

    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", "office-e2e")
    page.fill("#id_password", "test-password-123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    page.goto(base_url + "/repair/office/")
    assert "/accounts/password/renew/" in page.url
    assert page.title().startswith("设置新密码")
    assert_no_axe_violations(page)

    page.get_by_role("button", name="保存新密码").click()
    page.wait_for_load_state()
    assert page.title().startswith("错误：")
    assert_no_axe_violations(page)
    screenshot(page, "password-renew-error")

    page.fill("#id_new_password1", "A-new-one-2026!")
    page.fill("#id_new_password2", "A-new-one-2026!")
    page.get_by_role("button", name="保存新密码").click()
    page.wait_for_load_state()
    # Next the second factor: the enrolment code first, no secret before it.
    assert "/accounts/otp/setup/" in page.url
    assert page.title().startswith("输入启用码")
    assert page.locator(".portal-otp-secret").count() == 0
    assert_no_axe_violations(page)
    page.fill("#id_code", "ABCD-EFGH-JKMN-PQRS")
    page.get_by_role("button", name="继续").click()
    page.wait_for_load_state()
    assert page.title().startswith("错误：")
    assert_no_axe_violations(page)
    screenshot(page, "enrolment-code-error")

    page.fill("#id_code", code)
    page.get_by_role("button", name="继续").click()
    page.wait_for_load_state()
    assert page.locator(".portal-otp-secret").count() == 1
    assert_no_axe_violations(page)
    officer.refresh_from_db()
    assert not officer.must_change_password
