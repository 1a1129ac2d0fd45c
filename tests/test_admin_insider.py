"""Tried as an insider holding one admin account, a superuser's included: rows whose end
the services write with an audit entry cannot be deleted in the admin, and a
department's code (which names its group of archive shares) cannot be renamed."""

from __future__ import annotations

import pytest

from archives.listing.models import Listing
from departments.models import Department
from tests import factories as f
from tests.archives.conftest import publish_negative
from tests.archives.conftest import world as world  # noqa: F401 - fixture re-export
from tests.listing.factories import make_listing

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):  # noqa: ANN001, ANN201
    client.force_login(f.make_user("root", is_staff=True, is_superuser=True))
    return client


def test_a_listing_cannot_be_deleted_in_the_admin(root, world) -> None:
    listing = make_listing(publish_negative(world, severity="serious"), by=world.edu_clerk)
    assert root.post(f"/admin/listing/listing/{listing.pk}/delete/", {"post": "yes"}).status_code == 403
    page = root.get("/admin/listing/listing/").content.decode()
    assert "delete_selected" not in page
    assert Listing.objects.filter(pk=listing.pk).exists()


def test_a_departments_code_is_fixed_once_created(root) -> None:
    education = Department.objects.get(code="education")
    page = root.get(f"/admin/departments/department/{education.pk}/change/").content.decode()
    assert 'name="code"' not in page
    assert 'name="code"' in root.get("/admin/departments/department/add/").content.decode()


def test_display_periods_stay_within_the_national_tiers_and_each_change_keeps_its_values(root) -> None:
    """A serious record's minimum display period set to 0 would make every one repairable
    at once (then set back): refused, in words, nothing changed. A change within the
    tiers is audited with the value before and after."""
    from archives.models import DisplayRule
    from credit_portal.models import AuditEntry

    serious = DisplayRule.objects.get(tier="serious")
    url = f"/admin/archives/displayrule/{serious.pk}/change/"
    form = {"tier": "serious", "min_months": 0, "max_months": 36, "published": "on", "source": serious.source}
    refused = root.post(url, form)
    assert refused.status_code == 200
    assert "不少于12个月" in refused.content.decode()
    assert DisplayRule.objects.get(pk=serious.pk).min_months == 12
    assert root.post(url, {**form, "max_months": 40}).status_code == 200
    assert DisplayRule.objects.get(pk=serious.pk).max_months == 36
    assert root.post(url, {**form, "min_months": 18}).status_code == 302
    entry = AuditEntry.objects.filter(action="archives.displayrule.changed").latest("pk")
    assert entry.detail["values"] == {"min_months": [12, 18]}


