"""A raw dump of the whole database after the demo data holds no ID number or phone in
clear (issue 3, "Done when"; DESIGN §8)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from archives.demo import PEOPLE
from archives.models import Subject

pytestmark = pytest.mark.django_db


def test_raw_dump_after_demo_data_has_no_id_number_or_phone(settings, tmp_path):
    settings.LOCAL_DIR = tmp_path
    call_command("load_demo_data", stdout=io.StringIO())
    assert Subject.objects.count() >= len(PEOPLE)
    secrets = {p.id_number for p in PEOPLE} | {p.phone for p in PEOPLE if p.phone}
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
            dump.append(repr(cursor.fetchall()))
    text = "\n".join(dump)
    leaked = sorted(value for value in secrets if value in text)
    assert leaked == []
