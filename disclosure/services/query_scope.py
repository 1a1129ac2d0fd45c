"""What an authorization lets a third-party query see (``queries.query_record``): the
code's authorization, read under its lock with its scope, and the occupations and
categories the report covers within that scope.

DESIGN §5; law: 《征信业管理条例》 art. 18 (consent to the scope), 20 (the stated purpose
only). The purpose's mandatory content (``services.mandatory``) is added back to every
narrowed scope, so a report tells the whole truth of its purpose.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import CharField, Func, IntegerField, JSONField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, JSONArray

from credit_portal.compiled import CompiledQuery
from departments.models import Occupation, RecordCategory
from disclosure.models import Authorization, QueryLog
from disclosure.services.authorizations import code_digest
from disclosure.services.mandatory import RULE_COLUMNS, Mandatory, mandatory_from_rows, rule_rows, rules_in_force


def _code_authorization(code_hash: str) -> QuerySet[Authorization]:
    # ``.first()`` of the code's authorization, locked, with its person.
    return Authorization.objects.select_for_update(of=("self",)).select_related("subject").filter(code_hash=code_hash)[:1]


def _json_rows(queryset: QuerySet[Any], *columns: str) -> Subquery:
    """The ``columns`` of the rows of ``queryset`` as one JSON array of arrays (NULL
    when there are none), for a correlated subquery (PostgreSQL). A plain function, not
    ``JSONBAgg``: in ``values()`` Django groups an aggregate by the row's id, one row each."""
    rows = Func(JSONArray(*columns), function="JSONB_AGG", output_field=JSONField())
    return Subquery(queryset.order_by().values(rows=rows), output_field=JSONField())


# The scope read with the authorization, on PostgreSQL: the occupations and categories
# it names and the rules in force for its purpose, as JSON arrays of the columns
# ``authorized_scope`` gives, one statement less per query than reading them after
# the lock. The same rows as that read: an authorization's occupations and categories
# are written in the transaction that creates it and never change, so no query can see
# it without them; the rules are read as they stood when the query's statement began
# (before any wait for the lock), a moment of the query as the next statement would be.
_SCOPE_ARMS = {
    "occupation": "query_scope_occupations", "category": "query_scope_categories", "rule": "query_scope_rules",
}


def _scope_links(authorization_id: object) -> dict[str, QuerySet[Any]]:
    """The occupations and categories the authorization names, as (id, code) rows by
    kind: the arms of both reads of the scope (with the lock, and on its own)."""
    links = {"occupation": (Authorization.occupations.through, "occupation"),
             "category": (Authorization.categories.through, "recordcategory")}
    return {
        kind: through.objects.filter(authorization_id=authorization_id).values_list(f"{name}_id", f"{name}__code")
        for kind, (through, name) in links.items()
    }


def _code_authorization_with_scope(code_hash: str) -> QuerySet[Authorization]:
    arms = {
        _SCOPE_ARMS[kind]: _json_rows(rows, *rows.query.values_select)
        for kind, rows in _scope_links(OuterRef("pk")).items()
    }
    arms[_SCOPE_ARMS["rule"]] = _json_rows(rules_in_force(OuterRef("purpose")), *RULE_COLUMNS)
    return _code_authorization(code_hash).annotate(**arms)


# Compiled once per process, like the use's UPDATE (``queries._SPEND_USE``).
_CODE_AUTHORIZATION = CompiledQuery(
    _code_authorization, fields={"code_hash": Authorization._meta.get_field("code_hash")},
    sentinels={"code_hash": "code-hash-sentinel-c0de"},
)
_CODE_AUTHORIZATION_WITH_SCOPE = CompiledQuery(
    _code_authorization_with_scope, fields={"code_hash": Authorization._meta.get_field("code_hash")},
    sentinels={"code_hash": "code-hash-sentinel-c0de"},
)


def locked_by_code(code: str) -> Authorization | None:
    """The code's authorization, locked, with its person, and on PostgreSQL its scope
    (``authorized_scope``); None for a code no authorization has."""
    read = _CODE_AUTHORIZATION_WITH_SCOPE if connection.vendor == "postgresql" else _CODE_AUTHORIZATION
    return next(iter(read.objects(code_hash=code_digest(code))), None)


