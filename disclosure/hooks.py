"""Personal statements (本人声明, DESIGN §7) for credit reports.

Where an objection could not be verified the subject may attach a statement shown with
the record, in the portal and in credit reports. The ``repair`` app owns them and
registers its provider with ``archives.annotations`` (in ``RepairConfig.ready()``);
reports read that one registry, the same one the staff archive page reads, so
``disclosure`` does not name ``repair``. With no provider registered, reports carry
``"statement": null``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db.models import Expression

from archives import annotations


def personal_statements(lineages: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    return annotations.personal_statements(lineages)


def personal_statement_expression() -> Expression:
    """The same statements as an expression on a credit record row (NULL where none), so
    a report reads them with its records in one query."""
    return annotations.personal_statement_expression()


def personal_statement_key() -> tuple[object, ...]:
    """What the expression is built from, for SQL compiled once with it."""
    return annotations.personal_statement_key()
