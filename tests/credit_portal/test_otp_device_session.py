"""The device a staff session was verified with is read once per access version
(credit_portal.otp_device), and every change of it still ends the verification on the
next request, as django-otp's own middleware does."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from credit_portal.otp_device import CHECKED_KEY
from credit_portal.prepared import source
from credit_portal.roles import Role
from credit_portal.services import reset_staff_credentials
from departments.models import Department, Membership
from tests import factories as f

pytestmark = pytest.mark.django_db

PAGE = "/staff/"


@pytest.fixture(autouse=True)
def _otp_on(settings):
    settings.STAFF_OTP_REQUIRED = True


@pytest.fixture
def clerk():
    return f.member(Department.objects.get(code="education"), Membership.Role.CLERK)


def _verified(client, user, device: TOTPDevice) -> None:
    """Signed in and verified with ``device``, as django_otp.login records it."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def device(client, clerk) -> TOTPDevice:
    """The clerk's confirmed device, the client's session verified with it and already
    checked once (the two requests: the device read, then the checked state used)."""
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    _verified(client, clerk, device)
    assert client.get(PAGE).status_code == 200
    assert client.get(PAGE).status_code == 200
    return device


def _reads_device(captured: CaptureQueriesContext) -> bool:
    return any('"otp_totp_totpdevice"' in source(q["sql"]) for q in captured.captured_queries)


def _refused(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(("/accounts/otp/", "/accounts/login/"))


def test_a_verified_session_reads_its_device_once(client, clerk):
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    _verified(client, clerk, device)
    with CaptureQueriesContext(connection) as first:
        assert client.get(PAGE).status_code == 200
    assert _reads_device(first)
    with CaptureQueriesContext(connection) as later:
        assert client.get(PAGE).status_code == 200
    assert not _reads_device(later)
    assert client.session[CHECKED_KEY][0] == device.persistent_id


def test_a_deleted_device_ends_the_verification_on_the_next_request(client, clerk, device):
    device.delete()
    assert _refused(client.get(PAGE))
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert CHECKED_KEY not in client.session
    assert _refused(client.get(PAGE))


def test_a_device_deleted_in_bulk_ends_the_verification(client, clerk, device):
    TOTPDevice.objects.filter(user=clerk).delete()
    assert _refused(client.get(PAGE))


def test_an_unconfirmed_device_ends_the_verification_on_the_next_request(client, clerk, device):
    device.confirmed = False
    device.save()
    assert _refused(client.get(PAGE))


def test_a_device_given_to_another_user_ends_its_previous_owners_verification(client, clerk, device):
    device.user = f.make_user(roles=(Role.AUDITOR,))
    device.save()
    assert _refused(client.get(PAGE))


def test_a_device_of_another_user_never_verifies(client, clerk):
    other = TOTPDevice.objects.create(user=f.make_user(roles=(Role.AUDITOR,)), name="phone", confirmed=True)
    _verified(client, clerk, other)
    assert _refused(client.get(PAGE))
    assert _refused(client.get(PAGE))


def test_the_security_administrators_reset_ends_the_verification(client, clerk, device):
    clerk.email = "clerk@example.gov.cn"
    clerk.save(update_fields=["email"])
    reset_staff_credentials(clerk, by=f.make_user(roles=(Role.SECURITY_ADMIN,)))
    assert _refused(client.get(PAGE))
    assert not TOTPDevice.objects.filter(user=clerk).exists()


def test_a_role_change_reads_the_device_again_and_keeps_the_verification(client, clerk):
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    _verified(client, clerk, device)
    assert client.get(PAGE).status_code == 200
    Membership.objects.create(user=clerk, department=Department.objects.get(code="education"),
                              role=Membership.Role.REVIEWER)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(PAGE).status_code == 200
    assert _reads_device(captured)
