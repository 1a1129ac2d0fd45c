"""Excel import benchmark: prints figures, asserts nothing.

Writes a filled-in template of N rows (new people, one negative record each), then in
the same run measures python-calamine's raw read of that file (the floor: no checks,
no database) and the import end to end through the upload job: file checks, read,
typing and validation of every cell by the web form's rules (in a process pool),
ID number checks, subject registration with SM4 encryption and blind indexes,
archives and records (with their natural keys) written with COPY on PostgreSQL, the batch's audit
entry — one transaction. Drafts emit no outbox event (only publication does); the
outbox rows the import wrote are counted to show it. Prints the machine's load
average before and after: on a shared host the ratio to the calamine read is the
figure to compare.

Uses PostgreSQL when DATABASE_URL is set (a scratch database ``<name>_bench`` beside
it, dropped afterwards), else a temporary SQLite file.

    make bench                      # or: .venv/bin/python bench/import_bench.py --rows 20000
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import _scratch_database, _setup_django  # noqa: E402


def build_file(rows: int) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from archives.intake.columns import COLUMNS, META_SHEET, TEMPLATE_MARK, TEMPLATE_VERSION, header_text
    from archives.intake.workbook import records_sheet_title
    from departments.models import RecordCategory
    from repair.synthetic import person_number

    category = RecordCategory.objects.get(code="violations").name
    book = Workbook(write_only=True)
    sheet = book.create_sheet(records_sheet_title())
    sheet.append([header_text(c) for c in COLUMNS])
    decided = date(2025, 6, 1)
    for i in range(rows):
        number = WriteOnlyCell(sheet, value=person_number(i))
        number.data_type = "s"
        occurred = WriteOnlyCell(sheet, value=decided - timedelta(days=i % 200))
        occurred.number_format = "yyyy-mm-dd"
        when = WriteOnlyCell(sheet, value=decided)
        when.number_format = "yyyy-mm-dd"
        sheet.append(
            [
                f"基准{i:07d}",
                number,
                None,
                "基准单位",
                None,
                category,
                "负面",
                "一般",
                f"基准记录{i}",
                None,
                f"基准〔2025〕{i}号",
                "基准机关",
                occurred,
                when,
                None,
                "否",
            ]
        )
    meta = book.create_sheet(META_SHEET)
    for value in (TEMPLATE_MARK, TEMPLATE_VERSION, "teacher", "教师"):
        meta.append([value])
    meta.sheet_state = "veryHidden"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="INTAKE_WORKERS for the run (1: every check in the importing process, as for profiling)",
    )
    parser.add_argument("--file-only", action="store_true", help="write (and keep) the file, import nothing")
    parser.add_argument(
        "--keep-database", action="store_true", help="keep the scratch PostgreSQL database afterwards (to inspect it)"
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="credit-portal-import-bench-"))
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env["CELERY_TASK_ALWAYS_EAGER"] = "true"
    env, drop = _scratch_database(env, tmp)
    try:
        _run(env, args.rows, workers=args.workers, file_only=args.file_only)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep_database and env.get("DATABASE_URL", "").startswith("postgres"):
            print(f"scratch database kept: {env['DATABASE_URL'].rsplit('/', 1)[1]}")
        else:
            drop()
        shutil.rmtree(tmp, ignore_errors=True)  # the SQLite file, or nothing on PostgreSQL


def _run(env: dict[str, str], rows: int, *, workers: int = 0, file_only: bool = False) -> None:

    _setup_django(env)
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import translation

    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} CPUs")
    engine = "PostgreSQL" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "SQLite"
    print(f"database: {engine} (scratch), rows: {rows:,}")
    call_command("migrate", verbosity=0)
    settings.INTAKE_MAX_ROWS = max(rows, 100_000)
    if workers:
        settings.INTAKE_WORKERS = workers
    translation.activate("zh-hans")
    import python_calamine

    from archives.intake import jobs
    from archives.intake.columns import TEMPLATE_VERSION
    from archives.intake.models import ImportJob
    from archives.models import CreditRecord
    from credit_portal.models import AuditEntry
    from departments.models import Department, Membership, Occupation
    from exchange.models import OutboxEvent
    from tests import factories

    # Writing the file with openpyxl takes longer than importing it: it is made once per
    # size and template version and reused by later runs.
    cached = Path(tempfile.gettempdir()) / f"credit-portal-import-bench-v{TEMPLATE_VERSION}-{rows}.xlsx"
    started = time.monotonic()
    if cached.exists():
        data = cached.read_bytes()
        print(f"file reused: {cached} ({len(data) / 1024 / 1024:.1f} MiB)")
    else:
        data = build_file(rows)
        cached.write_bytes(data)
        print(f"file written: {len(data) / 1024 / 1024:.1f} MiB in {time.monotonic() - started:.1f} s")
    if file_only:
        return

    def raw_read() -> tuple[int, float]:
        started = time.monotonic()
        book = python_calamine.CalamineWorkbook.from_filelike(BytesIO(data))
        return sum(1 for _ in book.get_sheet_by_name("记录").iter_rows()) - 1, time.monotonic() - started

    read, raw_before = raw_read()
    if os.environ.get("IMPORT_BENCH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()

    department = Department.objects.get(code="education")
    clerk = factories.make_user("bench_clerk")
    Membership.objects.create(user=clerk, department=department, role=Membership.Role.CLERK)
    audit_before = AuditEntry.objects.count()
    outbox_before = OutboxEvent.objects.count()
    # When each phase first reported progress (the bar's phases, ``jobs.PHASES``).
    marks: dict[str, float] = {}
    progress = jobs._progress

    def timed(job_id: object):  # type: ignore[no-untyped-def]
        report = progress(job_id)

        def mark(phase: str, done: int, total: int) -> None:
            marks.setdefault(phase, time.monotonic())
            report(phase, done, total)

        return mark

    jobs._progress = timed
    database = _DatabaseSteps()
    server = _server_cpu()
    started, cpu, children = time.monotonic(), time.process_time(), os.times()
    job = jobs.start_job(
        data=data,
        filename="bench.xlsx",
        department=department,
        occupation=Occupation.objects.get(code="teacher"),
        by=clerk,
        mode="all",
    )
    job.refresh_from_db()
    if job.state == ImportJob.State.PENDING:  # not eager: run it here
        jobs.run_job(str(job.pk))
        job.refresh_from_db()
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
    ended = time.monotonic()
    server = _server_cpu() - server if server is not None else None
    jobs._progress = progress
    database.stop()
    workers = (os.times().children_user + os.times().children_system) - (
        children.children_user + children.children_system
    )
    created = CreditRecord.objects.filter(source=CreditRecord.Source.EXCEL).count()
    if os.environ.get("IMPORT_BENCH_PROFILE"):
        profiler.disable()
        profiler.dump_stats(os.environ["IMPORT_BENCH_PROFILE"])
    audit_rows = AuditEntry.objects.count() - audit_before
    outbox_rows = OutboxEvent.objects.count() - outbox_before
    # The raw read is taken before and after the import; the load changes meanwhile.
    _read, raw_after = raw_read()
    raw = (raw_before + raw_after) / 2
    print(
        f"python-calamine raw read of the same file: {read:,} rows in {raw_before:.2f} s before the import, "
        f"{raw_after:.2f} s after = {read / raw:,.0f} rows/s (mean)"
    )
    print(
        f"import end to end (upload job, one transaction): {created:,} records, {audit_rows:,} audit entries, "
        f"{outbox_rows:,} outbox events, in {elapsed:.1f} s = {created / elapsed:,.0f} rows/s "
        f"({job.get_state_display()}, {job.error_count} refused); {created / elapsed / (read / raw):.0%} of the raw read"
    )
    # On a shared machine the wall clock includes waiting for the CPU; this process's own
    # CPU time (the database server's is not in it) shows what the Python side costs.
    print(
        f"  CPU time: this process {cpu:.1f} s, pool workers {workers:.1f} s = "
        f"{created / (cpu + workers):,.0f} rows per CPU-second (the database server's not included)"
    )
    if server is not None:
        print(f"  database server (this connection's backend): {server:.1f} s CPU")
    names = [phase for phase in ("reading", "checking", "matching", "writing") if phase in marks]
    times = [marks[phase] for phase in names] + [ended]
    print(
        "  wall time from each phase's first progress report to the next (the phases overlap: "
        "chunks are written while later rows are checked): "
        + ", ".join(
            f"{phase} {later - earlier:.1f} s" for phase, earlier, later in zip(names, times, times[1:], strict=False)
        )
        + " (the last includes the rest of the import and the commit)"
    )
    if database.steps:
        print(
            "  database steps (wall / backend CPU): "
            + ", ".join(f"{name} {wall:.1f} s / {cpu:.1f} s" for name, wall, cpu in database.steps)
        )
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if created != rows:
        print("WARNING: not every row was imported")
        sys.exit(1)


class _DatabaseSteps:
    """Times the commit of an import that wrote with COPY, in wall time and in the
    backend's CPU time. The COPYs themselves run on a thread while later rows are checked
    (``archives.intake.importer.copying``), with their foreign-key checks, so they are in
    the backend's total, not timed one by one."""

    def __init__(self) -> None:
        from django.db import connections

        from archives.intake.importer import copying

        self.steps: list[tuple[str, float, float]] = []
        self._copying, self._put = copying, copying.CopyThread.put
        self._db = connections["default"]
        self._commit = self._db.commit
        self._copied = False

        def put(thread, statements):  # type: ignore[no-untyped-def]
            self._copied = True
            return self._put(thread, statements)

        def commit():  # type: ignore[no-untyped-def]
            if not self._copied:
                return self._commit()
            self._copied = False
            with self._step("commit"):
                return self._commit()

        copying.CopyThread.put = put
        self._db.commit = commit

    @contextlib.contextmanager
    def _step(self, name: str) -> Iterator[None]:
        wall, cpu = time.monotonic(), _server_cpu() or 0.0
        yield
        wall, cpu = time.monotonic() - wall, (_server_cpu() or 0.0) - cpu
        if self.steps and self.steps[-1][0] == name:  # one table's COPY in several statements
            _name, earlier_wall, earlier_cpu = self.steps.pop()
            wall, cpu = wall + earlier_wall, cpu + earlier_cpu
        self.steps.append((name, wall, cpu))

    def stop(self) -> None:
        self._copying.CopyThread.put = self._put
        del self._db.commit


_BACKEND: dict[int, int] = {}  # the backend's process id per open connection


def _server_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend so far, when the server runs on
    this host (``/proc``); None otherwise."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    pid = _BACKEND.get(id(connection.connection))
    if pid is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = _BACKEND[id(connection.connection)] = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
