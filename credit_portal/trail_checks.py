"""Tables people rely on, checked against the audit trail.

The chain proves the trail (``verify_audit_chain``); the pages people read come from the
application's tables, which someone writing to the database past the application can
change without touching the trail. Where every row of a table is written with an audit
entry naming it, the entry (whose keyed MAC such a writer cannot forge) says what the row
must say: a check reads the entries and their rows and names every difference.
``manage.py verify_tables`` runs every check the apps register from their
``AppConfig.ready()`` (as they register city figures in ``credit_portal.statistics``):

- ``disclosure``: the query log people read ("Who queried me");
- ``departments``: department memberships, which open people's records to their holders;
- ``archives``: yearly findings, which finding of an archive and year is current;
- ``credit_portal``: roles, which open the portal's pages (``credit_portal.role_check``).

docs/audit.md says what each covers and what is not checked yet.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db.models import Model, QuerySet

from credit_portal.audit import MissingAuditKey
from credit_portal.audit.hashing import compute_content_mac
from credit_portal.models import AuditEntry


@dataclass
class TableCheck:
    """What one check found: how many entries it read, and each difference, in words."""

    name: str
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


_checks: list[tuple[str, Callable[[int], TableCheck]]] = []


def register(name: str, check: Callable[[int], TableCheck]) -> None:
    """``check(chunk_size)`` under ``name``; registering a name again replaces it."""
    _checks[:] = [(n, c) for n, c in _checks if n != name]
    _checks.append((name, check))


def run_all(*, chunk_size: int = 2000) -> list[TableCheck]:
    return [check(chunk_size) for _name, check in _checks]


# What is still in force when the entries that granted it are purged past retention: a
# check reading "the last entry grants it" would name every long-standing role and seat
# once the purge took their entries. Before the purge deletes the entries through a
# sequence, each carrier writes a fresh entry for what those entries granted and still
# holds (naming the entry it carries forward); it returns how many it wrote.
_carriers: list[Callable[[int, object], int]] = []


def register_carry_forward(carrier: Callable[[int, object], int]) -> None:
    """``carrier(through_sequence, by)``, called in the purge's transaction."""
    if carrier not in _carriers:
        _carriers.append(carrier)


def carry_forward(through: int, *, by: object) -> int:
    return sum(carrier(through, by) for carrier in _carriers)


def last_entries(actions: list[str], object_type: str, key: Callable[[AuditEntry], object], *,
                 chunk_size: int = 2000) -> dict[object, AuditEntry]:
    """The last entry of ``actions`` on ``object_type`` for each ``key(entry)``, oldest first read."""
    last: dict[object, AuditEntry] = {}
    for entry in (
        AuditEntry.objects.filter(action__in=actions, object_type=object_type).order_by("pk").iterator(chunk_size=chunk_size)
    ):
        last[key(entry)] = entry
    return last


def batches(entries: Iterator[AuditEntry], size: int) -> Iterator[list[AuditEntry]]:
    while batch := list(islice(entries, size)):
        yield batch


def entries_with_rows(
    result: TableCheck, actions: list[str], rows: QuerySet[Model], *, named: str, chunk_size: int,
    through: int | None = None,
) -> Iterator[tuple[AuditEntry, Model]]:
    """Each intact entry of ``actions`` naming a row of ``rows``' model, oldest first, with
    that row (read ``chunk_size`` at a time from ``rows``), counted in ``result``. An
    entry that cannot be trusted, or whose row is missing (``named`` and its id), is a
    problem in ``result`` and not yielded. ``through``: only entries chained at or before
    that sequence (what a purge is about to delete)."""
    entries = AuditEntry.objects.filter(action__in=actions, object_type=rows.model._meta.label_lower)
    if through is not None:
        entries = entries.filter(sequence__lte=through)
    entries = entries.order_by("pk").iterator(chunk_size=chunk_size)
    for batch in batches(entries, chunk_size):
        found = rows.in_bulk([int(e.object_id) for e in batch if e.object_id.isdigit()])
        for entry in batch:
            result.entries += 1
            if problem := entry_problem(entry):
                result.problems.append(problem)
                continue
            row = found.get(int(entry.object_id)) if entry.object_id.isdigit() else None
            if row is None:
                result.problems.append(f"{where(entry)}: {named} {entry.object_id} is missing")
                continue
            yield entry, row


def where(entry: AuditEntry) -> str:
    return f"audit entry {entry.uid} ({entry.action}, {entry.created_at:%Y-%m-%d %H:%M})"


def entry_problem(entry: AuditEntry) -> str | None:
    """Why ``entry`` itself cannot be trusted (its MAC, its key), or None."""
    try:
        intact = hmac.compare_digest(entry.content_mac, compute_content_mac(entry))
    except MissingAuditKey:
        return f"{where(entry)}: its key version {entry.key_version} is not configured"
    return None if intact else f"{where(entry)}: its MAC does not match (run verify_audit_chain)"
