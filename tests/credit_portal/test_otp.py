"""Staff sign in with a single-use TOTP second factor when STAFF_OTP_REQUIRED is on."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from credit_portal.roles import Role
from departments.models import Department, Membership
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _otp_on(settings):
    settings.STAFF_OTP_REQUIRED = True


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_staff_without_device_is_sent_to_enrol_and_enrols(client, settings):
    # A wrong code throttles the device for a second; this test is about enrolment.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    clerk = f.member(Department.objects.get(code="education"), Membership.Role.CLERK)
    client.force_login(clerk)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/setup/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    wrong = client.post("/accounts/otp/setup/", {"token": "000000", "next": "/staff/"})
    assert wrong.status_code == 200
    assert "错误" in wrong.content.decode()
    done = client.post("/accounts/otp/setup/", {"token": _code(device), "next": "/staff/"})
    assert done["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


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
