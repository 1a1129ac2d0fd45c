"""The demo clerk loads a year of records from the sample file; nothing personal is left
in clear in the database (uploaded files and reports are stored encrypted)."""

from __future__ import annotations

import io
from io import BytesIO

import pytest
from django.core.management import call_command
from django.db import connection
from openpyxl import load_workbook

from archives.intake import importer, reader
from archives.intake.catalogue import choices_for
from archives.intake.rows import parse_cells
from archives.models import CreditRecord
from credit_portal.models import User
from departments.models import Department, Occupation
from tests.intake.conftest import filled, row
from tests.intake.test_views_upload import upload

pytestmark = pytest.mark.django_db


def test_demo_clerk_loads_the_sample_year_and_the_file_is_written(settings, tmp_path) -> None:
    settings.LOCAL_DIR = tmp_path
    call_command("load_demo_data", stdout=io.StringIO())
    data = (tmp_path / "demo-import-teachers.xlsx").read_bytes()
    teacher = Occupation.objects.get(code="teacher")
    sheet, _code = reader.open_rows(data, occupation=teacher)
    choices = choices_for(teacher)
    outcome = importer.import_rows(
        (parse_cells(n, c, choices) for n, c in sheet.rows), department=Department.objects.get(code="education"),
        choices=choices, by=User.objects.get(username="demo_education_clerk"),
    )
    assert (outcome.created, len(outcome.refused)) == (200, 0), outcome.refused[0].errors
    assert CreditRecord.objects.filter(source=CreditRecord.Source.EXCEL).count() == 200
    # The sample fills the source column: penalties for the violations, commendations otherwise.
    imported = CreditRecord.objects.filter(source=CreditRecord.Source.EXCEL)
    assert set(imported.filter(polarity="negative").values_list("source_type", flat=True)) == {"penalty"}
    assert set(imported.exclude(polarity="negative").values_list("source_type", flat=True)) == {"commendation"}


def test_raw_dump_after_an_upload_with_errors_has_no_id_number_or_phone(client, world) -> None:
    rows = [row(1, phone="13912345678"), row(2, category="无此类别", phone="13987654321")]
    client.force_login(world.edu_clerk)
    upload(client, world, filled(world.teacher, rows))
    secrets = {r[1] for r in rows} | {"13912345678", "13987654321"}
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
            dump.append(repr(cursor.fetchall()))
    text = "\n".join(dump)
    assert sorted(value for value in secrets if value in text) == []


def test_sample_command_writes_a_template_file(tmp_path, world) -> None:
    path = tmp_path / "s.xlsx"
    call_command("make_sample_import", str(path), "--rows", "5", stdout=io.StringIO())
    assert load_workbook(BytesIO(path.read_bytes()))["记录"].cell(row=6, column=1).value == "样例0004"
