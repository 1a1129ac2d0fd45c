"""The intake service: validated rows become subjects, archives and draft records.

Two entry points share one path: ``import_cells`` for a sheet's raw cells (the Excel
upload and ``manage.py import_records``) and ``import_rows`` for rows already typed
(the department-system API). The rules are the web form's: every cell is typed by
``archives.intake.rows``, the ID number checked by python-stdnum
(``archives.validators``), record content by
``archives.services.records.validate_record_content`` (the function behind
``draft_record``), and the uploader must be a clerk of a department responsible for
the occupation in the catalogue (000 §二; ``open_archive``'s rule). Rows land as drafts
written by the uploader, so four eyes holds as for any record: ``publish_record``
refuses anyone who created or edited the record (``permissions.is_author`` reads
``created_by``), so another reviewer publishes it (DESIGN §5). When the department
(or the command's ``--submit``) sends imported rows straight to review, rows that are
not negative land submitted; negative ones stay drafts until a clerk attaches the
evidence and submits them, which also tells the person (《征信业管理条例》 art. 15).

Scale (100,000 rows a file): the checks that need no database (typing, the ID
number, the record content, blind indexes, the natural key and, on PostgreSQL, the
SM4 encryption of new people's ID numbers and phones) run in a process pool for large
files; the database is asked in bulk (people by blind index, archives, keys imported
before, one query per table and chunk of 10,000 rows), never per row. Rows are matched
and written chunk by chunk: on PostgreSQL with COPY (``credit_portal.bulkload``'s
format, ids taken from the sequences) on a thread while the next chunk is checked; on
SQLite with ``bulk_create``. One transaction: the whole job or nothing ("a job never
half-writes"). With ``mode=all`` any refused row stops the writing and rolls back what
was written; with ``mode=valid`` the valid rows are written and the others reported.

The package by subject: ``checks`` (one row without the database, also in pool
workers), ``matching`` (each chunk against the file so far and the database),
``writing`` (COPY or ``bulk_create``, the audit entry), ``copying`` (the COPY thread) and
``outcome`` (what an import produces); this module runs them.

Audit: one entry for the batch (``intake.batch.imported``, naming the job and how
many people, archives and records it wrote and how many went to review) instead of one
per row; the records themselves carry who wrote them (``created_by``), which is what
four eyes reads. Outbox: drafts and records awaiting review emit no event (only
publication does, ``archives.events``), so an import writes none; the record events
follow when a reviewer publishes each record.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, models, transaction
from django.utils.translation import gettext as _

from archives.intake import conf, permissions
from archives.intake.catalogue import Choices
from archives.intake.importer import checks
from archives.intake.importer.checks import row_key
from archives.intake.importer.matching import Matcher
from archives.intake.importer.outcome import CHUNK, ImportConflict, Outcome, Progress
from archives.intake.importer.writing import Writer
from archives.intake.rows import ParsedRow
from archives.models import CreditRecord
from departments.models import Department, OccupationDepartment

if TYPE_CHECKING:
    from credit_portal.models import User

__all__ = [
    "CHUNK",
    "ImportConflict",
    "Outcome",
    "Progress",
    "check_may_import",
    "import_cells",
    "import_rows",
    "row_key",
]

POOL_CHUNK = 2000  # rows a pool worker checks at a time
# Chunks the pool may have in hand: the workers go on checking while the importing
# process waits for a chunk's COPY before its look-ups.
POOL_AHEAD = 8


def check_may_import(*, department: Department, occupation_id: int, by: User) -> None:
    """A clerk of ``department``, which the catalogue makes responsible for the occupation."""
    if not permissions.can_import_for(by, department.id):
        raise PermissionDenied(_("Only a clerk of the department imports its records."))
    if not OccupationDepartment.objects.filter(occupation_id=occupation_id, department=department).exists():
        raise PermissionDenied(_("Your department is not responsible for this occupation in the catalogue."))


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an import runs (reference counting
    still frees everything). An import keeps every row of the file alive until it is
    written, hundreds of thousands of small dicts and lists, and every collector pass
    walked all of them to find nothing to free (the rows hold no cycles): a third of the
    CPU of typing the cells and half of unpickling the pool's results. Pool workers forked
    meanwhile inherit the pause; the previous state is restored afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- checks without the database, in this process or in a pool of workers ---------------


def _workers() -> int:
    return conf.number("INTAKE_WORKERS") or os.cpu_count() or 1


def _checked_cells(
    cells: Iterable[tuple[int, list[object]]],
    checker: checks.Checker,
    *,
    progress: Progress | None,
    total_hint: int,
) -> Iterator[ParsedRow]:
    """Checked rows in sheet order. A large file is read here while a pool of workers
    (forked, so they inherit the checker) checks earlier chunks; a small one, or where
    no process can be started, is checked in this process."""
    checks.set_checker(checker)
    # Decided on the size the sheet declares or, where it declares none (or too few), on the
    # rows read: once the file is large enough, the rest goes to the pool. A declared size
    # starts the pool with the first chunk instead of checking the first rows here, in
    # series, before the workers start (a declared size too large only starts a pool).
    pool = None
    try_pool = _workers() > 1
    done = 0
    handed = False  # whether any checked row was handed on yet
    try:
        pending: deque[Any] = deque()
        chunk: list[tuple[int, list[object]]] = []
        for item in cells:
            chunk.append(item)
            if len(chunk) < POOL_CHUNK:
                continue
            if pool is None and try_pool and max(done + len(chunk), total_hint) >= conf.number("INTAKE_POOL_FROM_ROWS"):
                try_pool = False
                try:
                    # The workers never touch the database connection they inherit: they only compute.
                    pool = multiprocessing.get_context("fork").Pool(_workers())
                except (AssertionError, OSError, ValueError):  # a daemonic worker process may not have children
                    pool = None
            if pool is None:
                yield from checks.check_chunk(chunk)
                handed = True
            else:
                pending.append((chunk, pool.apply_async(checks.check_chunk, (chunk,), {"keep_raw": False})))
                # The first chunk is handed on as soon as a few are out (one per worker and one
                # more), so writing starts early; later the pool keeps more chunks in hand.
                ahead = max(2 * _workers(), POOL_AHEAD) if handed else _workers()
                while len(pending) > ahead:
                    sent, result = pending.popleft()
                    yield from checks.with_raw(result.get(), sent)
                    handed = True
            done += len(chunk)
            chunk = []
            if progress:
                progress("checking", done, max(total_hint, done))
        if pool is not None:
            if chunk:
                pending.append((chunk, pool.apply_async(checks.check_chunk, (chunk,), {"keep_raw": False})))
            while pending:
                sent, result = pending.popleft()
                yield from checks.with_raw(result.get(), sent)
        elif chunk:
            yield from checks.check_chunk(chunk)
    finally:
        checks.set_checker(None)
        if pool is not None:
            pool.terminate()


STREAM_ROWS = 10_000  # rows matched and handed to the writer at a time


class _NothingWritten(Exception):  # noqa: N818 - a signal to roll back, not an error
    """An all-or-nothing import found a refused row: roll back what was written."""


def _parts(rows: Iterable[ParsedRow], size: int) -> Iterator[list[ParsedRow]]:
    """``rows`` in parts of ``size``, the first one smaller (one pool chunk): the database
    starts writing as soon as the first rows are checked instead of after ``size`` of them."""
    part: list[ParsedRow] = []
    limit = min(size, POOL_CHUNK)
    for row in rows:
        part.append(row)
        if len(part) >= limit:
            yield part
            part = []
            limit = size
    if part:
        yield part


def _run(
    rows: Iterable[ParsedRow],
    *,
    department: Department,
    choices: Choices,
    by: User,
    mode: str,
    submit: bool,
    source: str,
    progress: Progress | None,
    total_hint: int,
    job: models.Model | None,
) -> Outcome:
    """Match and write checked ``rows`` chunk by chunk in one transaction: a chunk is
    written (on PostgreSQL by a thread, ``copying``) while the next is read, checked and
    matched. All-or-nothing holds by the transaction: once a row is refused with
    ``mode=all`` nothing more is written, the remaining rows are still checked for the
    error report, and everything written is rolled back; with ``mode=valid`` only the
    valid, new rows are written."""
    outcome = Outcome()
    matcher = Matcher(outcome, department=department, choices=choices)
    refused = False
    matched = 0
    try:
        with transaction.atomic():
            with Writer(
                matcher,
                department=department,
                choices=choices,
                by=by,
                source=source,
                submit=submit,
                progress=progress,
                total_hint=total_hint,
            ) as writer:
                for part in _parts(rows, STREAM_ROWS):
                    # The previous chunk's COPY ran while this chunk was read and checked;
                    # the look-ups need the connection to themselves.
                    writer.wait()
                    matcher.add(part)
                    matched += len(part)
                    if progress:
                        progress("matching", matched, max(total_hint, matched))
                    refused = refused or any(row.errors for row in part)
                    if refused and mode == "all":
                        continue  # nothing will be kept: check the rest for the report only
                    writer.add([row for row in part if not row.errors and row.number not in outcome.existing])
                outcome.skipped = len(outcome.existing)
                if refused and mode == "all":
                    raise _NothingWritten
                writer.finish(job=job)
    except _NothingWritten:
        return outcome
    except IntegrityError:
        raise ImportConflict(
            _(
                "Someone registered some of the same people or records at the same moment; nothing was written. "
                "Upload the file again."
            )
        ) from None
    outcome.created = len(writer.record_ids)
    outcome.record_ids = writer.record_ids
    outcome.written = True
    return outcome


@_without_cycle_collection()
def import_rows(
    rows: Iterable[ParsedRow],
    *,
    department: Department,
    choices: Choices,
    by: User,
    mode: str = "all",
    submit: bool = False,
    source: str = CreditRecord.Source.EXCEL,
    progress: Progress | None = None,
    total_hint: int = 0,
    keys: Callable[[ParsedRow], str] | None = None,
    job: models.Model | None = None,
) -> Outcome:
    """Check typed ``rows`` and write them (see the module's docstring). Callers: a clerk
    of ``department``. ``mode`` is ``all`` (any refused row: nothing written) or
    ``valid`` (write the valid rows). Raises ``PermissionDenied`` for a caller who may
    not import, ``ImportConflict`` when a concurrent writer got there first."""
    check_may_import(department=department, occupation_id=choices.occupation.pk, by=by)
    checker = checks.Checker.for_import(
        choices=choices, department=department, key_of=keys, encrypt=connection.vendor == "postgresql"
    )
    return _run(
        (checks.check_row(row, checker) for row in rows),
        department=department,
        choices=choices,
        by=by,
        mode=mode,
        submit=submit,
        source=source,
        progress=progress,
        total_hint=total_hint,
        job=job,
    )


@_without_cycle_collection()
def import_cells(
    cells: Iterable[tuple[int, list[object]]],
    *,
    department: Department,
    choices: Choices,
    by: User,
    mode: str = "all",
    submit: bool = False,
    source: str = CreditRecord.Source.EXCEL,
    progress: Progress | None = None,
    total_hint: int = 0,
    job: models.Model | None = None,
) -> Outcome:
    """``import_rows`` for a sheet's raw cells (``reader.open_rows``): typing and the
    checks that need no database run in a process pool when the file is large."""
    check_may_import(department=department, occupation_id=choices.occupation.pk, by=by)
    checker = checks.Checker.for_import(
        choices=choices, department=department, key_of=None, encrypt=connection.vendor == "postgresql"
    )
    return _run(
        _checked_cells(cells, checker, progress=progress, total_hint=total_hint),
        department=department,
        choices=choices,
        by=by,
        mode=mode,
        submit=submit,
        source=source,
        progress=progress,
        total_hint=total_hint,
        job=job,
    )
