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

On PostgreSQL every compiled statement (reads, ``CompiledUpdate``, ``CompiledInsert``)
is also prepared once per connection and run by name (``credit_portal.prepared``), so
the server does not parse and plan it again either.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, connections, transaction
from django.db.models import (
    BigIntegerField,
    CharField,
    Field,
    IntegerField,
    Model,
    QuerySet,
    SmallIntegerField,
    TextField,
)
from django.db.models.query import ModelIterable, get_related_populators
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery, UpdateQuery

from credit_portal import bulkload, prepared
from credit_portal.instances import from_db, populate

# Integer fields whose prepared value of an int is the int itself (not the auto fields,
# whose preparation asks the backend to validate the value).
_PLAIN_INTEGERS = (IntegerField, BigIntegerField, SmallIntegerField)
# Text fields whose prepared value of a str (or None) is the value itself (``to_python``
# of a str; no adaptation by the backend): exactly these classes, not subclasses, which
# may prepare their values (the encrypted fields do).
_PLAIN_TEXT = (CharField, TextField)


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


class _Insert(NamedTuple):
    """One instance's INSERT: its SQL, parameters, and the columns it returns."""

    sql: str
    params: list[Any]
    returning_params: tuple[Any, ...]
    returning: list[Any]


class CompiledInsert:
    """``instance.save(force_insert=True)`` of a new instance (what ``objects.create``
    does), with the INSERT's SQL compiled once per process, vendor and whether the
    primary key is set (a UUID default, say): the same signals, ``pre_save`` of every
    field (``auto_now_add``, encryption), values prepared by each field, the returned
    primary key set, a failure marking the transaction for rollback as ``save`` does.
    A field with its own placeholder, or a model with parents, takes ``save`` itself;
    an expression among the values is refused (the SQL has a plain placeholder for each)."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        meta = model._meta
        self.plain = not meta.parents and not meta.order_with_respect_to and not any(
            hasattr(f, "get_placeholder") or f.generated for f in meta.local_concrete_fields
        )
        self._compiled: dict[tuple[str, bool, bool], tuple[str, tuple[Any, ...], list[Field], list[Any]]] = {}

    def _compile(
        self, using: str, pk_set: bool, unless_taken: bool, connection: Any = None
    ) -> tuple[str, tuple[Any, ...], list[Field], list[Any]]:
        if connection is None:
            connection = connections[using]
        compiled = self._compiled.get((connection.vendor, pk_set, unless_taken))
        if compiled is not None:
            return compiled
        meta = self.model._meta
        fields = [f for f in meta.local_concrete_fields if not f.generated and (pk_set or f is not meta.auto_field)]
        query = InsertQuery(self.model)
        # Compiled from a stand-in whose values are all plain, so every placeholder is "%s".
        query.insert_values(fields, [self.model(**{f.attname: None for f in fields})], raw=True)
        compiler = query.get_compiler(using)
        compiler.returning_fields = meta.db_returning_fields
        ((sql, params),) = compiler.as_sql()
        if len(params) != len(fields):
            raise ValueError(f"CompiledInsert: {self.model.__name__}'s INSERT has placeholders of its own")
        if unless_taken:
            # PostgreSQL's and SQLite's upsert clause, before any RETURNING: only a unique
            # value already held is passed over (not SQLite's INSERT OR IGNORE, which
            # would pass over a NOT NULL or CHECK violation too).
            values, returning_sql, rest = sql.partition(" RETURNING ")
            sql = f"{values} ON CONFLICT DO NOTHING{returning_sql}{rest}"
        returning = [f.get_col(meta.db_table) for f in compiler.returning_fields or []]
        compiled = (sql, tuple(compiler.returning_params), fields, returning)
        self._compiled[(connection.vendor, pk_set, unless_taken)] = compiled
        return compiled

    def insert(self, obj: Model, *, using: str = "default") -> Model:
        if not self.plain:
            obj.save(force_insert=True, using=using)
            return obj
        self._insert(obj, using, unless_taken=False)
        return obj

    def insert_unless_taken(self, obj: Model, *, using: str = "default") -> bool:
        """``insert``, or False with nothing written when a row holds one of the
        instance's unique values already (``ON CONFLICT DO NOTHING``): a clash of a
        random number costs no error, so no savepoint is needed to survive it in
        PostgreSQL's transaction. Other databases: the INSERT in a savepoint."""
        if not self.plain or connections[using].vendor not in ("postgresql", "sqlite"):
            try:
                with transaction.atomic(using=using):
                    obj.save(force_insert=True, using=using)
            except IntegrityError:
                return False
            return True
        return self._insert(obj, using, unless_taken=True)

    def _insert(self, obj: Model, using: str, *, unless_taken: bool) -> bool:
        connection = connections[using]
        statement = self._statement(obj, using, connection, unless_taken=unless_taken)
        with transaction.mark_for_rollback_on_error(using=using), connection.cursor() as cursor:
            prepared.execute(connection, cursor, statement.sql, statement.params)
            if not self._returned(obj, cursor, connection, statement, unless_taken=unless_taken):
                return False
        self._saved(obj, using)
        return True

    def _statement(
        self, obj: Model, using: str, connection: Any, *, unless_taken: bool
    ) -> _Insert:
        """``pre_save`` sent, the primary key's default given: the INSERT of ``obj``."""
        meta = self.model._meta
        obj._prepare_related_fields_for_save(operation_name="save")
        pre_save.send(sender=self.model, instance=obj, raw=False, using=using, update_fields=None)
        if obj._get_pk_val(meta) is None:
            setattr(obj, meta.pk.attname, meta.pk.get_pk_value_on_save(obj))
        pk_set = obj._get_pk_val(meta) is not None
        sql, returning_params, fields, returning = self._compile(using, pk_set, unless_taken, connection)
        values = [field.pre_save(obj, add=True) for field in fields]
        if any(hasattr(value, "resolve_expression") for value in values):
            raise ValueError(f"CompiledInsert: an expression among {self.model.__name__}'s values: use save()")
        # Each field prepares its value, but a str (or None) for a plain text field is what
        # it would give back: of the query API's three INSERTs' 44 values, the texts skip
        # the field's three calls.
        params = [
            value if (value is None or type(value) is str) and type(field) in _PLAIN_TEXT
            else field.get_db_prep_save(value, connection=connection)
            for field, value in zip(fields, values, strict=True)
        ]
        return _Insert(sql, params, returning_params, returning)

    def _returned(self, obj: Model, cursor: Any, connection: Any, statement: _Insert, *, unless_taken: bool) -> bool:
        """The returned columns set on ``obj``; False when nothing was written."""
        returning = statement.returning
        returns = returning and connection.features.can_return_columns_from_insert
        # Nothing written: no row returned (SQLite counts RETURNING rows only once
        # fetched), or none counted.
        if unless_taken and not returns and cursor.rowcount == 0:
            return False
        if returning:
            if returns:
                fetched = connection.ops.fetch_returned_insert_columns(cursor, statement.returning_params)
                if fetched is None:
                    return False
                row = list(fetched)
            else:
                meta = self.model._meta
                row = [connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)]
            for i, column in enumerate(returning):
                for converter in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
                    row[i] = converter(row[i], column, connection)
                setattr(obj, column.target.attname, row[i])
        return True

    def _saved(self, obj: Model, using: str) -> None:
        obj._state.db = using
        obj._state.adding = False
        post_save.send(sender=self.model, instance=obj, created=True, update_fields=None, raw=False, using=using)


