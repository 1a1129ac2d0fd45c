"""Querysets of a fixed shape compiled to SQL once per process and database vendor.

Building and compiling a queryset costs Django far more CPU than PostgreSQL spends
running it when the query is small (the query API's scope, a union of three arms,
≈ 2.5 ms of Django CPU per request against ≈ 0.1 ms in the database), and its text
never changes between requests: only the values do. ``CompiledQuery`` builds the
queryset once with sentinel values, compiles it with Django's own compiler (so the SQL
is exactly what the queryset would run), notes where each sentinel lands among the
parameters, and from then on runs that SQL with the real values in those places. The
same idea as the content stamp's compiled subqueries (``archives.selectors``), for a
whole statement.

Only for querysets whose SQL depends on nothing but the parameters given (no lists of
varying length, no booleans, which Django folds into the SQL text, no values that
change the shape): every value must be a sentinel
found exactly where the real value goes, which ``CompiledQuery`` checks when it
compiles (a sentinel missing, or a shape that moves with its values, raises). A query
whose shape does move (an ``IN`` list's length, an optional filter) is compiled once
per shape: ``compiled_for(key, ...)`` keeps one ``CompiledQuery`` per key.

Three ways to read the rows: ``rows`` gives the cursor's tuples as they are (numbers and
text only); ``values`` gives what the ``values_list`` queryset gives, Django's row
converters applied (dates, UUIDs and booleans on SQLite, encrypted fields); ``objects``
gives what a model queryset gives: instances with their ``select_related`` relations
and annotations, built the way Django's own iterable builds them.

On PostgreSQL every compiled statement (reads, ``CompiledUpdate``, and the inserts of
``credit_portal.inserts``) is also prepared once per connection and run by name
(``credit_portal.prepared``), so the server does not parse and plan it again either.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BigIntegerField,
    Field,
    IntegerField,
    Model,
    QuerySet,
    SmallIntegerField,
)
from django.db.models.query import ModelIterable, get_related_populators
from django.db.models.sql import UpdateQuery

from credit_portal import prepared
from credit_portal.instances import from_db, populate

# Integer fields whose prepared value of an int is the int itself (not the auto fields,
# whose preparation asks the backend to validate the value).
_PLAIN_INTEGERS = (IntegerField, BigIntegerField, SmallIntegerField)


@dataclass
class _Shape:
    """What Django's iterables take from the compiler after ``as_sql``, kept to turn the
    compiled SQL's rows into what the queryset would give."""

    columns: list[Any]  # the selected expressions, for their converters
    klass_info: dict[str, Any] | None
    select: list[Any]
    annotation_col_map: dict[str, int] | None
    model_rows: bool  # a model queryset: no values(), no prefetches (what objects() builds)


