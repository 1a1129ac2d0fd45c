"""One state, one name: each case state has one Chinese name on every page, notice
and SMS (the pages are read in the default language, Chinese)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from archives.models import Notice
from credit_portal.models import SMSMessage
from repair import services
from repair.models import Objection, RepairApplication

pytestmark = pytest.mark.django_db


def chinese(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_state_has_its_own_chinese_name() -> None:
    with translation.override("zh-hans"):
        for model in (Objection, RepairApplication):
            names = [str(label) for _value, label in model.State.choices]
            assert len(set(names)) == len(names), names
            assert all(re.search(r"[\u4e00-\u9fff]", name) for name in names), names


def test_a_refused_objection_is_named_the_same_everywhere(
    linked_citizen, record, world, django_capture_on_commit_callbacks
) -> None:
    objection = services.file_objection(record, by=world.citizen, reasons="不是我")
    queued_before = set(SMSMessage.objects.values_list("pk", flat=True))
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        services.refuse_objection(objection, by=world.credit_office, reason="未说明具体错误")
    # The notice's text message is queued (and sent by the SMS task): one, under the state's name.
    sms = [m.body for m in SMSMessage.objects.exclude(pk__in=queued_before)]
    assert len(sms) == 1
    assert "不予受理" in sms[0]
    pages = {
        "office case": chinese(world.credit_office).get(reverse("repair:case", args=["objection", objection.pk])),
        "citizen case": chinese(world.citizen).get(reverse("repair:my_case", args=["objection", objection.pk])),
        "citizen list": chinese(world.citizen).get(reverse("repair:my_repair")),
    }
    for name, response in pages.items():
        html = response.content.decode()
        assert "不予受理" in html, name
        assert "已拒绝" not in html, name
        assert "未予受理" not in html, name
    notice = Notice.objects.filter(subject=world.subject).latest("pk")
    assert "不予受理" in notice.title
    assert "未予受理" not in notice.title


def test_a_record_under_objection_has_one_name(linked_citizen, record, world) -> None:
    services.file_objection(record, by=world.citizen, reasons="不是我")
    for url in (reverse("repair:my_repair"),):
        html = chinese(world.citizen).get(url).content.decode()
        assert "异议处理中" in html, url
        assert not re.search(r"(?<!处理)异议中", html.replace("异议处理中", "")), url
    form = chinese(world.citizen).get(reverse("repair:objection_new", args=[record.pk])).content.decode()
    assert "异议处理中" in form