class _OutOfScope(Exception):
    pass


def _ids_asked(
    requested: Iterable[str] | None, allowed: dict[str, int], model: type[Occupation] | type[RecordCategory]
) -> list[int] | None:
    """The ids of occupations (or categories) a query asks for, by code: every one the
    authorization names when it asks for none (None: the authorization names none, so
    all); otherwise the codes asked for, each within the authorization's when it names
    any (``_OutOfScope`` if not)."""
    if not requested:
        return list(allowed.values()) or None
    wanted = set(requested)
    if allowed and not wanted <= set(allowed):
        raise _OutOfScope
    if allowed:
        return [allowed[code] for code in wanted]
    return list(model.objects.filter(code__in=wanted).values_list("id", flat=True))


def _authorized_scope_query(authorization_id: object, purpose: str) -> QuerySet[Any]:
    # Typed NULLs: PostgreSQL types the first two arms' untyped NULLs as text, which the
    # rules' integer columns would not match.
    pad = (Cast(Value(None), IntegerField()), Cast(Value(None), CharField()),
           Cast(Value(None), IntegerField()), Cast(Value(None), CharField()))
    links = _scope_links(authorization_id)
    occupations, categories = (
        links[kind].values_list(Value(kind), *links[kind].query.values_select, *pad) for kind in ("occupation", "category")
    )
    return occupations.union(categories, rule_rows(purpose, Value("rule")), all=True)


# Compiled once per process: building and compiling the three arms cost ≈ 2.5 ms of CPU
# per query on the benchmark host (more than the two queries they replace), running
# them ≈ 0.1 ms in the database.
AUTHORIZED_SCOPE = CompiledQuery(
    _authorized_scope_query,
    fields={"authorization_id": Authorization._meta.pk, "purpose": Authorization._meta.get_field("purpose")},
    sentinels={"authorization_id": uuid.UUID(int=0x5C0BE), "purpose": "purpose-sentinel-5c0be"},
)


def authorized_scope(authorization: Authorization) -> list[tuple[Any, ...]]:
    """(kind, id, code) of every occupation and category the authorization names and
    (kind "rule", the columns of ``mandatory.RULE_COLUMNS``) the rules in force for its
    purpose: as read with the locked authorization (PostgreSQL), else in one query (the
    two link tables and the rules, united): the scope and the mandatory content are read
    at the same moment."""
    if all(hasattr(authorization, name) for name in _SCOPE_ARMS.values()):
        # The union's rows: the occupations' and categories' padded to the rules' width.
        width = 1 + len(RULE_COLUMNS)
        return [
            (kind, *row, *(None,) * (width - 1 - len(row)))
            for kind, name in _SCOPE_ARMS.items()
            for row in getattr(authorization, name) or ()
        ]
    return AUTHORIZED_SCOPE.rows(authorization_id=authorization.pk, purpose=authorization.purpose)


def report_scope(
    authorization: Authorization,
    occupations: Iterable[str] | None,
    categories: Iterable[str] | None,
) -> tuple[list[int] | None, list[int] | None, Mandatory, str | None]:
    """The occupation and category ids the report covers (None = all) and the rules of
    the authorization's purpose, or a refusal when the request asks for more than the
    authorization covers.

    The purpose's mandatory categories are always added back: an authorization
    granted before a rule existed, or a request narrowed through the API, still gets
    a report that tells the whole truth of its purpose (``services.mandatory``)."""
    allowed: dict[str, dict[str, int]] = {"occupation": {}, "category": {}}
    rules = []
    for kind, pk, code, *rest in authorized_scope(authorization):
        if kind == "rule":
            rules.append((pk, code, *rest))
        else:
            allowed[kind][code] = pk
    mandatory = mandatory_from_rows(authorization.purpose, rules)
    try:
        occupation_ids = _ids_asked(occupations, allowed["occupation"], Occupation)
        category_ids = _ids_asked(categories, allowed["category"], RecordCategory)
    except _OutOfScope:
        return None, None, mandatory, QueryLog.Reason.OUT_OF_SCOPE
    if category_ids is not None:
        category_ids = list(dict.fromkeys([*category_ids, *mandatory.category_ids]))
    return occupation_ids, category_ids, mandatory, None
