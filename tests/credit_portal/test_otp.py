"""Staff sign in with a single-use TOTP second factor when STAFF_OTP_REQUIRED is on."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from credit_portal.models import AuditEntry, EnrolmentCode
from credit_portal.roles import Role
from credit_portal.services import issue_enrolment_code
from departments.models import Department, Membership
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _otp_on(settings):
    settings.STAFF_OTP_REQUIRED = True


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _security_admin():
    return f.make_user(roles=(Role.SECURITY_ADMIN,))


def test_staff_without_device_is_sent_to_enrol_and_enrols_with_the_enrolment_code(client, settings):
    # A wrong code throttles the device for a second; this test is about enrolment.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    clerk = f.member(Department.objects.get(code="education"), Membership.Role.CLERK)
    code = issue_enrolment_code(clerk, by=_security_admin())
    client.force_login(clerk)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/setup/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    # The password alone shows no secret: the enrolment code comes first.
    assert not TOTPDevice.objects.filter(user=clerk).exists()
    assert "启用码" in page.content.decode()
    shown = client.post("/accounts/otp/setup/", {"code": code.lower(), "next": "/staff/"})
    assert shown.status_code == 302
    page = client.get(shown["Location"])
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    wrong = client.post("/accounts/otp/setup/", {"token": "000000", "next": "/staff/"})
    assert wrong.status_code == 200
    assert "错误" in wrong.content.decode()
    done = client.post("/accounts/otp/setup/", {"token": _code(device), "next": "/staff/"})
    assert done["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert EnrolmentCode.objects.get(user=clerk).used_at is not None
    assert AuditEntry.objects.filter(action="credit_portal.totp.enrolled", object_id=str(clerk.pk)).exists()


def test_whoever_holds_the_password_cannot_enrol_without_a_code(client):
    officer = f.make_user(roles=(Role.CREDIT_OFFICE,))
    other = f.make_user(roles=(Role.AUDITOR,))
    others_code = issue_enrolment_code(other, by=_security_admin())
    client.force_login(officer)
    for attempt in ("", "ABCD-EFGH-JKMN-PQRS", others_code, "１２３４"):
        page = client.post("/accounts/otp/setup/", {"code": attempt, "next": "/repair/office/"})
        assert page.status_code == 200
        assert "错误" in page.content.decode()
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert client.get("/repair/office/").status_code == 302


def test_an_enrolment_code_works_once_and_expires(client):
    officer = f.make_user(roles=(Role.CREDIT_OFFICE,))
    code = issue_enrolment_code(officer, by=_security_admin())
    EnrolmentCode.objects.filter(user=officer).update(expires_at=timezone.now())
    client.force_login(officer)
    assert client.post("/accounts/otp/setup/", {"code": code}).status_code == 200
    assert "otp_enrolment_code" not in client.session
    fresh = issue_enrolment_code(officer, by=_security_admin())
    assert client.post("/accounts/otp/setup/", {"code": fresh})["Location"].startswith("/accounts/otp/setup/")
    EnrolmentCode.objects.filter(user=officer).update(used_at=timezone.now())  # spent meanwhile
    client.get("/accounts/otp/setup/")
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    page = client.post("/accounts/otp/setup/", {"token": _code(device)})
    assert page.status_code == 200
    assert not TOTPDevice.objects.filter(user=officer, confirmed=True).exists()


def test_nobody_issues_an_enrolment_code_for_themselves_or_without_the_permission():
    admin = _security_admin()
    with pytest.raises(ValidationError):
        issue_enrolment_code(admin, by=_security_admin().__class__.objects.get(pk=admin.pk))
    with pytest.raises(PermissionDenied):
        issue_enrolment_code(admin, by=f.make_user(roles=(Role.SYSTEM_ADMIN,)))
    assert not EnrolmentCode.objects.exists()


def test_verified_code_cannot_be_replayed(client):
    officer = f.make_user(roles=(Role.CREDIT_OFFICE,))
    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    client.force_login(officer)
    assert client.get("/repair/office/")["Location"].startswith("/accounts/otp/?")
    code = _code(device)
    assert client.post("/accounts/otp/", {"token": code, "next": "/repair/office/"})["Location"] == "/repair/office/"
    client.logout()
    client.force_login(officer)
    replay = client.post("/accounts/otp/", {"token": code, "next": "/repair/office/"})
    assert replay.status_code == 200
    assert client.get("/repair/office/").status_code == 302


def test_off_site_next_is_ignored(client):
    officer = f.make_user(roles=(Role.AUDITOR,))
    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    client.force_login(officer)
    response = client.post("/accounts/otp/", {"token": _code(device), "next": "https://evil.example/"})
    # Not off-site: the auditor's own start page.
    assert response["Location"] == "/admin/"


def test_citizen_needs_no_second_factor(client):
    client.force_login(f.make_user(roles=(Role.CITIZEN,)))
    response = client.get("/my/")
    assert not response.get("Location", "").startswith("/accounts/otp")


def test_off_by_default_in_the_embedded_profile(client, settings):
    settings.STAFF_OTP_REQUIRED = False
    client.force_login(f.member(Department.objects.get(code="education"), Membership.Role.CLERK))
    assert client.get("/staff/").status_code == 200


def test_the_console_issues_the_first_administrators_codes(capsys):
    from django.core.management import call_command

    first = f.make_user("first-security-admin", roles=(Role.SECURITY_ADMIN,))
    call_command("issue_enrolment_code", "first-security-admin")
    code = capsys.readouterr().out.rsplit(": ", 1)[1].strip()
    issued = EnrolmentCode.objects.get(user=first)
    assert issued.issued_by is None
    from credit_portal.services import redeemable_code

    assert redeemable_code(first, code) == issued
    assert AuditEntry.objects.get(action="credit_portal.enrolment_code.issued").detail["channel"] == "console"
