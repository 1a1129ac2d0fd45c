"""``scope_of`` and ``acting_department_ids`` run their UNION from SQL compiled once per
number of ids (credit_portal.compiled.rows_for_ids): they must read exactly what the query
built afresh reads, and see a share or a co-responsibility the moment it is written."""

from __future__ import annotations

import pytest

from archives import scope as scope_module
from archives import selectors, services
from credit_portal import compiled
from departments.models import Membership, OccupationDepartment
from tests import factories as f
from tests.archives.conftest import World


def _fresh(user) -> selectors.Scope:  # type: ignore[no-untyped-def]
    """The scope from the query built and compiled now (no compiled SQL reused)."""
    from departments.scope import department_ids

    ids = tuple(sorted(department_ids(user)))
    occupations, shared = set(), set()
    for kind, pk in scope_module._scope_query(ids):
        (occupations if kind == "occupation" else shared).add(pk)
    return selectors.Scope(department_ids=ids, occupation_ids=tuple(sorted(occupations)),
                           shared_ids=tuple(sorted(shared)))


@pytest.mark.parametrize("departments", [1, 2, 3])
def test_compiled_scope_reads_what_the_query_reads(world: World, departments: int) -> None:
    user = f.member(world.education, Membership.Role.CLERK, "multi")
    for department in (world.finance, world.health)[: departments - 1]:
        Membership.objects.create(user=user, department=department, role=Membership.Role.REVIEWER)
    services.share_archive(world.archive, department=world.health, by=world.credit_office)
    other = services.open_archive(subject=world.subject, occupation=world.auditor_occ, department=world.audit_office,
                                  employer="示范市审计所", by=world.audit_clerk)
    services.share_archive(other, department=world.finance, by=world.credit_office)
    user.refresh_from_db()
    for _ in range(2):  # the first call compiles, the second reuses
        scope = selectors.scope_of(user)
        assert scope == _fresh(user)
    assert len(scope.department_ids) == departments
    assert ("scope", departments) in compiled._by_count  # the shortcut was taken
    if departments >= 2:
        assert world.auditor_occ.pk in scope.occupation_ids  # finance is co-responsible for auditors
        assert other.pk in scope.shared_ids
    if departments == 3:
        assert world.archive.pk in scope.shared_ids


def test_compiled_scope_sees_a_new_co_responsibility_and_share_at_once(world: World) -> None:
    before = selectors.scope_of(world.health_clerk)
    assert world.doctor.pk in before.occupation_ids
    assert world.teacher.pk not in before.occupation_ids
    assert before.shared_ids == ()
    OccupationDepartment.objects.create(occupation=world.teacher, department=world.health)
    services.share_archive(world.archive, department=world.health, by=world.credit_office)
    scope = selectors.scope_of(world.health_clerk)
    assert world.teacher.pk in scope.occupation_ids
    assert scope.shared_ids == (world.archive.pk,)
    assert scope == _fresh(world.health_clerk)


def test_compiled_acting_departments_read_what_the_query_reads(world: World) -> None:
    def fresh(archive) -> set[int]:  # type: ignore[no-untyped-def]
        return {archive.department_id, *scope_module._acting_query((archive.occupation_id, archive.pk))}

    assert scope_module.acting_department_ids(world.archive) == fresh(world.archive) == {world.education.pk}
    assert ("acting", 2) in compiled._by_count
    OccupationDepartment.objects.create(occupation=world.teacher, department=world.finance)
    services.share_archive(world.archive, department=world.health, by=world.credit_office)
    assert scope_module.acting_department_ids(world.archive) == fresh(world.archive) == {
        world.education.pk, world.finance.pk, world.health.pk}
    other = services.open_archive(subject=world.subject, occupation=world.auditor_occ, department=world.audit_office,
                                  employer="示范市审计所", by=world.audit_clerk)
    assert scope_module.acting_department_ids(other) == fresh(other) == {world.audit_office.pk, world.finance.pk}
