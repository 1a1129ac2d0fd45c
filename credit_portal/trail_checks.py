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
- ``archives``: yearly findings, which finding of an archive and year is current, and
  their decision day and display end;
- ``repair``: objections and repair applications, their state, outcome, deadlines and
  steps (``repair.case_check``);
- ``credit_portal``: roles, which open the portal's pages (``credit_portal.role_check``).

docs/audit.md says what each covers and what is not checked yet.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice

from django.conf import settings
from django.db.models import F, Model, QuerySet
from django.utils import timezone

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


# The bulk carriers (query log, findings) read every entry to purge and its row: planned
# before the purge takes the chain head, which every audited write waits for, and written
# under it. Entries up to ``through`` no longer change; a row changed in between was read
# before, so its digest names the change. (Roles and seats are few and are carried under
# the lock: a grant planned before a revocation and written after it would outlive it.)
Carry = tuple[str, dict[str, object]]  # an entry to write: its action and detail
_bulk: list[Callable[[int], list[Carry]]] = []


def register_bulk_carry(planner: Callable[[int], list[Carry]]) -> None:
    """``planner(through_sequence)`` gives the entries to write; called before the lock."""
    if planner not in _bulk:
        _bulk.append(planner)


def plan_bulk_carry(through: int) -> list[Carry]:
    return [carry for planner in _bulk for carry in planner(through)]


def write_carried(plan: list[Carry], *, by: object) -> int:
    from credit_portal import audit

    for action, detail in plan:
        audit.record(action, actor=by, detail=detail)  # type: ignore[arg-type]
    return len(plan)


# Rows vouched for by entries the purge is about to delete, carried forward in bulk: a
# table whose rows each have an entry of their own (the query log, yearly findings) gets,
# per CARRY_CHUNK rows, one fresh entry naming them by id ranges with their count and the
# SM3 digest of the fields its check compares; a carried entry about to be purged is
# carried again as it is. The entry's MAC makes the ranges and the digest as trustworthy
# as the entries they replace.
CARRY_CHUNK = 2000

# The order the checks read entries in, and so which entry of a role, a seat or a finding
# is the last: the chain's (``sequence`` is under the entry's hash and the chain's MACs),
# not the row id, which nothing signs and a database writer can swap. Entries not yet
# chained (reads, for seconds) come after every chained one.
CHAIN_ORDER = (F("sequence").asc(nulls_last=True), "pk")


