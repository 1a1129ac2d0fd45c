"""A citizen resets a forgotten password with a one-time code to the phone on file; the
answer is the same whether or not the number is registered; one code per phone per
minute; everyone can change their own password."""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse

from disclosure.models import PasswordReset
from disclosure.services import passwords
from disclosure.services.registration import CodeRefused

pytestmark = pytest.mark.django_db

PHONE = "13800000000"
NEW_PASSWORD = "a-brand-new-Pass-77"  # noqa: S105


def _code(sms: list) -> str:
    return re.search(r"\d{6}", sms[-1][1]).group(0)


def _start(client, phone):
    return client.post(reverse("disclosure:password_reset"), {"phone": phone})


def test_reset_pages_answer_the_same_for_known_and_unknown_numbers(client, disc, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        known = _start(client, PHONE)
    other = client.__class__()
    with django_capture_on_commit_callbacks(execute=True):
        unknown = _start(other, "13911112222")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("disclosure:password_reset_verify")
    assert client.get(known["Location"]).content.decode().count("form") == other.get(
        unknown["Location"]).content.decode().count("form")
    assert len(sms) == 1
    assert sms[0][0] == disc.subject.phone
    assert sms[0][1].startswith("【信用档案】")
    assert PasswordReset.objects.count() == 2


def test_code_resets_the_password_and_the_old_one_stops_working(client, disc, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _start(client, PHONE)
    response = client.post(
        reverse("disclosure:password_reset_verify"),
        {"code": _code(sms), "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.post(reverse("login"), {"username": PHONE, "password": "test-password-123"}).status_code == 200
    assert client.post(reverse("login"), {"username": PHONE, "password": NEW_PASSWORD}).status_code == 302


def test_code_is_single_use_and_attempts_are_capped(disc, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reset = passwords.start_password_reset(phone=PHONE)
    code = _code(sms)
    for _ in range(5):
        with pytest.raises(CodeRefused):
            passwords.complete_password_reset(reset.pk, code="000000" if code != "000000" else "111111", password=NEW_PASSWORD)
    with pytest.raises(CodeRefused) as refused:
        passwords.complete_password_reset(reset.pk, code=code, password=NEW_PASSWORD)
    assert refused.value.reason == "expired_or_locked"
    disc.citizen.refresh_from_db()
    assert not disc.citizen.check_password(NEW_PASSWORD)


def test_unknown_number_never_succeeds(disc, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reset = passwords.start_password_reset(phone="13911112222")
    assert sms == []
    assert reset.user is None
    with pytest.raises(CodeRefused):
        passwords.complete_password_reset(reset.pk, code="123456", password=NEW_PASSWORD)


def test_one_code_per_phone_per_cooldown(disc, sms, settings, django_capture_on_commit_callbacks):
    settings.DISCLOSURE_OTP_COOLDOWN_SECONDS = 1  # real time, so Redis expires the counter too
    with django_capture_on_commit_callbacks(execute=True):
        passwords.start_password_reset(phone=PHONE)
        passwords.start_password_reset(phone=PHONE)
    assert len(sms) == 1
    time.sleep(1.2)
    with django_capture_on_commit_callbacks(execute=True):
        passwords.start_password_reset(phone=PHONE)
    assert len(sms) == 2


def test_bad_input_gets_field_errors(client, disc):
    response = _start(client, "１２３")
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    response = _start(client, "\x00" * 10)
    assert response.status_code == 200
    session = client.session
    session["disclosure_password_reset"] = "not-a-uuid"
    session.save()
    response = client.post(reverse("disclosure:password_reset_verify"), {"code": "１２３４５６", "password": "short", "password_again": "short"})
    assert response.status_code == 200
    response = client.post(
        reverse("disclosure:password_reset_verify"),
        {"code": "123456", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert response.status_code == 200


def test_everyone_changes_their_own_password(client, disc):
    clerk = disc.world.edu_clerk
    client.force_login(clerk)
    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    wrong = client.post(reverse("password_change"), {
        "old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert wrong.status_code == 200
    assert "当前密码不正确" in wrong.content.decode()
    done = client.post(reverse("password_change"), {
        "old_password": "test-password-123", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password(NEW_PASSWORD)


def test_password_change_needs_sign_in(client, db):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_one_network_past_its_hourly_limit_is_told_and_nothing_is_started(client, disc, sms, settings):
    """The per-network limit of the start page (``network_allows``): past it, the page
    says so in Chinese and no reset is started, no text message sent."""
    from django.core.cache import cache

    cache.clear()
    settings.DISCLOSURE_PASSWORD_RESET_PER_IP_HOUR = 1
    _start(client, "13911113333")
    started = PasswordReset.objects.count()
    page = _start(client, PHONE)
    assert page.status_code == 200
    assert "您所在网络的尝试次数过多，请一小时后再试。" in page.content.decode()
    assert PasswordReset.objects.count() == started
    assert sms == []
