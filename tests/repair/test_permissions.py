"""repair/permissions.py is the one place that decides who may act on a case: the
services refuse, the views answer 403/404 and the case pages offer buttons from the
same predicates. These tests fail when a repair view or template decides access
itself, and try each forbidden act through the page too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from guardian.models import UserObjectPermission

from credit_portal.models import AuditEntry
from repair import permissions, services
from repair.models import Objection
from tests.repair.conftest import english_client, pdf

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "repair"
VIEWS = Path(settings.BASE_DIR) / "repair" / "views"

# What deciding access looks like in a template: comparing a case's state, asking for a
# role or a permission, or checking who the officer is.
TEMPLATE_DECISIONS = re.compile(
    r"\{%\s*(?:el)?if\b[^%]*(?:\.state\s*==|is_supervisor|perms\.|has_perm|assigned_to_id|\boffice\s*%\}|user\.(?:pk|id)|"
    r"kind\s*==\s*\"objection\"\s+and)"
)
# ...and in a view: an ORM read or a role test outside the selectors and permissions.
# (``permissions.is_credit_office(...)`` is asking the module, not deciding.)
VIEW_DECISIONS = re.compile(
    r"\.objects\.|(?<!permissions\.)is_credit_office\(|department_ids\(|can_act_on\(|has_perm\(|"
    r"isinstance\(case|\.state\s*[!=]="
)


def test_repair_templates_do_not_decide_who_may_act() -> None:
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if TEMPLATE_DECISIONS.search(line):
                offenders.append(f"{path.name}:{number}")
    assert offenders == []


def test_repair_views_do_not_decide_access_or_query_the_orm() -> None:
    offenders = []
    for path in sorted(VIEWS.glob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if VIEW_DECISIONS.search(line):
                offenders.append(f"{path.name}:{number}")
    assert offenders == []


def test_the_check_catches_a_template_that_decides() -> None:
    assert TEMPLATE_DECISIONS.search('{% if case.state == "submitted" %}')
    assert TEMPLATE_DECISIONS.search("{% elif is_supervisor %}")
    assert not TEMPLATE_DECISIONS.search("{% if can.accept %}")


@pytest.fixture
def objection(links, record, world) -> Objection:
    return services.file_objection(record, by=world.citizen, reasons="不是我", files=[pdf()])


def test_case_page_offers_exactly_what_the_predicates_allow(objection, world, officer2, supervisor) -> None:
    accept = reverse("repair:case_accept", args=["objection", objection.pk])
    page = reverse("repair:case", args=["objection", objection.pk])
    for user in (world.credit_office, officer2, supervisor):
        html = english_client(user).get(page).content.decode()
        assert (accept in html) == permissions.may_accept(user, objection)
    services.assign_case(objection, officer=officer2, by=supervisor)
    objection.refresh_from_db()
    for user, allowed in ((world.credit_office, False), (officer2, True), (supervisor, True)):
        assert permissions.may_accept(user, objection) is allowed
        html = english_client(user).get(page).content.decode()
        assert (accept in html) is allowed


def test_assignment_is_kept_in_one_place(objection, world, officer2, supervisor) -> None:
    services.assign_case(objection, officer=officer2, by=supervisor)
    objection.refresh_from_db()
    assert objection.assigned_to == officer2
    assert not UserObjectPermission.objects.filter(object_pk=str(objection.pk)).exists()
    response = english_client(world.credit_office).post(reverse("repair:case_accept", args=["objection", objection.pk]))
    assert response.status_code == 403
    objection.refresh_from_db()
    assert objection.state == Objection.State.SUBMITTED


def test_department_cannot_act_for_the_credit_office_through_the_pages(objection, world) -> None:
    services.accept_objection(objection, by=world.credit_office)
    clerk = english_client(world.edu_reviewer)
    for name in ("case_accept", "case_assign", "case_conclude", "send_back"):
        assert clerk.post(reverse(f"repair:{name}", args=["objection", objection.pk]), {"reason": "x"}).status_code == 403
    objection.refresh_from_db()
    assert objection.state == Objection.State.VERIFYING


def test_reads_of_cases_and_files_are_audited(objection, world, linked_citizen) -> None:
    english_client(world.credit_office).get(reverse("repair:case", args=["objection", objection.pk]))
    assert AuditEntry.objects.filter(action="repair.objection.viewed", actor=world.credit_office,
                                     object_id=str(objection.pk)).exists()
    english_client(world.citizen).get(reverse("repair:my_case", args=["objection", objection.pk]))
    assert AuditEntry.objects.filter(action="repair.objection.viewed", actor=world.citizen).exists()
    file = objection.files.get()
    english_client(world.citizen).get(reverse("repair:case_file", args=[file.pk]))
    entry = AuditEntry.objects.get(action="repair.file.downloaded")
    assert entry.actor == world.citizen
    assert entry.detail["file"] == str(file.pk)
    # A refused read leaves no "viewed" entry.
    before = AuditEntry.objects.filter(action="repair.objection.viewed").count()
    assert english_client(world.health_clerk).get(reverse("repair:case", args=["objection", objection.pk])).status_code == 404
    assert AuditEntry.objects.filter(action="repair.objection.viewed").count() == before


def test_case_audit_actions_are_named_app_object_verb(objection, world) -> None:
    services.accept_objection(objection, by=world.credit_office)
    actions = set(AuditEntry.objects.filter(action__startswith="repair.").values_list("action", flat=True))
    assert {"repair.objection.filed", "repair.objection.accepted"} <= actions
    assert all(re.fullmatch(r"repair\.[a-z]+\.[a-z_]+", action) for action in actions)
