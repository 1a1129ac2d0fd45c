"""The upload page's progress bar moves while an import runs, phase by phase, and only
forward (the import reports through ``jobs._progress``, which the page polls)."""

from __future__ import annotations

from django.core.cache import cache

from archives.intake import importer, jobs, reader
from archives.intake.catalogue import choices_for
from tests.intake.conftest import filled, row


def test_an_import_moves_the_progress_bar_through_every_phase(world, monkeypatch) -> None:
    # Report after every two rows instead of every few thousand, so seven rows move the bar.
    monkeypatch.setattr(importer, "POOL_CHUNK", 2)
    monkeypatch.setattr(importer, "STREAM_ROWS", 2)
    sheet, _code = reader.open_rows(filled(world.teacher, [row(i) for i in range(1, 8)]), occupation=world.teacher)
    bar = jobs._progress("job-moving")
    seen: list[tuple[str, int]] = []

    def report(phase: str, done: int, total: int) -> None:
        bar(phase, done, total)
        seen.append((phase, cache.get(jobs.progress_key("job-moving"))["percent"]))

    outcome = importer.import_cells(
        sheet.rows,
        department=world.education,
        choices=choices_for(world.teacher),
        by=world.edu_clerk,
        progress=report,
        total_hint=7,
    )
    assert outcome.created == 7
    percents = [percent for _phase, percent in seen]
    assert percents == sorted(percents)  # only forward
    assert [phase for phase in ("checking", "matching", "writing") if phase in dict(seen)] == [
        "checking",
        "matching",
        "writing",
    ]
    assert len(set(percents)) >= 5, seen  # it moves during the import, not only at the end
    assert percents[-1] < 100  # the job's end (not the import's) fills the bar
