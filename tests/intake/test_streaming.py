"""An import is matched and written chunk by chunk, in one transaction (on PostgreSQL the
COPY of a chunk runs while the next chunk is checked): the outcome is the one of the
whole file at once, all-or-nothing still writes nothing, and rows sent to review enter
the review queue of the archive's department."""

from __future__ import annotations

import pytest
from django.db import transaction

from archives import selectors
from archives.intake import importer
from archives.models import Archive, CreditRecord, Subject
from credit_portal import generations
from credit_portal.models import AuditEntry
from tests.intake.conftest import filled, row
from tests.intake.test_importer import run

pytestmark = pytest.mark.django_db


def _rows(world) -> list[list[object]]:  # type: ignore[no-untyped-def]
    first = row(1)
    return [
        first,
        row(2),
        list(first),  # the same record again: a duplicate of the first row
        row(3, title="同一人的第二条记录", decision_number="示教〔2026〕301号", id_number=first[1], name=first[0]),
        row(4, category="不存在的类别"),
        row(5, id_number=first[1], name="别的名字", title="又一条", decision_number="示教〔2026〕501号"),
        row(6, id_number=world.subject.id_number, name=world.subject.name),
        row(7),
    ]


def _summary(outcome, before: tuple[int, int, int]) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    made = (Subject.objects.count() - before[0], Archive.objects.count() - before[1],
            CreditRecord.objects.count() - before[2])
    return (
        outcome.created,
        outcome.skipped,
        sorted(outcome.record_ids),
        [(r.number, [e.code for e in r.errors]) for r in outcome.refused],
        made,
    )


def _counts() -> tuple[int, int, int]:
    return Subject.objects.count(), Archive.objects.count(), CreditRecord.objects.count()


def test_chunks_give_the_outcome_of_the_whole_file(world, monkeypatch) -> None:
    data = filled(world.teacher, _rows(world))
    with transaction.atomic():
        before = _counts()
        whole = _summary(run(world, data, mode="valid"), before)
        transaction.set_rollback(True)
    monkeypatch.setattr(importer, "STREAM_ROWS", 2)
    before = _counts()
    chunked = _summary(run(world, data, mode="valid"), before)
    assert chunked == whole
    # Rows 2, 3, 5, 8, 9 written: three new people (the first, row(2), row(7)) and the
    # registered one; the first person's second record (in a later chunk) joins their archive.
    assert chunked[0] == 5
    assert chunked[3] == [(4, ["duplicate_row"]), (6, ["unknown_category"]), (7, ["name_mismatch"])]
    assert chunked[4] == (3, 3, 5)
    again = run(world, data, mode="valid")
    # Re-upload: every written row is found by its natural key (and the duplicate's key with it).
    assert (again.created, again.skipped) == (0, 6)


def test_all_or_nothing_rolls_back_chunks_written_before_a_refused_row(world, monkeypatch) -> None:
    monkeypatch.setattr(importer, "STREAM_ROWS", 2)
    before, audit_entries = _counts(), AuditEntry.objects.count()
    outcome = run(world, filled(world.teacher, [row(1), row(2), row(3), row(4), row(5, category="不存在的类别")]))
    assert not outcome.written
    assert [r.number for r in outcome.refused] == [6]
    assert outcome.created == 0
    assert _counts() == before
    assert AuditEntry.objects.count() == audit_entries


def test_rows_sent_to_review_enter_the_departments_review_queue(world, django_capture_on_commit_callbacks) -> None:
    cached = generations.current("review-queue")
    positive = row(1, polarity="正面", severity="", category=world.basic.name, is_penalty="")
    registered = row(2, polarity="正面", severity="", category=world.basic.name, is_penalty="",
                     id_number=world.subject.id_number, name=world.subject.name)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = run(world, filled(world.teacher, [positive, registered]), submit=True)
    assert generations.current("review-queue") != cached  # the cached queue page is stale now
    records = CreditRecord.objects.filter(pk__in=outcome.record_ids.values())
    assert {(r.state, r.review_department_id, r.review_occupation_id) for r in records} == {
        (CreditRecord.State.SUBMITTED, world.education.pk, world.teacher.pk)
    }
    queue = set(selectors.review_queue(world.edu_reviewer, limit=50).values_list("pk", flat=True))
    assert set(outcome.record_ids.values()) <= queue
    other = set(selectors.review_queue(world.health_reviewer, limit=50).values_list("pk", flat=True))
    assert not set(outcome.record_ids.values()) & other  # not another department's reviewer's
