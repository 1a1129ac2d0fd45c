from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from disclosure.models import Authorization, CitizenProfile, Institution, QueryLog
from disclosure.public_lists import dishonesty_list, honour_list


@pytest.mark.django_db
def test_demo_data_shows_every_page_something_and_is_idempotent(settings, tmp_path):
    settings.LOCAL_DIR = tmp_path
    settings.SMS_BACKEND = "credit_portal.notify.MemorySMSBackend"
    call_command("load_demo_data", stdout=StringIO())
    profile = CitizenProfile.objects.select_related("user", "subject").get(user__username="demo_citizen")
    states = set(Authorization.objects.filter(subject=profile.subject).values_list("state", flat=True))
    assert states >= {"active", "used_up", "revoked", "expired", "pending"}
    assert QueryLog.objects.filter(subject=profile.subject, outcome="granted").exists()
    assert QueryLog.objects.filter(subject=profile.subject, outcome="refused").exists()
    assert dishonesty_list().values("archive__subject").distinct().count() >= 2
    assert honour_list().values("archive__subject").distinct().count() >= 2
    _demo_employer_sees_every_negative_record(profile.subject, settings)
    counts = (Authorization.objects.count(), QueryLog.objects.count(), Institution.objects.count())
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert (Authorization.objects.count(), QueryLog.objects.count(), Institution.objects.count()) == counts
    assert "code " in out.getvalue()


def _demo_employer_sees_every_negative_record(subject, settings) -> None:
    """The demo employer, authorized for recruitment with only 奖惩情况 ticked, gets a
    report holding every effective negative record of the person."""
    import json

    from django.contrib.auth import get_user_model

    from disclosure.selectors import effective_records
    from disclosure.services import queries

    code = json.loads((settings.LOCAL_DIR / "demo_disclosure.json").read_text())["authorization_code"]
    active = Authorization.objects.get(subject=subject, state="active", purpose="recruitment", requested_by=None)
    assert set(active.categories.values_list("code", flat=True)) == {"rewards-penalties", "violations"}
    expected = {r.title for r in effective_records(subject) if r.polarity == "negative"}
    assert len(expected) >= 1
    report = queries.query_record(
        by=get_user_model().objects.get(username="demo_institution"), name=subject.name,
        id_number=subject.id_number, code=code, purpose="recruitment",
    ).report
    shown = {r["title"] for a in report.content["archives"] for r in a["records"] if r["polarity"] == "negative"}
    assert shown == expected


@pytest.mark.django_db
def test_credit_office_registers_institutions_in_the_admin(client, disc):
    office = disc.world.credit_office
    office.is_staff = True
    office.save()
    client.force_login(office)
    response = client.post(reverse("admin:disclosure_institution_add"), {
        "name": "新机构", "credit_code": "91440300MA5F00009X", "kind": "enterprise", "is_active": "on",
        "staff-TOTAL_FORMS": "0", "staff-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200  # invalid code: the form comes back
    from tests.disclosure.conftest import credit_code

    response = client.post(reverse("admin:disclosure_institution_add"), {
        "name": "新机构", "credit_code": credit_code(9), "kind": "enterprise", "is_active": "on",
        "staff-TOTAL_FORMS": "0", "staff-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302
    assert Institution.objects.filter(name="新机构").exists()


@pytest.mark.django_db
def test_other_staff_cannot_register_institutions(client, disc):
    clerk = disc.world.edu_clerk
    clerk.is_staff = True
    clerk.save()
    client.force_login(clerk)
    assert client.get(reverse("admin:disclosure_institution_add")).status_code == 403
    assert client.get(reverse("admin:disclosure_querylog_changelist")).status_code == 403