class CompiledQuery:
    """``build(**values)`` returns the queryset. ``fields[name]`` is the model field a
    value is prepared by (a UUID primary key, say); ``sentinels[name]`` a value of that
    type found nowhere else in the query. ``rows`` returns the cursor's tuples without
    Django's converters (only for columns that need none: numbers and text); ``values``
    (a ``values_list`` queryset) and ``objects`` (a model queryset) return exactly what
    the queryset returns."""

    def __init__(
        self, build: Callable[..., QuerySet[Any]], *, fields: dict[str, Field], sentinels: dict[str, Any]
    ) -> None:
        self.build = build
        self.fields = fields
        self.sentinels = sentinels
        self._compiled: dict[str, tuple[str, list[Any], dict[int, str]]] = {}
        self._shapes: dict[str, _Shape] = {}
        # Per connection (converters may be bound to it): {position: (converters, expression)}.
        self._converters: weakref.WeakKeyDictionary[Any, dict[int, tuple[list[Any], Any]]] = (
            weakref.WeakKeyDictionary()
        )
        self._populators: dict[str, tuple[Any, ...]] = {}
        # Values of these fields that are ints already are what the field would prepare
        # (``int(value)``): an id list's dozens of values skip the field's three calls each.
        self._ints = frozenset(name for name, field in fields.items() if type(field) in _PLAIN_INTEGERS)

    def _sql(self, using: str) -> tuple[str, tuple[Any, ...]]:
        queryset = self.build(**self.sentinels)
        compiler = queryset.query.get_compiler(using)
        sql, params = compiler.as_sql()
        self._shapes[connections[using].vendor] = _Shape(
            columns=[s[0] for s in compiler.select[: compiler.col_count]], klass_info=compiler.klass_info,
            select=compiler.select, annotation_col_map=compiler.annotation_col_map,
            model_rows=queryset._iterable_class is ModelIterable and not queryset._prefetch_related_lookups,  # noqa: SLF001
        )
        return sql, params

    def _compile(self, using: str, connection: Any = None) -> tuple[str, list[Any], dict[int, str]]:
        # ``connection``: ``connections[using]`` when the caller has it already (each
        # lookup goes through asgiref's Local: a query API request made 60 of them).
        if connection is None:
            connection = connections[using]
        compiled = self._compiled.get(connection.vendor)
        if compiled is not None:
            return compiled
        try:
            sql, params = self._sql(using)
        except EmptyResultSet:
            # A shape that matches nothing (an empty ``IN`` list it cannot drop): Django
            # runs no statement for it either.
            compiled = self._compiled[connection.vendor] = ("", [], {})
            return compiled
        sentinel_values = {
            name: self.fields[name].get_db_prep_value(value, connection) for name, value in self.sentinels.items()
        }
        places = {}
        for i, param in enumerate(params):
            for name, value in sentinel_values.items():
                if type(param) is type(value) and param == value:
                    places[i] = name
        if set(places.values()) != set(self.sentinels):
            raise ValueError(f"CompiledQuery: sentinels not found in the SQL: {set(self.sentinels) - set(places.values())}")
        compiled = (sql, list(params), places)
        self._compiled[connection.vendor] = compiled
        return compiled

    def _bound(self, using: str, values: dict[str, Any], connection: Any = None) -> tuple[str, list[Any]]:
        """The compiled SQL and its parameters with ``values`` in the sentinels' places."""
        if connection is None:
            connection = connections[using]
        sql, params, places = self._compile(using, connection)
        bound = list(params)
        ints = self._ints
        for i, name in places.items():
            value = values[name]
            bound[i] = value if type(value) is int and name in ints else self.fields[name].get_db_prep_value(
                value, connection
            )
        return sql, bound

    def rows(self, *, using: str = "default", **values: Any) -> list[tuple[Any, ...]]:
        return self._rows(using, values, connections[using])

    def _rows(self, using: str, values: dict[str, Any], connection: Any) -> list[tuple[Any, ...]]:
        sql, params = self._bound(using, values, connection)
        if not sql:
            return []
        with connection.cursor() as cursor:
            prepared.execute(connection, cursor, sql, params)
            return cursor.fetchall()

    def _converted(
        self, using: str, values: dict[str, Any], connection: Any = None
    ) -> tuple[list[Any], _Shape | None]:
        """The rows as lists, cut to the selected columns, with the converters Django's
        ``results_iter`` applies (the backend's, then the field's ``from_db_value``)."""
        if connection is None:
            connection = connections[using]
        rows = self._rows(using, values, connection)
        if not rows:
            return [], None
        shape = self._shapes[connection.vendor]
        converters = self._converters.get(connection)
        if converters is None:
            converters = {}
            for i, expression in enumerate(shape.columns):
                if expression:
                    found = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
                    if found:
                        converters[i] = (found, expression)
            self._converters[connection] = converters
        width = len(shape.columns)
        out = []
        for raw in rows:
            row = list(raw[:width])
            for i, (functions, expression) in converters.items():
                value = row[i]
                for function in functions:
                    value = function(value, expression, connection)
                row[i] = value
            out.append(row)
        return out, shape

    def values(self, *, using: str = "default", **values: Any) -> list[tuple[Any, ...]]:
        """What the ``values_list`` queryset ``build(**values)`` gives (tuples)."""
        return [tuple(row) for row in self._converted(using, values)[0]]

    def objects(self, *, using: str = "default", **values: Any) -> list[Model]:
        """What the model queryset ``build(**values)`` gives: instances (``from_db``) with
        their ``select_related`` relations and annotations, as Django's ``ModelIterable``
        builds them (relations a related manager would attach are the caller's)."""
        connection = connections[using]
        self._compile(using, connection)
        compiled_shape = self._shapes.get(connection.vendor)
        if compiled_shape is not None and not compiled_shape.model_rows:
            raise ValueError("CompiledQuery.objects: a model queryset only (no values(), no prefetches)")
        rows, shape = self._converted(using, values, connection)
        if shape is None:
            return []
        populators = self._populators.get(connection.vendor)
        if populators is None:
            klass_info, select = shape.klass_info, shape.select
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            init_list = [column[0].target.attname for column in select[start:end]]
            populators = (klass_info["model"], start, end, init_list, get_related_populators(klass_info, select, using))
            self._populators[connection.vendor] = populators
        model, start, end, init_list, related = populators
        annotations = shape.annotation_col_map or {}
        found = []
        for row in rows:
            obj = from_db(model, using, init_list, row[start:end])
            for populator in related:
                populate(populator, row, obj)
            for name, position in annotations.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found


