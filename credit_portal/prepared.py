"""Server-side prepared statements for the compiled statements (``credit_portal.compiled``)
on PostgreSQL.

A compiled statement's SQL text never changes between requests, yet PostgreSQL parses,
analyses and plans it again on every request (psycopg2 sends the values inline, and has
no protocol-level prepare). SQL-level ``PREPARE`` once per connection, then
``EXECUTE name(values)``, leaves PostgreSQL only the execution.

Robustness, and why:

* The registry of what is prepared is kept per DB-API connection object and process:
  a reconnect (``CONN_MAX_AGE``, ``close_old_connections``, a health check) gives a new
  object with nothing prepared; a forked process starts its own.
* The name is a digest of the SQL text, so two texts never share a name, and one text
  prepared by any code path is the same statement.
* A prepared statement is not transactional: it survives the rollback of the transaction
  that prepared it (tested), so the registry need not follow rollbacks. A ``PREPARE``
  that fails would abort the caller's transaction, so inside one it runs in a savepoint;
  a text PostgreSQL cannot prepare (a parameter whose type it cannot infer) is then run
  as before, without preparing, for the rest of the process.
* Types: PostgreSQL infers each parameter's type from its context, where the inline
  literal's type came from the value. Where the two could differ, the statement runs
  inline as before: a parameter inferred as text with a value that is not a string (the
  inline literal would have had the value's type), and an integer parameter with a value
  that is not a Python int in the type's range (PostgreSQL would round a float, or fail
  where the inline comparison just found nothing), and a date parameter with a datetime
  (PostgreSQL would cut it to its day; inline, the date is compared as a timestamp).
  Except the select list of an ``EXISTS`` (Django's ``Exists`` writes ``EXISTS(SELECT %s
  AS "a" …)`` with the value 1, a parameter PostgreSQL takes as text): no value there
  changes whether a row exists, so it does not send the statement inline.
* The statements are sent with the DB-API cursor, not Django's: they are no request's
  statements (once per connection and statement), so the query counts do not see them.

``DATABASE_PREPARED_STATEMENTS = False`` turns it off: a pooler in transaction mode
(pgbouncer) hands each transaction another server connection, which does not hold the
statements this one prepared. SQLite is unchanged.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import datetime
from typing import Any

from django.conf import settings

_PLACEHOLDER = re.compile(r"%([s%])")
_SAVEPOINT = "credit_portal_prepare"
# PostgreSQL's integer types and their ranges (a value outside runs inline).
_INTEGERS = {"smallint": 2**15, "integer": 2**31, "bigint": 2**63}
_ALREADY_PREPARED = "42P05"
_TEXT = frozenset({"text", "unknown", "character varying", "character"})
# A parameter that is the whole select list of an EXISTS subquery (Django's ``Exists``).
_EXISTS_SELECT = re.compile(r'EXISTS\(SELECT \$(\d+) AS "a" FROM ')


class _Statement:
    __slots__ = ("dates", "execute_sql", "integers", "name", "refused", "text", "texts")

    def __init__(self, sql: str, count: int) -> None:
        self.name = "cp_" + hashlib.blake2b(sql.encode(), digest_size=12).hexdigest()
        numbers = iter(range(1, count + 1))
        # psycopg2's placeholders to PostgreSQL's, its escaped "%" to a plain one.
        self.text = _PLACEHOLDER.sub(lambda m: f"${next(numbers)}" if m.group(1) == "s" else "%", sql)
        self.execute_sql = f"EXECUTE {self.name}({', '.join(['%s'] * count)})"
        self.refused = False
        self.integers: tuple[tuple[int, int], ...] = ()  # (position, bound)
        self.texts: tuple[int, ...] = ()  # positions inferred as text
        self.dates: tuple[int, ...] = ()  # positions inferred as date

    def fits(self, params: list[Any] | tuple[Any, ...]) -> bool:
        """Whether ``params`` mean in the prepared statement what they mean inline."""
        for i, bound in self.integers:
            value = params[i]
            if value is not None and (type(value) is not int or not -bound <= value < bound):
                return False
        for i in self.texts:
            value = params[i]
            if value is not None and not isinstance(value, str):
                return False
        for i in self.dates:
            if isinstance(params[i], datetime):  # a date would cut it to its day
                return False
        return True


_statements: dict[tuple[str, int], _Statement] = {}
_by_name: dict[str, _Statement] = {}
# On Django's connection (one per thread and alias): (DB-API connection, process id,
# names prepared on it); another DB-API connection or process starts afresh.
_REGISTRY = "credit_portal_prepared"


def _names_on(connection: Any, raw: Any) -> set[str]:
    state = connection.__dict__.get(_REGISTRY)
    pid = os.getpid()
    if state is None or state[0] is not raw or state[1] != pid:
        state = connection.__dict__[_REGISTRY] = (raw, pid, set())
    return state[2]


def execute(connection: Any, cursor: Any, sql: str, params: list[Any] | tuple[Any, ...]) -> None:
    """``cursor.execute(sql, params)`` (a Django cursor of ``connection``), on PostgreSQL as
    the ``EXECUTE`` of a statement prepared once per connection."""
    if not params or connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    statement = _statements.get((sql, len(params)))
    if statement is None:
        statement = _statements[(sql, len(params))] = _Statement(sql, len(params))
        _by_name[statement.name] = statement
    if statement.refused:
        cursor.execute(sql, params)
        return
    raw = connection.connection
    names = _names_on(connection, raw)
    if statement.name not in names:
        if not _prepare(connection, raw, statement):
            cursor.execute(sql, params)
            return
        names.add(statement.name)
    if statement.fits(params):
        cursor.execute(statement.execute_sql, params)
    else:
        cursor.execute(sql, params)


def source(sql: str) -> str:
    """The statement's own text for an ``EXECUTE`` of a prepared one (placeholders as
    ``$1``…), else ``sql``: what a test or a reader of the query log looks for in it."""
    if sql.startswith("EXECUTE cp_"):
        statement = _by_name.get(sql[len("EXECUTE "):].split("(", 1)[0])
        if statement is not None:
            return statement.text
    return sql


def _prepare(connection: Any, raw: Any, statement: _Statement) -> bool:
    """PREPARE the statement on this connection and note its parameters' types; False
    (and nothing prepared, the caller's transaction as it was) when PostgreSQL refuses."""
    import psycopg2

    prepare = f"PREPARE {statement.name} AS {statement.text}"
    types = f"SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = '{statement.name}'"  # noqa: S608 - the name is a hex digest
    in_transaction = not connection.get_autocommit()
    with raw.cursor() as cursor:
        try:
            if in_transaction:
                cursor.execute(f"SAVEPOINT {_SAVEPOINT}; {prepare}; RELEASE SAVEPOINT {_SAVEPOINT}; {types}")
            else:
                cursor.execute(f"{prepare}; {types}")
        except psycopg2.Error as error:
            if in_transaction:
                try:
                    cursor.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}; RELEASE SAVEPOINT {_SAVEPOINT}")
                except psycopg2.Error:
                    pass  # the transaction had failed before: the inline statement says so
            if error.pgcode != _ALREADY_PREPARED:
                # Class 42: the text itself (a parameter's type PostgreSQL cannot infer).
                # Anything else (a failed transaction, a lost connection) is not the text's.
                if (error.pgcode or "").startswith("42"):
                    statement.refused = True
                return False
            # Prepared on this server session already: a process that inherited its
            # parent's connection (the registry is per process) has it.
            cursor.execute(types)
        (found,) = cursor.fetchone()
    statement.integers = tuple((i, _INTEGERS[t]) for i, t in enumerate(found) if t in _INTEGERS)
    # Whatever the value, EXISTS asks only whether a row exists: not a text that matters.
    unread = {int(number) - 1 for number in _EXISTS_SELECT.findall(statement.text)}
    statement.texts = tuple(i for i, t in enumerate(found) if t in _TEXT and i not in unread)
    statement.dates = tuple(i for i, t in enumerate(found) if t == "date")
    return True
