from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from credit_portal.models import AuditEntry
from disclosure.models import CitizenProfile, PendingRegistration
from disclosure.phones import phone_index
from disclosure.services import registration
from tests import factories as f

PASSWORD = "a-long-Pass-phrase-42"


def _code(sms: list) -> str:
    phone, message = sms[-1]
    return re.search(r"\d{6}", message).group(0)


@pytest.fixture
def person(world, sms):
    # world.subject (测试甲) has phone 13800000000 on file and no account yet.
    return world.subject


def _start(subject, *, name=None, number=None, phone="13700000009", django_capture_on_commit_callbacks=None):
    return registration.start_registration(
        name=name if name is not None else subject.name,
        id_number=number if number is not None else subject.id_number,
        phone=phone,
        password=PASSWORD,
    )


@pytest.mark.django_db
def test_code_goes_to_phone_on_file_not_typed_one(person, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pending = _start(person, phone="13700000009")
    assert len(sms) == 1
    assert sms[0][0] == "13800000000"
    assert pending.subject == person
    assert _code(sms) not in pending.code_hash  # only a digest is stored


@pytest.mark.django_db
def test_registration_for_unknown_or_misnamed_person_looks_the_same_and_sends_nothing(
    person, sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        wrong_name = _start(person, name="别人")
        unknown = _start(person, number=f.make_id_number(seq=33))
    assert sms == []
    assert isinstance(wrong_name, PendingRegistration)
    assert isinstance(unknown, PendingRegistration)
    assert wrong_name.subject is None
    assert unknown.subject is None
    with pytest.raises(registration.CodeRefused):
        registration.verify_registration(unknown.pk, "000000")


@pytest.mark.django_db
def test_subject_without_phone_on_file_gets_no_code(person, sms, django_capture_on_commit_callbacks):
    person.phone = ""
    person.save()
    with django_capture_on_commit_callbacks(execute=True):
        pending = _start(person)
    assert sms == []
    assert pending.subject is None


@pytest.mark.django_db
def test_right_code_creates_linked_citizen_account(person, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pending = _start(person)
    user = registration.verify_registration(pending.pk, _code(sms))
    assert CitizenProfile.objects.get(user=user).subject == person
    # The user name is a random handle; the phone is only in the profile's blind index.
    assert user.username.startswith("citizen-")
    assert "13700000009" not in user.username
    assert CitizenProfile.objects.get(user=user).phone_index == phone_index("13700000009")
    assert user.check_password(PASSWORD)
    assert AuditEntry.objects.filter(action="disclosure.citizen.linked", subject_ref=str(person.pk)).exists()


@pytest.mark.django_db
def test_code_is_single_use(person, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pending = _start(person)
    code = _code(sms)
    registration.verify_registration(pending.pk, code)
    with pytest.raises(registration.CodeRefused):
        registration.verify_registration(pending.pk, code)


@pytest.mark.django_db
def test_code_expires_after_five_minutes(person, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pending = _start(person)
    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1)), pytest.raises(registration.CodeRefused) as exc:
        registration.verify_registration(pending.pk, _code(sms))
    assert exc.value.reason == "expired_or_locked"


@pytest.mark.django_db
def test_attempts_are_capped_even_for_the_right_code(person, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pending = _start(person)
    code = _code(sms)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(registration.CodeRefused):
            registration.verify_registration(pending.pk, wrong)
    with pytest.raises(registration.CodeRefused) as exc:
        registration.verify_registration(pending.pk, code)
    assert exc.value.reason == "expired_or_locked"
    assert PendingRegistration.objects.get(pk=pending.pk).attempts == 5
    assert not CitizenProfile.objects.filter(subject=person).exists()


@pytest.mark.django_db
def test_a_subject_gets_one_account_only(person, sms, settings, django_capture_on_commit_callbacks):
    # Each code after the per-phone cooldown (shortened; real time, so Redis expires it too).
    settings.DISCLOSURE_OTP_COOLDOWN_SECONDS = 1
    with django_capture_on_commit_callbacks(execute=True):
        first = _start(person, phone="13700000001")
    registration.verify_registration(first.pk, _code(sms))
    time.sleep(1.2)
    with django_capture_on_commit_callbacks(execute=True):
        _start(person, phone="13700000003")
    time.sleep(1.2)
    with django_capture_on_commit_callbacks(execute=True):
        second = _start(person, phone="13700000002")
    assert len(sms) == 3
    with pytest.raises(ValidationError):
        registration.verify_registration(second.pk, _code(sms))
    assert CitizenProfile.objects.filter(subject=person).count() == 1


@pytest.mark.django_db
def test_invalid_input_is_refused_with_field_errors(person):
    with pytest.raises(ValidationError) as exc:
        registration.start_registration(name="", id_number="123", phone="12", password="short")
    assert {"name", "id_number", "phone", "password"} <= set(exc.value.message_dict)