class CompiledUpdate(CompiledQuery):
    """``QuerySet.update`` of a fixed shape, compiled once: ``build(**values)`` returns
    ``(queryset, {field: new value or expression})``; ``run(**values)`` returns the
    number of rows changed, as ``update`` does. Only an UPDATE of the queryset's own
    table whose filter names no other table (one statement, no related updates)."""

    def _sql(self, using: str) -> tuple[str, tuple[Any, ...]]:
        queryset, changes = self.build(**self.sentinels)
        query = queryset.query.chain(UpdateQuery)
        query.add_update_values(changes)
        compiler = query.get_compiler(using)
        compiler.pre_sql_setup()
        if query.related_updates or compiler.query.count_active_tables() != 1:
            raise ValueError("CompiledUpdate: only an UPDATE of one table")
        return compiler.as_sql()

    def rows(self, *, using: str = "default", **values: Any) -> list[tuple[Any, ...]]:
        raise TypeError("CompiledUpdate returns no rows: use run()")

    values = objects = rows

    def run(self, *, using: str = "default", **values: Any) -> int:
        connection = connections[using]
        sql, params = self._bound(using, values, connection)
        if not sql:
            return 0
        with connection.cursor() as cursor:
            prepared.execute(connection, cursor, sql, params)
            return cursor.rowcount


# CompiledQuery for a query built from a tuple of ids, by name and number of ids (the
# length of an ``IN (...)`` list is part of the SQL's shape): the staff pages' scope and
# acting departments (archives.selectors). The sentinels are negative, which no row's id is.
_INTEGER = IntegerField()
_by_count: dict[tuple[str, int], CompiledQuery] = {}


def rows_for_ids(
    name: str, build: Callable[[tuple[int, ...]], QuerySet[Any]], ids: tuple[int, ...], *, using: str = "default"
) -> list[tuple[Any, ...]]:
    """The rows of the ``values_list`` query ``build(ids)``, from its SQL compiled once
    per process for this ``name`` and number of ids."""
    names = tuple(f"id{i}" for i in range(len(ids)))
    query = _by_count.get((name, len(ids)))
    if query is None:
        query = _by_count[(name, len(ids))] = CompiledQuery(
            lambda **values: build(tuple(values[n] for n in names)),
            fields=dict.fromkeys(names, _INTEGER),
            sentinels={n: -1 - i for i, n in enumerate(names)},
        )
    return query.rows(using=using, **dict(zip(names, ids, strict=True)))


# CompiledQuery per shape, for a query whose SQL changes with something other than its
# values (the length of an id list, an optional filter, a registered annotation).
_by_key: dict[Hashable, CompiledQuery] = {}


def compiled_for(
    key: Hashable, build: Callable[..., QuerySet[Any]], *, fields: dict[str, Field], sentinels: dict[str, Any]
) -> CompiledQuery:
    """The ``CompiledQuery`` kept under ``key``, made from the other arguments the first
    time: ``key`` must name everything the shape of ``build``'s SQL depends on."""
    query = _by_key.get(key)
    if query is None:
        query = _by_key[key] = CompiledQuery(build, fields=fields, sentinels=sentinels)
    return query


def id_sentinels(prefix: str, count: int, *, base: int = -1) -> dict[str, int]:
    """``count`` sentinel ids named ``<prefix>0``, ``<prefix>1``…: negative numbers from
    ``base`` down, which no row's id is (give each list of a query its own ``base``)."""
    return {f"{prefix}{i}": base - i for i in range(count)}
