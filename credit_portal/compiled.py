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

import copy
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import Field, IntegerField, Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators
from django.db.models.sql import UpdateQuery
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.constants import MULTI


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


class CompiledObjects(CompiledQuery):
    """``CompiledQuery`` for model instances: ``build(**values)`` returns a model queryset
    (rows joined by ``select_related``, annotations) and ``objects(**values)`` the
    instances Django would make of it (the same converters, the related rows and the
    annotations set), from the SQL compiled once. A compiler set up by that one
    compilation is kept, and a copy of it runs each call's SQL: the rows are turned into
    instances as ``ModelIterable`` turns them (no prefetches, no known related objects:
    a fresh queryset has none)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._compilers: dict[str, SQLCompiler] = {}

    def _sql(self, using: str) -> tuple[str, tuple[Any, ...]]:
        queryset = self.build(**self.sentinels)
        if queryset._prefetch_related_lookups or queryset._iterable_class is not ModelIterable:  # noqa: SLF001
            raise ValueError("CompiledObjects: a model queryset without prefetches only")
        compiler = queryset.query.get_compiler(using)
        sql, params = compiler.as_sql()  # sets up select, klass_info and annotation_col_map
        self._compilers[connections[using].vendor] = compiler
        return sql, params

    def objects(self, *, using: str = "default", **values: Any) -> list[Model]:
        sql, params = self._bound(using, values)
        connection = connections[using]
        compiler = copy.copy(self._compilers[connection.vendor])
        compiler.connection = connection  # this thread's connection
        compiler.as_sql = lambda *args, **kwargs: (sql, params)  # type: ignore[method-assign]
        results = compiler.execute_sql(MULTI)
        select, klass_info, annotation_col_map = compiler.select, compiler.klass_info, compiler.annotation_col_map
        model_cls = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, using)
        found = []
        for row in compiler.results_iter(results):
            obj = model_cls.from_db(using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in (annotation_col_map or {}).items():
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
