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
compiles (a sentinel missing, or a shape that moves with its values, raises).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import Field, IntegerField, Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql import UpdateQuery


class CompiledQuery:
    """``build(**values)`` returns the queryset (a ``values_list``: rows come back as
    tuples, without Django's converters, so only columns that need none: numbers and
    text). ``fields[name]`` is the model field a value is prepared by (a UUID primary
    key, say); ``sentinels[name]`` a value of that type found nowhere else in the query."""

    def __init__(
        self, build: Callable[..., QuerySet[Any]], *, fields: dict[str, Field], sentinels: dict[str, Any]
    ) -> None:
        self.build = build
        self.fields = fields
        self.sentinels = sentinels
        self._compiled: dict[str, tuple[str, list[Any], dict[int, str]]] = {}

    def _sql(self, using: str) -> tuple[str, tuple[Any, ...]]:
        return self.build(**self.sentinels).query.get_compiler(using).as_sql()

    def _compile(self, using: str) -> tuple[str, list[Any], dict[int, str]]:
        connection = connections[using]
        compiled = self._compiled.get(connection.vendor)
        if compiled is not None:
            return compiled
        sql, params = self._sql(using)
        prepared = {
            name: self.fields[name].get_db_prep_value(value, connection) for name, value in self.sentinels.items()
        }
        places = {}
        for i, param in enumerate(params):
            for name, value in prepared.items():
                if type(param) is type(value) and param == value:
                    places[i] = name
        if set(places.values()) != set(self.sentinels):
            raise ValueError(f"CompiledQuery: sentinels not found in the SQL: {set(self.sentinels) - set(places.values())}")
        compiled = (sql, list(params), places)
        self._compiled[connection.vendor] = compiled
        return compiled

    def _bound(self, using: str, values: dict[str, Any]) -> tuple[str, list[Any]]:
        """The compiled SQL and its parameters with ``values`` in the sentinels' places."""
        sql, params, places = self._compile(using)
        connection = connections[using]
        bound = list(params)
        for i, name in places.items():
            bound[i] = self.fields[name].get_db_prep_value(values[name], connection)
        return sql, bound

    def rows(self, *, using: str = "default", **values: Any) -> list[tuple[Any, ...]]:
        with connections[using].cursor() as cursor:
            cursor.execute(*self._bound(using, values))
            return cursor.fetchall()

    def objects(self, *, using: str = "default", **values: Any) -> list[Model]:
        """The model instances iterating the queryset ``build(**values)`` (a model
        queryset, not a ``values_list``) gives: its ``select_related`` objects and its
        annotations set, every column through Django's converters (decryption stays lazy
        as ever: an encrypted field's converter only wraps the token)."""
        sql, params = self._bound(using, values)
        connection = connections[using]
        # What turns rows into instances holds converters bound to the connection, so it
        # is kept with the connection (one per thread), not with the shared SQL.
        readers: dict[CompiledQuery, _ModelReader] = connection.__dict__.setdefault("_compiled_readers", {})
        reader = readers.get(self)
        if reader is None:
            reader = readers[self] = _ModelReader(self.build(**self.sentinels), using)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return reader.instances(rows)


class _ModelReader:
    """``ModelIterable``'s work for rows of one compiled queryset, prepared once: the
    compiler's select list, converters and related populators."""

    def __init__(self, queryset: QuerySet[Any], using: str) -> None:
        if queryset._fields is not None or queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ValueError("CompiledQuery.objects: a model queryset without values(), prefetches or a related manager")
        compiler = queryset.query.get_compiler(using)
        compiler.as_sql()  # fills the select list, klass_info and the annotations' columns
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        if compiler.has_composite_fields(fields) or compiler.query.extra_select:
            raise ValueError("CompiledQuery.objects: no composite keys or extra()")
        self.using = using
        self.connection = compiler.connection
        self.converters = list(compiler.get_converters(fields).items())
        klass_info = compiler.klass_info
        self.model = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.own = slice(start, end)
        self.init_list = [column[0].target.attname for column in compiler.select[start:end]]
        self.populators = get_related_populators(klass_info, compiler.select, using)
        self.annotations = list((compiler.annotation_col_map or {}).items())

    def instances(self, rows: list[tuple[Any, ...]]) -> list[Model]:
        found = []
        for fetched in rows:
            row = list(fetched)
            for place, (converters, expression) in self.converters:
                value = row[place]
                for converter in converters:
                    value = converter(value, expression, self.connection)
                row[place] = value
            obj = self.model.from_db(self.using, self.init_list, row[self.own])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, place in self.annotations:
                setattr(obj, name, row[place])
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

    def objects(self, *, using: str = "default", **values: Any) -> list[Model]:
        raise TypeError("CompiledUpdate returns no rows: use run()")

    def run(self, *, using: str = "default", **values: Any) -> int:
        with connections[using].cursor() as cursor:
            cursor.execute(*self._bound(using, values))
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
