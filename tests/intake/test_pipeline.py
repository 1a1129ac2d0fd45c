"""How an import keeps the cores busy: the size of a sheet that declares none, the
sequences' ids taken in one look-up, and the chunk whose COPY is held until the next
chunk's look-ups are done (PostgreSQL)."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

import pytest
from django.db import connection

from archives.intake import importer, reader
from archives.intake.catalogue import choices_for
from archives.intake.importer import writing
from archives.models import CreditRecord
from credit_portal import bulkload
from tests.intake.conftest import filled, row
from tests.intake.test_importer import run


def _without_dimension(data: bytes) -> bytes:
    """The workbook with its sheets' ``<dimension>`` removed, as some writers leave it out."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            body = source.read(entry)
            if entry.filename.startswith("xl/worksheets/"):
                body = re.sub(rb"<(?:\w+:)?dimension\b[^>]*/>", b"", body)
            target.writestr(entry, body)
    return out.getvalue()


@pytest.mark.django_db
def test_a_sheet_without_a_declared_size_reports_the_rows_calamine_read(world) -> None:
    rows = [row(i) for i in range(1, 8)]
    data = _without_dimension(filled(world.teacher, rows))
    archive = zipfile.ZipFile(BytesIO(data))
    path = reader._sheet_paths(archive)[reader.records_sheet_title()]
    assert reader.scan_sheet_xml(archive, path)[0] == 0  # nothing declared
    sheet, _code = reader.open_rows(data, occupation=world.teacher)
    assert sheet.declared_rows >= len(rows)
    assert len(list(sheet.rows)) == len(rows)


def test_the_first_part_is_one_pool_chunk_then_full_parts(monkeypatch) -> None:
    monkeypatch.setattr(importer, "POOL_CHUNK", 3)
    sizes = [len(part) for part in importer._parts(range(20), 7)]
    assert sizes == [3, 7, 7, 3]
    assert [len(part) for part in importer._parts(range(5), 2)] == [2, 2, 1]


@pytest.mark.postgres
@pytest.mark.django_db
def test_take_ids_gives_distinct_ids_past_the_sequence() -> None:
    first = bulkload.take_ids("archives_creditrecord", 5)
    again = bulkload.take_ids("archives_creditrecord", 3)
    assert len(set(first + again)) == 8
    assert min(again) > max(first)
    assert bulkload.take_ids("archives_creditrecord", 0) == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('archives_creditrecord', 'id'))")
        assert cursor.fetchone()[0] > max(again)


@pytest.mark.postgres
@pytest.mark.django_db
def test_each_chunk_is_sent_only_after_the_next_chunks_look_ups(world, monkeypatch) -> None:
    """Chunk n's COPY goes to the thread once chunk n+1 is matched and has its ids (but the
    first at once), and the last one at the end; the import writes every row once, in file order."""
    monkeypatch.setattr(importer, "STREAM_ROWS", 2)
    monkeypatch.setattr(importer, "POOL_CHUNK", 2)
    events: list[str] = []
    put, add = writing.CopyThread.put, importer.Matcher.add

    def spy_put(thread, statements):  # type: ignore[no-untyped-def]
        events.append("copy " + ",".join(str(text.count("\n")) for table, _c, text in statements
                                         if table == "archives_creditrecord"))
        return put(thread, statements)

    def spy_add(matcher, rows):  # type: ignore[no-untyped-def]
        events.append(f"match {len(rows)}")
        return add(matcher, rows)

    monkeypatch.setattr(writing.CopyThread, "put", spy_put)
    monkeypatch.setattr(importer.Matcher, "add", spy_add)
    outcome = run(world, filled(world.teacher, [row(i) for i in range(1, 6)]))
    assert outcome.created == 5
    # The first chunk goes at once (nothing is being written yet); each later one waits for
    # the next chunk's look-ups; the last is sent at the end.
    assert events == ["match 2", "copy 2", "match 2", "match 1", "copy 2", "copy 1"]
    records = CreditRecord.objects.filter(pk__in=outcome.record_ids.values()).order_by("pk")
    assert [r.title for r in records] == [f"违规记录{i}" for i in range(1, 6)]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_held_chunk_is_dropped_when_a_refused_row_stops_the_import(world, monkeypatch) -> None:
    monkeypatch.setattr(importer, "STREAM_ROWS", 2)
    monkeypatch.setattr(importer, "POOL_CHUNK", 2)
    before = CreditRecord.objects.count()
    outcome = run(world, filled(world.teacher, [row(1), row(2), row(3), row(4), row(5, category="不存在的类别")]))
    assert not outcome.written
    assert CreditRecord.objects.count() == before


@pytest.mark.django_db
def test_the_pool_hands_on_its_first_chunk_before_reading_far_ahead(world, settings, monkeypatch) -> None:
    """Matching (and so writing) starts once a few chunks are out, not after the pool's
    whole read-ahead; later the pool keeps its chunks in hand as before."""
    settings.INTAKE_POOL_FROM_ROWS = 1
    settings.INTAKE_WORKERS = 2
    monkeypatch.setattr(importer, "POOL_CHUNK", 2)
    monkeypatch.setattr(importer, "STREAM_ROWS", 2)
    events: list[tuple[str, int]] = []
    add = importer.Matcher.add

    def spy_add(matcher, rows):  # type: ignore[no-untyped-def]
        events.append(("match", rows[0].number))
        return add(matcher, rows)

    monkeypatch.setattr(importer.Matcher, "add", spy_add)
    sheet, _code = reader.open_rows(filled(world.teacher, [row(i) for i in range(1, 21)]), occupation=world.teacher)
    outcome = importer.import_cells(
        sheet.rows, department=world.education, choices=choices_for(world.teacher), by=world.edu_clerk,
        progress=lambda phase, done, total: events.append((phase, done)),
    )
    assert outcome.created == 20
    first_match = events.index(("match", 2))
    checked = max(done for phase, done in events[:first_match] if phase == "checking")
    # The first chunk is handed on when the third is out (one per worker and one more, of
    # ten), before the third is counted as checked; with the read-ahead of eight it was 16.
    assert checked == 2 * 2
