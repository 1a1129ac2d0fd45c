"""A large synthetic data set for benchmarks (DESIGN §12).

    python manage.py generate_demo_data --subjects 1000000 [--workers 2]

It lives in ``repair``, the top of the app layering (tests/test_layering.py), because it
fills the tables of every app: archives, disclosure and repair.

Per person: a subject (ID number and phone SM4-encrypted, blind index), one archive
(teachers of 教育局 and doctors of 卫健委, alternating), eleven record rows in every
state and severity (a corrected first version with its published correction among
them), a signed yearly finding; one person in ten authorized the benchmark institution
and was queried once; one in a hundred objected to a record and another one in a
hundred applied for credit repair. Public list entries follow from the records: one
person in twenty has a serious record on the dishonesty list, everyone has honours.

Rows are built in a process pool (``repair.synthetic``) and, on PostgreSQL, streamed
with COPY; for large runs the secondary indexes and unique constraints of the loaded
tables are dropped first and built once after the load, and foreign-key triggers are
skipped (the rows are consistent by construction). SQLite takes the same rows through
``executemany`` (slower; meant for small N). No audit entries or outbox events: this is
load for measuring pages, not history. Safe after ``load_demo_data`` (synthetic people
live in another region code) and after earlier runs (numbering continues). Prints
progress and the rate.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections, transaction
from django.utils import timezone
from stdnum.cn import uscc

from archives.models import DisplayRule, Subject
from credit_portal import bulkload
from credit_portal.demo import refuse_in_production
from credit_portal.models import User
from departments.models import Department, Occupation, RecordCategory
from disclosure.models import Institution
from repair import synthetic

CHUNK = 2000
# From this many people on, dropping and rebuilding the indexes beats maintaining them.
REBUILD_FROM = 50_000
LOADER_USERNAME = "synthetic_loader"
INSTITUTION_CODE_BODY = "91110108MA0HCB001"  # + check character


class Command(BaseCommand):
    help = "Load synthetic people with archives, records, findings, authorizations and cases for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--subjects", type=int, default=1000, help="How many people to create.")
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="Row-building processes.")
        parser.add_argument(
            "--rebuild-indexes", choices=("auto", "yes", "no"), default="auto",
            help=f"PostgreSQL: drop secondary indexes before the load and build them after (auto: from {REBUILD_FROM:,} people).",
        )

    def handle(self, *args: Any, subjects: int, workers: int, rebuild_indexes: str, **options: Any) -> None:
        try:
            refuse_in_production()
        except Exception as exc:  # noqa: BLE001 - ImproperlyConfigured, shown as a command error
            raise CommandError(str(exc)) from None
        if subjects < 1 or subjects > synthetic.CAPACITY:
            raise CommandError(f"--subjects must be between 1 and {synthetic.CAPACITY}.")
        ctx = self._context()
        author = ctx.author_id
        start = Subject.objects.filter(created_by_id=author).count()  # continue after earlier runs
        if start + subjects > synthetic.CAPACITY:
            raise CommandError("Not enough distinct synthetic ID numbers left.")
        postgres = connection.vendor == "postgresql"
        ctx = replace(ctx, postgres=postgres, first_person=start, bases=bulkload.reserve_ids(synthetic.reserved_ids(subjects)),
                      extras=_extra_columns(postgres))
        rebuild = postgres and (rebuild_indexes == "yes" or (rebuild_indexes == "auto" and subjects >= REBUILD_FROM))
        began = time.perf_counter()
        dropped: list[tuple[str, str]] = []
        if rebuild:
            dropped = self._drop_indexes()
            self.stdout.write(f"dropped {len(dropped)} secondary indexes; they are built after the load")
        try:
            rows = self._load(ctx, subjects, max(1, workers), began)
        finally:
            if dropped:
                self._rebuild(dropped)
        if postgres:
            with connection.cursor() as cursor:
                for table in synthetic.COLUMNS:
                    cursor.execute(f"ANALYZE {table}")
        elapsed = time.perf_counter() - began
        self.stdout.write(
            f"Created {subjects} subjects and {rows:,} rows in {elapsed:.1f} s: "
            f"{subjects / elapsed:,.0f} subjects/s ({rows / elapsed:,.0f} rows/s)."
        )

    # --- setup ---------------------------------------------------------------------------

    def _context(self) -> synthetic.Context:
        targets = []
        for occupation_code, department_code in (("teacher", "education"), ("doctor", "health")):
            try:
                targets.append((Occupation.objects.get(code=occupation_code).pk, Department.objects.get(code=department_code).pk))
            except (Occupation.DoesNotExist, Department.DoesNotExist):
                raise CommandError("The catalogue is missing: run `manage.py migrate` first.") from None
        categories = dict(RecordCategory.objects.values_list("code", "id"))
        needed = {"rewards-penalties", "public-interest", "social-service", "violations", "complaints", "training"}
        if not needed <= set(categories):
            raise CommandError("The catalogue is missing: run `manage.py migrate` first.")
        author, _ = User.objects.get_or_create(username=LOADER_USERNAME, defaults={"full_name": "合成数据装载"})
        if author.has_usable_password():
            author.set_unusable_password()
            author.save(update_fields=["password"])
        institution, _ = Institution.objects.get_or_create(
            credit_code=INSTITUTION_CODE_BODY + uscc.calc_check_digit(INSTITUTION_CODE_BODY),
            defaults={"name": "示范市合成查询机构", "created_by": author},
        )
        return synthetic.Context(
            postgres=False, today=timezone.localdate(), now=timezone.now(), author_id=author.pk,
            institution_id=institution.pk, targets=tuple(targets), categories=categories,
            max_months=dict(DisplayRule.objects.values_list("tier", "max_months")),
        )

    # --- the load ------------------------------------------------------------------------

    def _load(self, ctx: synthetic.Context, subjects: int, workers: int, began: float) -> int:
        chunks = [(offset, min(CHUNK, subjects - offset)) for offset in range(0, subjects, CHUNK)]
        rows = 0
        done = 0
        last_report = began
        # A pool forks: the children must not share the parent's database socket, so the
        # connection is closed first, which only a caller outside a transaction allows.
        if workers > 1 and len(chunks) > 1 and not connection.in_atomic_block:
            connections.close_all()
            pool = multiprocessing.get_context("fork").Pool(workers)
            results = _bounded(pool, ctx, chunks, ahead=2 * workers)
        else:
            pool = None
            results = (synthetic.build_chunk(ctx, offset, size) for offset, size in chunks)
        try:
            with connection.cursor() as cursor:
                if ctx.postgres:
                    cursor.execute("SET synchronous_commit TO off")
                    try:
                        # Skips the per-row foreign-key triggers (superuser only; the rows
                        # reference ids reserved or read above, so they are consistent).
                        with transaction.atomic():
                            cursor.execute("SET session_replication_role TO replica")
                    except Exception:  # noqa: BLE001 - not a superuser: keep the checks
                        self.stdout.write("foreign-key checks stay on (not a superuser)")
                for (_offset, size), tables in zip(chunks, results, strict=True):
                    with transaction.atomic():
                        for table in synthetic.COLUMNS:  # parents before children
                            if table in tables:
                                rows += self._write(cursor, table, tables[table], ctx.extras.get(table, ((), ()))[0])
                    done += size
                    now = time.perf_counter()
                    if now - last_report > 10 or done == subjects:
                        last_report = now
                        rate = done / (now - began)
                        self.stdout.write(
                            f"  {done:,}/{subjects:,} people, {rows:,} rows, {rate:,.0f} people/s, "
                            f"about {(subjects - done) / rate:,.0f} s left"
                        )
                        sys.stdout.flush()
                if ctx.postgres:
                    cursor.execute("SET session_replication_role TO DEFAULT")
        finally:
            if pool is not None:
                pool.terminate()
        return rows

    def _write(self, cursor: Any, table: str, data: object, extras: tuple[str, ...] = ()) -> int:
        return bulkload.write_rows(cursor, table, synthetic.COLUMNS[table] + extras, data)

    # --- indexes (PostgreSQL) ------------------------------------------------------------

    def _drop_indexes(self) -> list[tuple[str, str]]:
        """Drop every index of the loaded tables except primary keys; returns how to
        rebuild each: ``("constraint", "ALTER TABLE … ADD CONSTRAINT …")`` or an index definition."""
        dropped = []
        with connection.cursor() as cursor:
            for table in synthetic.COLUMNS:
                cursor.execute(
                    """
                    SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname,
                           pg_get_constraintdef(c.oid)
                      FROM pg_index i
                      LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
                                               AND c.contype IN ('u', 'x')
                     WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
                    """,
                    [table],
                )
                for index, definition, constraint, constraint_def in cursor.fetchall():
                    if constraint:
                        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
                        dropped.append((index, f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {constraint_def}'))
                    else:
                        cursor.execute(f"DROP INDEX {index}")
                        dropped.append((index, definition))
        return dropped

    def _rebuild(self, dropped: list[tuple[str, str]]) -> None:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem TO '512MB'")
            for index, statement in dropped:
                cursor.execute(statement)
                self.stdout.write(f"  built {index} ({time.perf_counter() - started:,.0f} s)")
        self.stdout.write(f"built {len(dropped)} indexes in {time.perf_counter() - started:,.1f} s")


def _extra_columns(postgres: bool) -> dict[str, tuple[tuple[str, ...], tuple[object, ...]]]:
    """For each loaded table, the columns its model has beyond the builders' list (an app
    may add one with a default after this loader was written), with those defaults."""
    extras = {}
    for table, named in synthetic.COLUMNS.items():
        columns = bulkload.default_columns(table, named, postgres=postgres)
        if columns[0]:
            extras[table] = columns
    return extras


def _bounded(pool: Any, ctx: synthetic.Context, chunks: list[tuple[int, int]], *, ahead: int) -> Iterator[dict[str, object]]:
    """Chunks in order, at most ``ahead`` built and not yet written (``imap`` would
    buffer every finished chunk in memory when the database is the slower side)."""
    pending: deque[Any] = deque()
    for offset, size in chunks:
        pending.append(pool.apply_async(synthetic.build_chunk, (ctx, offset, size)))
        if len(pending) >= ahead:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()
