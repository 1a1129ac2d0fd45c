"""Reads audited and nothing learnt by the wrong person: finding pages are audited
reads, the subject edit form never shows the phone, a clerk learns nothing about
another department's people, and overflowing date parts are a form error, not a 500."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from archives import services
from archives.models import CreditRecord, Subject
from credit_portal.models import AuditEntry
from tests import factories as f
from tests.archives.conftest import World
from tests.archives.test_views_pages import _record_post

pytestmark = pytest.mark.django_db


def test_reading_a_finding_is_an_audited_read(client, world: World) -> None:
    finding = services.draft_finding(world.archive, year=2025, status="trustworthy", basis="守信", by=world.edu_clerk)
    client.force_login(world.edu_reviewer)
    assert client.get(reverse("archives:finding", args=[finding.pk])).status_code == 200
    entry = AuditEntry.objects.get(action="archives.finding.viewed")
    assert entry.actor_id == world.edu_reviewer.pk
    assert entry.subject_ref == str(world.subject.pk)
    # Another department: 404, and no read is recorded for it.
    client.force_login(world.health_reviewer)
    assert client.get(reverse("archives:finding", args=[finding.pk])).status_code == 404
    assert AuditEntry.objects.filter(action="archives.finding.viewed").count() == 1


def test_subject_edit_form_never_shows_the_phone(client, world: World) -> None:
    client.force_login(world.edu_clerk)
    url = reverse("archives:subject_edit", args=[world.subject.pk])
    page = client.get(url).content.decode()
    assert "13800000000" not in page
    # Saving without typing a phone keeps the one on file.
    response = client.post(url, {"name": "测试甲", "phone": "", "political_status": "", "education": ""})
    assert response.status_code == 302
    assert Subject.objects.get(pk=world.subject.pk).phone == "13800000000"
    client.post(url, {"name": "测试甲", "phone": "13900000000", "political_status": "", "education": ""})
    assert Subject.objects.get(pk=world.subject.pk).phone == "13900000000"


def _not_found_section(html: str, number: str) -> str:
    html = html.replace(number, "NUMBER")
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return html.split('id="not-found"', 1)[1].split("</main>", 1)[0]


def test_a_number_kept_by_another_department_looks_exactly_like_an_unknown_one(client, world: World) -> None:
    client.force_login(world.health_clerk)
    url = reverse("archives:find_subject")
    kept = client.post(url, {"search": "id", "id-id_number": world.subject.id_number}).content.decode()
    unknown_number = f.make_id_number(birth=date(1985, 5, 5), seq=33)
    unknown = client.post(url, {"search": "id", "id-id_number": unknown_number}).content.decode()
    assert _not_found_section(kept, world.subject.id_number) == _not_found_section(unknown, unknown_number)


def test_registering_another_departments_person_under_another_name_says_nothing_of_them(client, world: World) -> None:
    client.force_login(world.health_clerk)
    response = client.post(reverse("archives:register_person"), {
        "name": "别的名字", "id_number": world.subject.id_number, "occupation": world.doctor.pk,
        "department": world.health.pk, "employer": "示范医院",
    })
    content = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in content
    assert "测试甲" not in content
    for telling in ("already registered", "已登记", "已注册", "another department", "其他部门"):
        assert telling not in content
    assert world.subject.archives.count() == 1


@pytest.mark.parametrize("part", ["decided_on_month", "decided_on_day", "occurred_on_day"])
def test_overflowing_date_parts_are_a_form_error(client, world: World, part: str) -> None:
    client.force_login(world.edu_clerk)
    response = client.post(reverse("archives:record_new", args=[world.archive.pk]),
                           _record_post(world, **{part: "99999999999999999999"}))
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not CreditRecord.objects.exists()
