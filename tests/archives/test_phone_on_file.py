"""The archive page says whether a phone is on file without decrypting it
(``Subject.has_phone``, ``credit_portal.crypto.encrypts_empty_text``); the number itself is
decrypted only when a reveal asks for it."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from archives import services
from archives.models import Subject
from tests import factories as f
from tests.archives.conftest import World


@pytest.fixture
def no_decryption(monkeypatch):  # type: ignore[no-untyped-def]
    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("decrypted")

    monkeypatch.setattr("credit_portal.fields.decrypt", refuse)


def test_has_phone_is_told_without_decrypting(world: World, no_decryption) -> None:
    without, _ = services.find_or_create_subject(
        name="测试乙", id_number=f.make_id_number(birth=date(1981, 3, 1), seq=2), by=world.edu_clerk)
    assert Subject.objects.get(pk=world.subject.pk).has_phone is True
    assert Subject.objects.get(pk=without.pk).has_phone is False


def test_has_phone_follows_an_unsaved_change(world: World) -> None:
    subject = Subject.objects.get(pk=world.subject.pk)
    subject.phone = ""
    assert subject.has_phone is False
    subject.phone = "13900000000"
    assert subject.has_phone is True


def test_archive_page_decrypts_nothing_until_a_reveal(client, world: World, monkeypatch) -> None:
    client.force_login(world.edu_clerk)
    url = reverse("archives:archive", args=[world.archive.pk])
    calls: list[object] = []
    from credit_portal import fields

    real = fields.decrypt
    monkeypatch.setattr(fields, "decrypt", lambda *a, **k: calls.append(a) or real(*a, **k))
    page = client.get(url).content.decode()
    assert "（已隐藏）" in page or "(hidden)" in page
    assert "13800000000" not in page
    assert calls == []
    revealed = client.post(reverse("archives:archive_reveal", args=[world.archive.pk]), {"field": "phone"})
    assert "13800000000" in revealed.content.decode()
    assert len(calls) == 1
