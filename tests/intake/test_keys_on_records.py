"""The natural key of an imported row is kept on the record it made (``intake_key``,
``intake_department``), per importing department, which need not be the archive's; and
migration intake 0003 moves the keys of an existing key table onto their records."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from archives.intake import importer, reader
from archives.intake.catalogue import choices_for
from archives.intake.rows import parse_cells
from archives.models import Archive, CreditRecord
from tests.archives.conftest import draft_negative
from tests.intake.conftest import filled, row


def run(world, data: bytes, *, occupation, department, by):  # type: ignore[no-untyped-def]
    sheet, _code = reader.open_rows(data, occupation=occupation)
    choices = choices_for(occupation)
    rows = (parse_cells(n, cells, choices) for n, cells in sheet.rows)
    return importer.import_rows(rows, department=department, choices=choices, by=by)


@pytest.mark.django_db
def test_the_key_stays_with_the_importing_department_not_the_archives(world) -> None:
    data = filled(world.auditor_occ, [row(1, employer="示范市审计事务所")])
    first = run(world, data, occupation=world.auditor_occ, department=world.finance, by=world.finance_clerk)
    (record_id,) = first.record_ids.values()
    record = CreditRecord.objects.get(pk=record_id)
    assert record.intake_department_id == world.finance.pk
    assert record.intake_key.startswith("row:")
    archive = Archive.objects.get(pk=record.archive_id)
    # The co-responsible audit office imports the same row into the archive finance keeps:
    # its own key, so it makes its own record (once).
    second = run(world, data, occupation=world.auditor_occ, department=world.audit_office, by=world.audit_clerk)
    (other_id,) = second.record_ids.values()
    other = CreditRecord.objects.get(pk=other_id)
    assert (other.archive_id, archive.department_id) == (archive.pk, world.finance.pk)
    assert (other.intake_department_id, other.intake_key) == (world.audit_office.pk, record.intake_key)
    again = run(world, data, occupation=world.auditor_occ, department=world.audit_office, by=world.audit_clerk)
    assert (again.created, again.skipped) == (0, 1)
    assert again.existing[2].pk == other_id
    assert CreditRecord.objects.filter(intake_key=record.intake_key).count() == 2


@pytest.mark.django_db
def test_records_not_imported_have_no_key(world) -> None:
    record = draft_negative(world)
    assert CreditRecord.objects.filter(pk=record.pk, intake_department=None, intake_key=None, intake_digest="").exists()


LATEST = [("intake", "0003_keys_on_records")]
BEFORE = [("intake", "0002_drop_indexes_covered_by_unique")]
COLUMNS = ("archives", "0010_record_intake_key")  # the records' columns, kept when going back


@pytest.mark.django_db(transaction=True)
def test_migration_moves_each_key_row_onto_its_record(world) -> None:
    outcome = run(
        world, filled(world.teacher, [row(1), row(2)]), occupation=world.teacher, department=world.education,
        by=world.edu_clerk,
    )
    ids = sorted(outcome.record_ids.values())
    expected = list(
        CreditRecord.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "intake_department_id", "intake_key")
    )
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)  # back: one key row per keyed record
    old = executor.loader.project_state([*BEFORE, COLUMNS]).apps
    keys = old.get_model("intake", "IntakeKey").objects.order_by("record_id")
    assert list(keys.values_list("record_id", "department_id", "key")) == expected
    keys.filter(record_id=ids[0]).update(content_digest="d" * 64)
    old.get_model("archives", "CreditRecord").objects.update(intake_department=None, intake_key=None, intake_digest="")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(LATEST)
    moved = CreditRecord.objects.filter(pk__in=ids).order_by("pk")
    assert list(moved.values_list("pk", "intake_department_id", "intake_key")) == expected
    assert list(moved.values_list("intake_digest", flat=True)) == ["d" * 64, ""]
    assert not CreditRecord.objects.exclude(pk__in=ids).filter(intake_key__isnull=False).exists()