def reserve_pk(obj: Model, *, using: str = "default") -> bool:
    """Give a new ``obj`` whose id the database numbers (an ``AutoField``) its id now, on
    PostgreSQL, from ids taken ahead from its sequence (``bulkload.next_id``), so that it
    can go before the last instance of ``insert_together``; False elsewhere, ``obj`` as it was."""
    meta = type(obj)._meta
    if obj.pk is not None or meta.pk is not meta.auto_field or connections[using].vendor != "postgresql" or using != "default":
        return False
    obj.pk = bulkload.next_id(meta.db_table)
    return True


def insert_together(*inserts: tuple[CompiledInsert, Model], using: str = "default") -> None:
    """``insert.insert(obj)`` for each (insert, obj) in order, and on PostgreSQL in one
    statement: the first INSERTs as data-modifying ``WITH`` queries of the last, one round
    trip instead of one each (the query API's log and its audit entry). They run as one:
    any failure fails them all, in the caller's transaction as a failed ``insert`` would.
    Every instance but the last must have its primary key (``reserve_pk``; a ``WITH``
    query's returned columns are not read); rows that depend on each other's database
    defaults cannot be written this way. Other databases, or a model ``save`` must write: one by one."""
    connection = connections[using]
    *firsts, (last, last_obj) = inserts
    if connection.vendor != "postgresql" or not all(insert.plain for insert, _obj in inserts):
        for insert, obj in inserts:
            insert.insert(obj, using=using)
        return
    for _insert, obj in firsts:
        if obj.pk is None:
            raise ValueError("insert_together: every instance but the last needs its primary key")
    statements = [insert._statement(obj, using, connection, unless_taken=False) for insert, obj in inserts]
    withs = ", ".join(f"w{i} AS ({statement.sql})" for i, statement in enumerate(statements[:-1]))
    sql = f"WITH {withs} {statements[-1].sql}"
    params = [param for statement in statements for param in statement.params]
    with transaction.mark_for_rollback_on_error(using=using), connection.cursor() as cursor:
        prepared.execute(connection, cursor, sql, params)
        last._returned(last_obj, cursor, connection, statements[-1], unless_taken=False)
    for insert, obj in inserts:
        insert._saved(obj, using)


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