def test_a_listing_cannot_be_saved_in_the_admin_and_reading_it_there_is_in_the_trail(root, world) -> None:
    """Every field was read-only, yet the change form still offered 保存: a POST re-saved the
    row outside the services, with no entry; and a superuser read the person's name, facts
    and defence there with nothing in the trail (DESIGN §10: the admin's reads are audited
    like the staff pages')."""
    from credit_portal.models import AuditEntry

    listing = make_listing(publish_negative(world, severity="serious"), by=world.edu_clerk)
    assert root.post(f"/admin/listing/listing/{listing.pk}/change/", {"_save": "1"}).status_code == 403
    page = root.get(f"/admin/listing/listing/{listing.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    read = AuditEntry.objects.filter(action="listing.listing.viewed_in_admin").get()
    assert read.subject_ref == str(listing.subject_id)
    root.get("/admin/listing/listing/")
    assert AuditEntry.objects.filter(action="listing.listing.listed_in_admin").exists()


@pytest.mark.parametrize("path", [
    "/admin/listing/punishmentcase/", "/admin/units/unit/", "/admin/units/unitdishonesty/",
    "/admin/intake/importjob/",
])
def test_the_admins_the_services_write_offer_no_add_and_no_delete(root, path) -> None:
    page = root.get(path)
    assert page.status_code == 200
    assert root.get(path + "add/").status_code == 403
    assert "delete_selected" not in page.content.decode()


def test_a_department_systems_credentials_are_changed_only_by_the_revoke_action(root) -> None:
    from archives.intake.models import DepartmentSystem
    from archives.intake.systems import issue_system
    from credit_portal.roles import Role

    office = f.make_user("office-admin", roles=(Role.CREDIT_OFFICE,), is_staff=True, is_superuser=True)
    system = issue_system(department=Department.objects.order_by("pk").first(), name="人事系统", by=office)[0]
    response = root.post(f"/admin/intake/departmentsystem/{system.pk}/change/", {"_save": "1"})
    assert response.status_code == 403
    assert DepartmentSystem.objects.get(pk=system.pk).is_active


def test_no_display_rule_can_be_deleted_and_a_missing_one_keeps_the_national_minimum(root, world) -> None:
    """A superuser deleted the serious tier's rule in the admin; repair then read its
    minimum as none, and a serious record decided last month was repairable at once."""
    from datetime import timedelta

    from django.utils import timezone

    from archives.models import DisplayRule
    from repair.services.applications import repair_eligibility

    serious = DisplayRule.objects.get(tier="serious")
    assert root.post(f"/admin/archives/displayrule/{serious.pk}/delete/", {"post": "yes"}).status_code == 403
    assert root.get("/admin/archives/displayrule/add/").status_code == 403
    record = publish_negative(world, severity="serious", decided_on=timezone.localdate() - timedelta(days=30))
    DisplayRule.objects.filter(tier="serious").delete()  # as with the database itself
    eligibility = repair_eligibility(record)
    assert not eligibility.repairable
    assert eligibility.earliest > timezone.localdate() + timedelta(days=300)


def test_a_department_made_responsible_for_an_occupation_is_named_in_the_entry(root, world) -> None:
    """The row gives the department's clerks every archive of the occupation; the entry
    said only {"fields": ["department"]}, so "grant, use, undo" left no trace of whom."""
    from credit_portal.models import AuditEntry
    from departments.models import Occupation, OccupationDepartment

    finance = Department.objects.get(code="finance")
    teacher = Occupation.objects.get(pk=world.teacher.pk)
    response = root.post("/admin/departments/occupationdepartment/add/", {
        "occupation": teacher.pk, "department": finance.pk, "seed": "local", "note": "临时",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    row = OccupationDepartment.objects.get(occupation=teacher, department=finance)
    created = AuditEntry.objects.get(action="departments.occupationdepartment.created")
    assert created.detail["values"]["department"] == [None, finance.pk]
    root.post(f"/admin/departments/occupationdepartment/{row.pk}/delete/", {"post": "yes"})
    deleted = AuditEntry.objects.get(action="departments.occupationdepartment.deleted")
    assert deleted.detail["values"]["department"] == finance.pk
    assert deleted.detail["values"]["occupation"] == teacher.pk


def test_sign_in_logs_cannot_be_re_saved_and_accounts_cannot_be_deleted(root, world) -> None:
    from axes.models import AccessLog

    log = AccessLog.objects.create(username="someone", ip_address="127.0.0.1", user_agent="x")
    assert root.post(f"/admin/axes/accesslog/{log.pk}/change/", {"_save": "1"}).status_code == 403
    user = f.make_user("leaver", is_staff=True)
    assert root.post(f"/admin/credit_portal/user/{user.pk}/delete/", {"post": "yes"}).status_code == 403


def test_a_citizens_account_or_credit_level_read_in_the_admin_is_in_the_trail(root, world) -> None:
    from django.utils import timezone

    from credit_portal.models import AuditEntry
    from disclosure.models import CitizenProfile

    citizen = world.citizen
    CitizenProfile.objects.create(user=citizen, subject=world.archive.subject, verified_at=timezone.now(),
                                  method=CitizenProfile.Method.ADMIN)
    assert root.get(f"/admin/credit_portal/user/{citizen.pk}/change/").status_code == 200
    read = AuditEntry.objects.get(action="credit_portal.user.viewed_in_admin")
    assert read.subject_ref == str(citizen.citizen_profile.subject_id)
    from archives.levels.services import recompute_level

    level = recompute_level(world.archive)
    assert root.get(f"/admin/levels/archivelevel/{level.pk}/change/").status_code == 200
    assert AuditEntry.objects.get(action="levels.archivelevel.viewed_in_admin").subject_ref == str(
        level.archive.subject_id)


def test_query_logs_are_the_auditors_in_the_admin_not_the_credit_offices(client, world) -> None:
    from credit_portal.roles import Role

    office = f.make_user("office-reader", roles=(Role.CREDIT_OFFICE,), is_staff=True)
    client.force_login(office)
    assert client.get("/admin/disclosure/querylog/").status_code == 403
    auditor = f.make_user("auditor-reader", roles=(Role.AUDITOR,), is_staff=True)
    client.force_login(auditor)
    assert client.get("/admin/disclosure/querylog/").status_code == 200
