"""New rows written with SQL compiled once per process (``credit_portal.compiled``'s idea
for INSERTs): ``CompiledInsert`` is ``instance.save(force_insert=True)`` without building
and compiling the INSERT each time; ``insert_together`` writes several new rows in one
statement on PostgreSQL, the first ones with ids taken ahead (``reserve_pk``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db import IntegrityError, connections, transaction
from django.db.models import CharField, Field, Model, TextField
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery

from credit_portal import bulkload, prepared

# Text fields whose prepared value of a str (or None) is the value itself (``to_python``
# of a str; no adaptation by the backend): exactly these classes, not subclasses, which
# may prepare their values (the encrypted fields do).
_PLAIN_TEXT = (CharField, TextField)


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


def _only_with_first(sql: str) -> str:
    """A compiled ``INSERT … VALUES (%s, …) [RETURNING …]`` as ``INSERT … SELECT %s, …
    WHERE EXISTS (SELECT 1 FROM w0) [RETURNING …]``: written only when the first ``WITH``
    query wrote its row. PostgreSQL gives each placeholder its target column's type, as
    in ``VALUES``."""
    values_sql, returning_sep, returning = sql.partition(" RETURNING ")
    head, sep, row = values_sql.partition(" VALUES (")
    if not sep or not row.endswith(")") or set(row[:-1].replace(" ", "").split(",")) != {"%s"}:
        raise ValueError("insert_together: not a one-row INSERT of plain placeholders")
    return f"{head} SELECT {row[:-1]} WHERE EXISTS (SELECT 1 FROM w0){returning_sep}{returning}"  # noqa: S608 - compiled SQL, placeholders only


def insert_together(*inserts: tuple[CompiledInsert, Model], using: str = "default", unless_taken: bool = False) -> bool:
    """``insert.insert(obj)`` for each (insert, obj) in order, and on PostgreSQL in one
    statement: the first INSERTs as data-modifying ``WITH`` queries of the last, one round
    trip instead of one each (the query API's report, its log and the log's audit entry).
    They run as one: any failure fails them all, in the caller's transaction as a failed
    ``insert`` would. Every instance but the last must have its primary key
    (``reserve_pk``; a ``WITH`` query's returned columns are not read); rows that depend
    on each other's database defaults cannot be written this way. Other databases, or a
    model ``save`` must write: one by one.

    ``unless_taken``: the first is written as ``insert_unless_taken`` writes it (not when
    a row holds one of its unique values already: a report's random number) and the
    others only with it. False when it was taken: nothing was written, and the caller
    tries again with new instances (new ids taken ahead). True otherwise."""
    connection = connections[using]
    first, first_obj = inserts[0]
    *firsts, (last, last_obj) = inserts
    if connection.vendor != "postgresql" or not all(insert.plain for insert, _obj in inserts):
        if unless_taken and not first.insert_unless_taken(first_obj, using=using):
            return False
        for insert, obj in inserts[1:] if unless_taken else inserts:
            insert.insert(obj, using=using)
        return True
    for _insert, obj in firsts:
        if obj.pk is None:
            raise ValueError("insert_together: every instance but the last needs its primary key")
    statements = [
        insert._statement(obj, using, connection, unless_taken=unless_taken and i == 0)
        for i, (insert, obj) in enumerate(inserts)
    ]
    texts = [statement.sql for statement in statements]
    if unless_taken:
        # The first returns a row only when it wrote one; the others are written only then.
        if " RETURNING " not in texts[0]:
            texts[0] += " RETURNING 1"
        texts[1:] = [_only_with_first(text) for text in texts[1:]]
    withs = ", ".join(f"w{i} AS ({text})" for i, text in enumerate(texts[:-1]))
    sql = f"WITH {withs} {texts[-1]}"
    params = [param for statement in statements for param in statement.params]
    with transaction.mark_for_rollback_on_error(using=using), connection.cursor() as cursor:
        try:
            prepared.execute(connection, cursor, sql, params)
        except IntegrityError:
            # Where the row failing is one with an id taken ahead that the database already
            # holds (only a restore behind this process's back does that; README,
            # "Backups"), the rest this process holds would fail the same way: they are
            # dropped, and the next row takes fresh ids from the restored sequence. Any
            # other failure loses only unused ids, gaps as a rollback leaves. This
            # statement still fails, writing nothing.
            for _insert, obj in firsts:
                bulkload.forget_ids(obj._meta.db_table)
            raise
        if not last._returned(last_obj, cursor, connection, statements[-1], unless_taken=unless_taken):
            return False
    for insert, obj in inserts:
        insert._saved(obj, using)
    return True
