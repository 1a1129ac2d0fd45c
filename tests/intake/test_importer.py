"""The intake service on well-formed and bad rows: through the same rules as the web
form, all-or-nothing or valid rows, idempotent, four eyes on imported rows."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from archives import services
from archives.intake import importer, reader
from archives.intake.catalogue import choices_for
from archives.intake.report import error_report
from archives.intake.rows import parse_cells
from archives.models import Archive, CreditRecord, Subject
from credit_portal.models import AuditEntry
from tests import factories as f
from tests.intake.conftest import filled, row

pytestmark = pytest.mark.django_db


def run(world, data: bytes, *, by=None, mode: str = "all", submit: bool = False):  # type: ignore[no-untyped-def]
    sheet, _code = reader.open_rows(data, occupation=world.teacher)
    choices = choices_for(world.teacher)
    rows = (parse_cells(n, cells, choices) for n, cells in sheet.rows)
    return importer.import_rows(rows, department=world.education, choices=choices, by=by or world.edu_clerk,
                                mode=mode, submit=submit)


def test_rows_become_subjects_archives_and_drafts_with_audit(world) -> None:
    data = filled(world.teacher, [row(1), row(2, polarity="正面", severity="", category=world.basic.name, is_penalty="")])
    before = AuditEntry.objects.count()
    outcome = run(world, data)
    assert (outcome.created, outcome.skipped, len(outcome.refused)) == (2, 0, 0), [(r.number, r.errors) for r in outcome.refused]
    records = CreditRecord.objects.filter(pk__in=outcome.record_ids.values())
    assert {r.state for r in records} == {CreditRecord.State.DRAFT}
    assert {r.source for r in records} == {CreditRecord.Source.EXCEL}
    assert {r.created_by_id for r in records} == {world.edu_clerk.pk}
    assert Archive.objects.filter(occupation=world.teacher, employer="示范市实验小学").count() == 2
    # One entry for the batch, naming what it wrote; the records carry their author.
    (entry,) = AuditEntry.objects.order_by("sequence")[before:]
    assert (entry.action, entry.actor_id) == ("intake.batch.imported", world.edu_clerk.pk)
    assert entry.detail == {"via": "excel", "job": None, "records": 2, "submitted": 0, "subjects": 2, "archives": 2}
    from credit_portal.audit import verify_chain

    assert verify_chain().ok


def test_reupload_of_the_same_file_creates_nothing(world) -> None:
    data = filled(world.teacher, [row(1), row(2)])
    run(world, data)
    counts = (Subject.objects.count(), Archive.objects.count(), CreditRecord.objects.count())
    again = run(world, data)
    assert (again.created, again.skipped) == (0, 2)
    assert (Subject.objects.count(), Archive.objects.count(), CreditRecord.objects.count()) == counts


def test_imported_rows_go_through_four_eyes(world) -> None:
    outcome = run(world, filled(world.teacher, [row(1)]))
    record = CreditRecord.objects.get(pk=next(iter(outcome.record_ids.values())))
    from tests.archives.conftest import pdf

    services.attach_evidence(pdf(), by=world.edu_clerk, record=record)  # negative information needs its evidence
    services.submit_record(record, by=world.edu_clerk)
    with pytest.raises(PermissionDenied):
        services.publish_record(record, by=world.edu_clerk)
    published = services.publish_record(record, by=world.edu_reviewer)
    assert published.state == CreditRecord.State.PUBLISHED


def test_submit_setting_sends_rows_to_review_and_tells_the_subject(world) -> None:
    outcome = run(world, filled(world.teacher, [row(1)]), submit=True)
    record = CreditRecord.objects.get(pk=next(iter(outcome.record_ids.values())))
    # A negative row carries no evidence, so it waits as a draft: nothing is submitted
    # and the person is told when a clerk submits it with its evidence.
    assert record.is_negative
    assert record.state == CreditRecord.State.DRAFT
    assert record.notices.count() == 0


def test_a_clerk_of_another_department_cannot_import(world) -> None:
    with pytest.raises(PermissionDenied):
        run(world, filled(world.teacher, [row(1)]), by=world.health_clerk)
    assert not CreditRecord.objects.filter(source=CreditRecord.Source.EXCEL).exists()


def test_a_reviewer_cannot_import(world) -> None:
    with pytest.raises(PermissionDenied):
        run(world, filled(world.teacher, [row(1)]), by=world.edu_reviewer)


BAD_ROWS = [
    ("id_number", {"id_number": 110105198506150011}, "id_number_as_number"),
    ("occurred_on", {"occurred_on": "2026-01-05"}, "date_as_text"),
    ("occurred_on", {"occurred_on": 46000}, "date_as_number"),
    ("category", {"category": "不存在的类别"}, "unknown_category"),
    ("severity", {"severity": ""}, "invalid"),
    ("name", {"name": ""}, "required"),
    ("id_number", {"id_number": "110105198506150012"}, "invalid_id_number"),
    ("decided_on", {"occurred_on": date(2026, 3, 1), "decided_on": date(2026, 2, 1)}, "invalid"),
    # Past the 5-year retention (征信业管理条例 art. 16): the nightly purge would delete it.
    ("decided_on", {"occurred_on": date(2019, 1, 5), "decided_on": date(2019, 2, 1)}, "invalid"),
]


@pytest.mark.parametrize(("column", "change", "code"), BAD_ROWS)
def test_a_bad_cell_gets_a_message_and_nothing_is_written(world, column: str, change: dict, code: str) -> None:
    before = (Subject.objects.count(), CreditRecord.objects.count())

    def general_format(book, sheet) -> None:  # type: ignore[no-untyped-def]
        # A serial number pasted into a cell formatted "General" (not the template's date format).
        sheet["M3"].number_format = "General"

    outcome = run(world, filled(world.teacher, [row(1), row(2, **change)],
                                 tweak=general_format if code == "date_as_number" else None))
    assert outcome.created == 0
    assert not outcome.written
    (bad,) = outcome.refused
    assert bad.number == 3
    assert [(e.column, e.code) for e in bad.errors][:1] == [(column, code)]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e.message) for e in bad.errors)  # Chinese message
    assert (Subject.objects.count(), CreditRecord.objects.count()) == before


def test_duplicate_rows_in_one_file_are_refused(world) -> None:
    outcome = run(world, filled(world.teacher, [row(1), row(1)]))
    (bad,) = outcome.refused
    assert bad.errors[0].code == "duplicate_row"
    assert "2" in bad.errors[0].message
    assert outcome.created == 0


def test_accept_valid_rows_writes_the_good_ones_and_reports_the_rest(world) -> None:
    outcome = run(world, filled(world.teacher, [row(1), row(2, category="不存在")]), mode="valid")
    assert outcome.created == 1
    assert len(outcome.refused) == 1
    report = load_workbook(BytesIO(error_report(outcome.rows, occupation=world.teacher, skipped=set(),
                                                written=True)))
    sheet = report.worksheets[0]
    assert sheet.freeze_panes == "A2"
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][-1] == "错误说明"
    assert values[1][-1] == "已导入。"
    assert "类别" in values[2][-1]
    assert values[1][12].date() == f.lately(60)["occurred_on"]  # dates stay dates


def test_name_must_match_the_registered_person(world) -> None:
    number = world.subject.id_number
    outcome = run(world, filled(world.teacher, [row(1, id_number=number, name="别人")]))
    assert outcome.refused[0].errors[0].code == "name_mismatch"


def test_existing_archive_is_reused(world) -> None:
    number = world.subject.id_number
    outcome = run(world, filled(world.teacher, [row(1, id_number=number, name=world.subject.name)]))
    assert outcome.created == 1
    assert CreditRecord.objects.get(pk=outcome.record_ids[2]).archive_id == world.archive.pk


def test_a_large_file_is_checked_in_a_pool_with_the_same_outcome(world, settings, monkeypatch) -> None:
    """Past INTAKE_POOL_FROM_ROWS the rows are typed and checked in forked workers: the
    same refusals, messages and rows written as in the importing process."""
    rows = [row(i) for i in range(1, 6)] + [row(6, category="不存在的类别"), row(7, occurred_on="2026-01-05")]
    data = filled(world.teacher, rows)

    def outcome_of(pool: bool, mode: str):  # type: ignore[no-untyped-def]
        settings.INTAKE_POOL_FROM_ROWS = 1 if pool else 10**9
        settings.INTAKE_WORKERS = 2
        monkeypatch.setattr(importer, "POOL_CHUNK", 2)
        started = []
        real_pool = importer.multiprocessing.get_context("fork").Pool

        class Spy:
            def Pool(self, n: int):  # type: ignore[no-untyped-def]  # noqa: N802 - multiprocessing's name
                started.append(n)
                return real_pool(n)

        monkeypatch.setattr(importer.multiprocessing, "get_context", lambda _kind: Spy())
        sheet, _code = reader.open_rows(data, occupation=world.teacher)
        outcome = importer.import_cells(sheet.rows, department=world.education, choices=choices_for(world.teacher),
                                        by=world.edu_clerk, mode=mode)
        assert bool(started) == pool
        return outcome

    inline, pooled = outcome_of(False, "all"), outcome_of(True, "all")
    assert [(r.number, [(e.column, e.code, e.message) for e in r.errors]) for r in pooled.refused] == \
        [(r.number, [(e.column, e.code, e.message) for e in r.errors]) for r in inline.refused]
    assert [r.number for r in pooled.refused] == [7, 8]
    assert not pooled.written
    written = outcome_of(True, "valid")
    assert written.created == 5
    assert CreditRecord.objects.filter(pk__in=written.record_ids.values(), source=CreditRecord.Source.EXCEL).count() == 5


def test_rows_checked_in_a_pool_worker_come_back_with_their_cells(world) -> None:
    """A pool worker does not send the cells back (the importing process holds them); the
    rows get them again, as ``parse_cells`` keeps them, so the error report shows them."""
    from archives.intake.importer import checks

    sheet, _code = reader.open_rows(
        filled(world.teacher, [row(1), row(2, category="不存在的类别")]), occupation=world.teacher
    )
    chunk = [(number, cells[:-1]) for number, cells in sheet.rows]  # a short row is padded as parse_cells pads it
    choices = choices_for(world.teacher)
    checks.set_checker(checks.Checker.for_import(choices=choices, department=world.education, key_of=None,
                                                 encrypt=False))
    try:
        sent = checks.check_chunk(chunk, keep_raw=False)
        assert [r.raw for r in sent] == [[], []]
        back = checks.with_raw(sent, chunk)
    finally:
        checks.set_checker(None)
    assert [r.raw for r in back] == [parse_cells(number, cells, choices).raw for number, cells in chunk]
    assert back[0].raw[-1] is None
    assert back[1].errors[0].code == "unknown_category"


def test_a_pool_worker_sends_back_only_the_polarity_of_content_already_made_copy_text(world) -> None:
    """Where the record's COPY text is made in the worker (PostgreSQL), the writer reads
    only the polarity of the typed content, so only that travels back."""
    from archives.intake.importer import checks

    sheet, _code = reader.open_rows(filled(world.teacher, [row(1)]), occupation=world.teacher)
    chunk = list(sheet.rows)
    choices = choices_for(world.teacher)
    checks.set_checker(checks.Checker.for_import(choices=choices, department=world.education, key_of=None,
                                                 encrypt=True))
    try:
        (kept,) = checks.check_chunk(chunk)
        (sent,) = checks.check_chunk(chunk, keep_raw=False)
    finally:
        checks.set_checker(None)
    assert kept.cleaned["title"] == "违规记录1"
    assert sent.cleaned == {"polarity": "negative"}
    assert sent.person["_record_copy"].split("\t")[1:] == kept.person["_record_copy"].split("\t")[1:]  # but the lineage
