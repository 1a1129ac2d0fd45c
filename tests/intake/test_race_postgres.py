"""PostgreSQL: two uploads of the same rows at the same moment. One writes everything,
the other is refused whole (its transaction rolls back); nothing is written twice or
half-written."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from archives.intake import importer, reader
from archives.intake.catalogue import choices_for
from archives.intake.importer.matching import Matcher
from archives.intake.rows import parse_cells
from archives.models import Archive, CreditRecord, Subject
from credit_portal import audit
from tests.intake.conftest import filled, row

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_imports_of_the_same_rows(world, monkeypatch) -> None:
    data = filled(world.teacher, [row(1), row(2)])
    both_matched = threading.Barrier(2, timeout=60)
    original = Matcher.add

    def match_then_wait(self, rows):  # type: ignore[no-untyped-def]
        original(self, rows)
        both_matched.wait()  # both have checked "nothing imported yet" before either writes

    monkeypatch.setattr(Matcher, "add", match_then_wait)
    outcomes: list[object] = []

    def run() -> None:
        try:
            sheet, _code = reader.open_rows(data, occupation=world.teacher)
            choices = choices_for(world.teacher)
            outcomes.append(importer.import_rows(
                (parse_cells(n, c, choices) for n, c in sheet.rows), department=world.education, choices=choices,
                by=world.edu_clerk,
            ))
        except BaseException as exc:  # collected and asserted below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    created = [o for o in outcomes if isinstance(o, importer.Outcome)]
    refused = [o for o in outcomes if isinstance(o, importer.ImportConflict)]
    assert (len(created), len(refused)) == (1, 1), outcomes
    assert created[0].created == 2
    assert CreditRecord.objects.filter(source=CreditRecord.Source.EXCEL).count() == 2
    assert Subject.objects.filter(name__startswith="导入").count() == 2
    assert Archive.objects.filter(employer="示范市实验小学").count() == 2
    assert audit.verify_chain().ok
