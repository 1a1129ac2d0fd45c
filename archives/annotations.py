"""Annotations that apps above ``archives`` attach to credit records, without
``archives`` importing them (DESIGN §2: credit_portal ← departments ← archives ←
disclosure, repair).

Personal statements (本人声明, DESIGN §7): where an objection could not be verified the
subject may attach a statement shown with the record on the staff archive page, in the
citizen portal and in credit reports. The ``repair`` app owns them and registers its
provider in ``RepairConfig.ready()``; ``archives`` views and ``disclosure`` reports
ask this registry. With no provider registered (``repair`` not installed) every record
simply has no statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

from django.db.models import Expression, TextField, Value
from django.db.models.functions import Coalesce

from archives.hooks import Registry

# lineages → {lineage: statement text}, one query for all records of a page or report.
StatementProvider = Callable[[list[uuid.UUID]], dict[uuid.UUID, str]]

_statement_providers: Registry[StatementProvider] = Registry()
register_statement_provider = _statement_providers.register


def personal_statements(lineages: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The personal statement shown with each record lineage that has one."""
    lineages = list(lineages)
    statements: dict[uuid.UUID, str] = {}
    if not lineages:
        return statements
    for provider in _statement_providers:
        statements.update(provider(lineages))
    return statements


# The same statements as an expression on a record row (``OuterRef("lineage")`` is the
# record's lineage), for a read that takes them with the records in one query (credit
# reports). A provider registers both forms; each must give what the other gives.
StatementExpressionProvider = Callable[[], Expression]

_statement_expressions: Registry[StatementExpressionProvider] = Registry()
register_statement_expression = _statement_expressions.register


def personal_statement_expression() -> Expression:
    """The personal statement of the record row (NULL where there is none): what
    ``personal_statements`` gives for its lineage, the last registered provider winning
    as there."""
    expressions = [provider() for provider in _statement_expressions]
    if not expressions:
        return Value(None, output_field=TextField())
    if len(expressions) == 1:
        return expressions[0]
    return Coalesce(*reversed(expressions), output_field=TextField())


def personal_statement_key() -> tuple[StatementExpressionProvider, ...]:
    """What ``personal_statement_expression`` is built from (the providers registered),
    for SQL compiled once with it (credit_portal.compiled): it changes when they do."""
    return tuple(_statement_expressions)


# Versions of the annotations for cached renderings of an archive (credit_portal.fragments):
# each provider gives a subquery expression evaluated per archive row (``OuterRef("pk")``
# is the archive, ``OuterRef("subject")`` its subject) that changes whenever what it
# annotates changes. Personal statements are only ever added, so their count is enough.
StampProvider = Callable[[], Expression]

_stamp_providers: dict[str, StampProvider] = {}


def register_stamp_provider(name: str, provider: StampProvider) -> None:
    """Register ``provider`` under ``name`` (registering again replaces it)."""
    _stamp_providers[name] = provider


def stamp_expressions() -> dict[str, Expression]:
    """The registered stamps as annotations, ``stamp_<name>``, in a fixed order."""
    return {f"stamp_{name}": _stamp_providers[name]() for name in sorted(_stamp_providers)}


def stamp_names() -> list[str]:
    """The annotation names of ``stamp_expressions``, in the same order, without building
    the expressions (reading a stamp needs only the names)."""
    return [f"stamp_{name}" for name in sorted(_stamp_providers)]
