"""Writing many rows at once: PostgreSQL COPY from prepared tuples, shared by the
synthetic benchmark loader (``repair.synthetic``, ``manage.py generate_demo_data``)
and the bulk intake (``archives.intake.importer``).

Rows are plain tuples in a fixed column order, formatted for one dialect by
``Format``: COPY's text format for PostgreSQL, Python values for SQLite's
``executemany``. Columns a caller does not name get the model's default
(``default_columns``), so a column another app adds later does not break the loaders.
Primary keys are reserved from the table's sequence first (``reserve_ids``), so rows
can reference each other before they are written.
"""

from __future__ import annotations

import io
import json
import os
import uuid
from datetime import date, datetime
from typing import Any

from django.db import connection

# COPY text format: backslash, tab, newline and carriage return must be escaped in
# values (https://www.postgresql.org/docs/current/sql-copy.html, "Text Format").
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def escape(value: str) -> str:
    """A text value for COPY's text format (text people typed may hold line breaks)."""
    return value.translate(_COPY_ESCAPES)


class Format:
    """Value formatting of one dialect."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres

    def b(self, value: bool) -> object:
        return ("t" if value else "f") if self.postgres else int(value)

    def u(self, value: uuid.UUID | None) -> object:
        if value is None:
            return None
        return str(value) if self.postgres else value.hex

    def ts(self, value: datetime | None) -> object:
        if value is None:
            return None
        # Django's SQLite backend stores naive UTC; PostgreSQL takes an offset.
        text = value.strftime("%Y-%m-%d %H:%M:%S.%f")
        return text + "+00" if self.postgres else text

    def d(self, value: date | None) -> object:
        return None if value is None else value.isoformat()


def copy_text(rows: list[tuple], *, escape: bool = False) -> str:
    """Rows in COPY's text format. ``escape``: values may hold backslashes, tabs or line
    breaks (text people typed); without it the caller guarantees they do not."""
    if escape:
        return "".join(
            "\t".join("\\N" if v is None else (v.translate(_COPY_ESCAPES) if isinstance(v, str) else str(v))
                      for v in row) + "\n"
            for row in rows
        )
    return "".join("\t".join("\\N" if v is None else str(v) for v in row) + "\n" for row in rows)


def format_default(value: object, *, postgres: bool) -> object:
    """A model default as the dialect's value (for ``default_columns``)."""
    f = Format(postgres)
    if value is None:
        return None
    if isinstance(value, bool):
        return f.b(value)
    if isinstance(value, datetime):
        return f.ts(value)
    if isinstance(value, date):
        return f.d(value)
    if isinstance(value, uuid.UUID):
        return f.u(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def copy_tail(table: str, named: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    """``default_columns`` for PostgreSQL as the text to append to each COPY line."""
    columns, values = default_columns(table, named, postgres=True)
    if not columns:
        return columns, ""
    return columns, "\t" + "\t".join("\\N" if v is None else escape(str(v)) for v in values)


def default_columns(table: str, named: tuple[str, ...], *, postgres: bool) -> tuple[tuple[str, ...], tuple[object, ...]]:
    """The columns of ``table``'s model beyond ``named`` (not the primary key), with
    their model defaults formatted for the dialect: appended to every row."""
    from django.apps import apps

    by_table = {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)}
    fields = [f for f in by_table[table]._meta.concrete_fields if f.column not in named and not f.primary_key]
    return (
        tuple(f.column for f in fields),
        tuple(format_default(f.get_default(), postgres=postgres) for f in fields),
    )


def reserve_ids(counts: dict[str, int]) -> dict[str, int]:
    """The first id of a contiguous range of ``counts[table]`` ids per table, taken from
    the table's sequence. Only for loaders that run alone (benchmark data): a writer
    taking an id in between would collide. Concurrent writers use ``take_ids``."""
    bases = {}
    with connection.cursor() as cursor:
        for table, count in counts.items():
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = cursor.fetchone()[0]
                cursor.execute("SELECT nextval(%s)", [sequence])
                base = cursor.fetchone()[0]
                cursor.execute("SELECT setval(%s, %s)", [sequence, base + count])
            else:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 - fixed names
                base = cursor.fetchone()[0]
            bases[table] = base
    return bases


def take_ids(table: str, count: int) -> list[int]:
    """``count`` ids from ``table``'s sequence (PostgreSQL), safe beside other writers:
    each ``nextval`` is atomic, so the ids are ours even when not contiguous."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        # The sequence is found once (OFFSET 0 keeps the planner from folding the subquery
        # into every row), not per id: ``pg_get_serial_sequence`` and the cast of its text to
        # a regclass, catalogue look-ups by name, took ≈ 85 % of the statement (200,000 ids:
        # 420 → 55 ms) and ≈ 4–5 % of an import's database CPU.
        cursor.execute(
            "SELECT nextval(s.seq) FROM (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq OFFSET 0) AS s,"
            " generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]


# Ids ``next_id`` took ahead, by table, with the process that took them (a forked process
# must not hand out its parent's).
_ahead: dict[str, tuple[int, list[int]]] = {}
_AHEAD = 64


def next_id(table: str) -> int:
    """One id for a new row of ``table`` (PostgreSQL), from ids this process took ahead,
    ``_AHEAD`` at a time, with ``take_ids``: one statement per 64 rows, so the row can be
    written in the same statement as rows that name it (``inserts.insert_together``). The
    ids are the sequence's, unique beside every other writer; rows of different processes
    are no longer numbered in the order they were written, so nothing may read order from
    such a table's ids (the query log orders by its time). Ids never used leave gaps, as
    rolled-back inserts do. A database restored from a backup while web processes run
    would give again ids they still hold (an INSERT then fails on the primary key, writing
    nothing; ``inserts.insert_together`` then drops the rest, ``forget_ids``): restart
    them after a restore (README, "Backups")."""
    pid = os.getpid()
    held = _ahead.get(table)
    if held is None or held[0] != pid:
        held = _ahead[table] = (pid, [])
    if not held[1]:
        # Highest first: ``pop`` hands them out in the sequence's order.
        held[1].extend(reversed(take_ids(table, _AHEAD)))
    return held[1].pop()


def forget_ids(table: str | None = None) -> None:
    """Drop the ids this process took ahead for ``table`` (every table: None): the next
    ``next_id`` takes fresh ones from the sequence."""
    if table is None:
        _ahead.clear()
    else:
        _ahead.pop(table, None)


def write_rows(cursor: Any, table: str, columns: tuple[str, ...], data: object) -> int:
    """Write prepared rows: a COPY text block (PostgreSQL) or tuples (``executemany``).
    Database errors (a unique key taken meanwhile) come out as Django's exceptions."""
    if isinstance(data, str):
        with connection.wrap_database_errors:
            cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", io.StringIO(data))
        return data.count("\n")
    placeholders = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", data)  # noqa: S608
    return len(data)