class CarryChanged(Exception):
    """A row the entries to purge vouch for went or changed after the table check found
    nothing: carrying only the rest would delete the change's only evidence with its
    entry. The purge refuses (``audit_anchor.PurgeRefused``)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems[:5]))


def vouched_ids(actions: list[str], rows: QuerySet[Model], *, named: str, through: int,
                differs: Callable[[AuditEntry, Model], str | None], gone: Container[int] = frozenset()) -> list[int]:
    """The ids of ``rows`` that the entries of ``actions`` chained through ``through``
    vouch for, for a bulk carry; ``CarryChanged`` when any such row is missing (but those
    lawfully deleted, ``gone``) or ``differs`` (a reason) from its entry."""
    check = TableCheck("carry")
    ids: list[int] = []
    for entry, row in entries_with_rows(check, actions, rows, named=named, chunk_size=CARRY_CHUNK, through=through,
                                        gone=gone):
        if problem := differs(entry, row):
            check.problems.append(f"{where(entry)}: {named} {row.pk} {problem}")
        else:
            ids.append(row.pk)
    if check.problems:
        raise CarryChanged(check.problems)
    return ids


def fingerprint(rows: list[tuple[object, ...]]) -> str:
    """SM3 of ``rows`` (tuples whose first item is the id), in id order."""
    from credit_portal.crypto import sm3_hexdigest

    text = "\n".join("|".join("" if v is None else str(v) for v in row) for row in sorted(rows, key=lambda r: r[0]))
    return sm3_hexdigest(text.encode("utf-8"))


def id_ranges(ids: list[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for pk in sorted(ids):
        if ranges and pk == ranges[-1][1] + 1:
            ranges[-1][1] = pk
        else:
            ranges.append([pk, pk])
    return ranges


def ids_in(ranges: list[list[int]]) -> list[int]:
    return [pk for first, last in ranges for pk in range(first, last + 1)]


def carry_rows(action: str, ids: list[int], compared: Callable[..., list[tuple[object, ...]]], *,
               through: int, version: int = 1, gone: Mapping[int, Sequence[object]] | None = None) -> list[Carry]:
    """The ``action`` entries carrying ``ids`` (``compared(ids)`` gives the rows' compared
    fields, id first), then the ``action`` entries chained through ``through`` carried
    again as they are. ``version``: which fields ``compared`` covers, recorded in the entry
    (as "compared", from 2 on) so that the check reads the same fields later.

    ``gone``: rows lawfully deleted since (the retention purge), by id, with the compared
    fields the deletion's own entry recorded. A carried entry naming any of them is
    verified with those fields standing in for the rows, then carried again without
    them: once the deletion's entry is purged too, nothing names rows that are not there."""
    gone = gone or {}
    plan: list[Carry] = []
    for start in range(0, len(ids), CARRY_CHUNK):
        chunk = ids[start:start + CARRY_CHUNK]
        detail = {"ranges": id_ranges(chunk), "count": len(chunk), "digest": fingerprint(compared(chunk))}
        plan.append((action, detail | ({"compared": version} if version > 1 else {})))
    for entry in AuditEntry.objects.filter(action=action, sequence__lte=through).order_by(*CHAIN_ORDER):
        if problem := entry_problem(entry):
            raise CarryChanged([problem])
        carried_ids = ids_in(entry.detail["ranges"]) if gone else []
        dropped = [pk for pk in carried_ids if pk in gone]
        if not dropped:
            plan.append((action, {**entry.detail, "carried_forward": entry.uid}))
            continue
        entry_version = entry.detail.get("compared", 1)
        kept = [pk for pk in carried_ids if pk not in gone]
        rows = compared(kept, entry_version) if kept else []
        stand_ins = [tuple(gone[pk]) for pk in dropped]
        if len(rows) != len(kept) or fingerprint(rows + stand_ins) != entry.detail["digest"]:
            raise CarryChanged([f"{where(entry)}: the rows it carries changed before their deletion was carried"])
        if kept:
            plan.append((action, {"ranges": id_ranges(kept), "count": len(kept), "digest": fingerprint(rows),
                                  **({"compared": entry_version} if entry_version > 1 else {}),
                                  "carried_forward": entry.uid}))
    return plan


def carried(result: TableCheck, action: str, compared: Callable[..., list[tuple[object, ...]]], *,
            named: str, gone: Mapping[int, Sequence[object]] | None = None) -> Iterator[list[int]]:
    """Each intact ``action`` entry's ids whose rows are all there and say what was
    carried; a missing row (by id) or a changed one (by the entry's range) is a problem in
    ``result`` and its ids are not yielded. ``gone``: rows lawfully deleted since, with
    the compared fields their deletion recorded (``carry_rows``), which stand in for them
    in the digest and are not yielded."""
    gone = gone or {}
    for entry in AuditEntry.objects.filter(action=action).order_by(*CHAIN_ORDER).iterator(chunk_size=200):
        result.entries += 1
        if problem := entry_problem(entry):
            result.problems.append(problem)
            continue
        ids = ids_in(entry.detail["ranges"])
        version = entry.detail.get("compared", 1)
        rows = compared(ids, version)
        present = {row[0] for row in rows}
        rows += [tuple(gone[pk]) for pk in ids if pk in gone and pk not in present]
        missing = sorted(set(ids) - present - set(gone))
        if missing:
            shown = ", ".join(str(pk) for pk in missing[:10]) + (" …" if len(missing) > 10 else "")
            result.problems.append(f"{where(entry)}: {len(missing)} {named} rows it carries are missing ({shown})")
        elif fingerprint(rows) != entry.detail["digest"]:
            result.problems.append(
                f"{where(entry)}: the {named} rows it carries (ids {ids[0]}–{ids[-1]}) no longer say what their "
                "purged entries recorded"
            )
        else:
            yield [pk for pk in ids if pk in present]


