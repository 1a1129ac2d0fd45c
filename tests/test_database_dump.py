"""A raw dump of the whole database holds no ID number or phone in clear: after the demo
data, and after registrations, sign-ins (failed ones included), password resets and
text messages (DESIGN §8). Runs on SQLite and, in CI's second
pass, on PostgreSQL."""

from __future__ import annotations

import io
import re
from datetime import date
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from archives import services as archive_services
from archives.demo import PEOPLE
from archives.models import Subject
from credit_portal.celery import app
from credit_portal.models import User
from credit_portal.notify import MemorySMSBackend
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db

TYPED_PHONE = "13766554433"  # a sign-in number typed at registration, nowhere on file
UNKNOWN_PHONE = "13500001111"  # a number nobody registered, tried at sign-in and reset
PHONE_ON_FILE = "13911223344"
NEW_ID_NUMBER = make_id_number(birth=date(1992, 4, 4), seq=17)


def _dump() -> str:
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
            dump.append(repr(cursor.fetchall()))
    return "\n".join(dump)


def _code(outbox: list[tuple[str, str]]) -> str:
    return re.search(r"\d{6}", outbox[-1][1]).group(0)


def test_raw_dump_after_demo_data_has_no_id_number_or_phone(settings, tmp_path):
    settings.LOCAL_DIR = tmp_path
    call_command("load_demo_data", stdout=io.StringIO())
    assert Subject.objects.count() >= len(PEOPLE)
    secrets = {p.id_number for p in PEOPLE} | {p.phone for p in PEOPLE if p.phone}
    text = _dump()
    leaked = sorted(value for value in secrets if value in text)
    assert leaked == []


def test_raw_dump_after_registrations_sign_ins_and_resets_has_no_id_number_or_phone(
    settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    settings.LOCAL_DIR = tmp_path
    settings.SMS_BACKEND = "credit_portal.notify.MemorySMSBackend"
    monkeypatch.setattr(app.conf, "task_always_eager", True)
    MemorySMSBackend.outbox = []
    call_command("load_demo_data", stdout=io.StringIO())
    # A person a department keeps with a phone on file, and no account yet.
    clerk = User.objects.get(username="demo_education_clerk")
    subject, _created = archive_services.find_or_create_subject(
        name="登记测试", id_number=NEW_ID_NUMBER, phone=PHONE_ON_FILE, by=clerk
    )
    person = SimpleNamespace(name=subject.name, id_number=NEW_ID_NUMBER)
    password = "a-long-Pass-phrase-42"  # noqa: S105
    client = Client()
    form = {"name": person.name, "id_number": person.id_number, "phone": TYPED_PHONE,
            "password": password, "password_again": password}
    # A registration for the person, one for nobody, and the code entered.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("disclosure:register"), form).status_code == 302
    assert client.post(reverse("disclosure:register_verify"), {"code": _code(MemorySMSBackend.outbox)}).status_code == 302
    assert subject.citizen_profile.user.is_active
    client.post(reverse("logout"))
    Client().post(reverse("disclosure:register"), {**form, "name": "查无此人", "phone": UNKNOWN_PHONE})
    # Sign-ins: failed, unknown number, then right.
    login = reverse("login")
    client.post(login, {"username": TYPED_PHONE, "password": "wrong-password-0"})
    client.post(login, {"username": UNKNOWN_PHONE, "password": "wrong-password-0"})
    assert client.post(login, {"username": TYPED_PHONE, "password": password}).status_code == 302
    client.post(reverse("logout"))
    # Password resets: a known and an unknown number.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("disclosure:password_reset"), {"phone": TYPED_PHONE})
        Client().post(reverse("disclosure:password_reset"), {"phone": UNKNOWN_PHONE})
    secrets = {p.id_number for p in PEOPLE} | {p.phone for p in PEOPLE if p.phone} | {
        TYPED_PHONE, UNKNOWN_PHONE, PHONE_ON_FILE, NEW_ID_NUMBER}
    text = _dump()
    leaked = sorted(value for value in secrets if value in text)
    assert leaked == []
