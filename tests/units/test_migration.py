"""Migrations 0002–0004 move each unit's legal representative into a legal-representative
link and each dishonesty's single record into its record row, on a database that holds
them (run backwards to 0001 on an empty units schema, filled, then forwards)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.units.conftest import propose

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("units", "0001_units_and_legal_representatives")]


def _latest(executor: MigrationExecutor) -> list[tuple[str, str]]:
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] == "units"]


def test_the_representative_and_the_record_become_a_link_and_a_record_row(world_units, unit) -> None:
    w = world_units
    item = propose(unit, w.edu_clerk)
    record_id, lineage = item.records.values_list("record_id", "lineage").get()
    unit_id, created_at = unit.pk, unit.created_at
    # The units tables are emptied, taken back to their 0001 shape and refilled as 0001 kept them.
    from archives.units.models import Unit, UnitDishonesty, UnitDishonestyRecord, UnitPerson

    UnitDishonestyRecord.objects.all().delete()
    UnitDishonesty.objects.all().delete()
    UnitPerson.objects.all().delete()
    Unit.objects.all().delete()
    executor = MigrationExecutor(connection)
    latest = _latest(executor)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    old_unit = old.get_model("units", "Unit").objects.create(
        pk=unit_id,
        credit_code=unit.credit_code,
        name=unit.name,
        department_id=w.education.pk,
        representative_id=w.subject.pk,
        representative_archive_id=w.archive.pk,
        created_by_id=w.edu_clerk.pk,
    )
    old.get_model("units", "UnitDishonesty").objects.create(
        unit=old_unit, record_id=record_id, lineage=lineage, proposed_by_id=w.edu_clerk.pk, proposed_at=created_at
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)

    person = UnitPerson.objects.get(unit_id=unit_id)
    assert (person.role, person.subject_id, person.archive_id, person.ended_at) == (
        UnitPerson.Role.LEGAL_REPRESENTATIVE,
        w.subject.pk,
        w.archive.pk,
        None,
    )
    row = UnitDishonestyRecord.objects.get()
    assert (row.record_id, row.lineage, row.person_id) == (record_id, lineage, person.pk)