def last_entries(actions: list[str], object_type: str, key: Callable[[AuditEntry], object], *,
                 chunk_size: int = 2000) -> dict[object, AuditEntry]:
    """The last entry of ``actions`` on ``object_type`` for each ``key(entry)``, oldest first read."""
    last: dict[object, AuditEntry] = {}
    for entry in (
        AuditEntry.objects.filter(action__in=actions, object_type=object_type).order_by(*CHAIN_ORDER)
        .iterator(chunk_size=chunk_size)
    ):
        last[key(entry)] = entry
    return last


def batches(entries: Iterator[AuditEntry], size: int) -> Iterator[list[AuditEntry]]:
    while batch := list(islice(entries, size)):
        yield batch


def entries_with_rows(
    result: TableCheck, actions: list[str], rows: QuerySet[Model], *, named: str, chunk_size: int,
    through: int | None = None, gone: Container[int] = frozenset(),
) -> Iterator[tuple[AuditEntry, Model]]:
    """Each intact entry of ``actions`` naming a row of ``rows``' model, oldest first, with
    that row (read ``chunk_size`` at a time from ``rows``), counted in ``result``. An
    entry that cannot be trusted, or whose row is missing (``named`` and its id), is a
    problem in ``result`` and not yielded; a row lawfully deleted since (its id in
    ``gone``) is not yielded either, and is no problem. ``through``: only entries chained
    at or before that sequence (what a purge is about to delete)."""
    entries = AuditEntry.objects.filter(action__in=actions, object_type=rows.model._meta.label_lower)
    if through is not None:
        entries = entries.filter(sequence__lte=through)
    entries = entries.order_by(*CHAIN_ORDER).iterator(chunk_size=chunk_size)
    for batch in batches(entries, chunk_size):
        found = rows.in_bulk([int(e.object_id) for e in batch if e.object_id.isdigit()])
        for entry in batch:
            result.entries += 1
            if problem := entry_problem(entry):
                result.problems.append(problem)
                continue
            row = found.get(int(entry.object_id)) if entry.object_id.isdigit() else None
            if row is None:
                if not (entry.object_id.isdigit() and int(entry.object_id) in gone):
                    result.problems.append(f"{where(entry)}: {named} {entry.object_id} is missing")
                continue
            yield entry, row


def where(entry: AuditEntry) -> str:
    return f"audit entry {entry.uid} ({entry.action}, {entry.created_at:%Y-%m-%d %H:%M})"


def entry_problem(entry: AuditEntry) -> str | None:
    """Why ``entry`` itself cannot be trusted (its MAC, its key, never chained), or None.

    An entry the chainer has not taken within ``AUDIT_UNCHAINED_GRACE_MINUTES`` of being
    written proves nothing: a purged entry put back (its uid is free again, its content
    MAC still verifies) stays unchained (``audit.chain_pending`` refuses entries older
    than the retention), and must not decide a role, a seat or a finding here."""
    try:
        intact = hmac.compare_digest(entry.content_mac, compute_content_mac(entry))
    except MissingAuditKey:
        return f"{where(entry)}: its key version {entry.key_version} is not configured"
    if not intact:
        return f"{where(entry)}: its MAC does not match (run verify_audit_chain)"
    if entry.sequence is None and entry.created_at < timezone.now() - timedelta(
            minutes=settings.AUDIT_UNCHAINED_GRACE_MINUTES):
        return f"{where(entry)}: never chained (run verify_audit_chain)"
    return None
