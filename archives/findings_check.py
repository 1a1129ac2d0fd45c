"""Yearly findings against the audit trail (a check of ``credit_portal.trail_checks``,
run by ``manage.py verify_tables``).

A person's report carries their archive's latest signed finding (002 §二(三)1: "信用状况";
001 annex, signed with the department's seal), and the green channel and the credit
levels read it too. Its seal (``services.findings.seal_of``) covers what the finding
says, but not which version is current: a database writer could put back an older
serious finding in place of the trustworthy one signed after it (flip ``is_current``),
delete the newer row, or mark a signed finding a draft, and every seal would still
match. Findings are signed only by ``services.findings.sign_finding``, which writes
``archives.finding.signed`` naming the row. So for every such entry the row must exist,
be signed or superseded, and match its seal; and for each archive and year, the current
finding must be the one signed last. Rows with no entry (bulk-loaded data) are not this
check's business.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.utils import timezone

from archives.models import AnnualFinding, DisplayRule, Evidence
from archives.services.findings import seal_for
from archives.services.records import display
from credit_portal.models import AuditEntry
from credit_portal.trail_checks import (
    CHAIN_ORDER,
    Carry,
    CarryChanged,
    TableCheck,
    carried,
    carry_rows,
    entries_with_rows,
    entry_problem,
    vouched_ids,
    where,
)

SIGNED = "archives.finding.signed"
# Findings deleted at the 5-year retention limit (``services.retention``): the entry names
# the deleted rows and records, for each signed one, the fields this check compares, so
# that a lawful deletion is told from a database writer's.
PURGED = "archives.finding.purged"
# Signed findings whose entries the purge took, carried forward by id with a digest of
# what cannot change once signed (the seal covers the words and the evidence); the state
# and is_current change when a later version is signed, so they are checked, not digested.
CARRIED = "archives.finding.carried"
_COMPARED = ("id", "archive_id", "year", "version", "seal")
_KEPT = {AnnualFinding.State.SIGNED, AnnualFinding.State.SUPERSEDED}
_EVIDENCE = Prefetch("evidence", queryset=Evidence.objects.only("id", "finding", "digest"))


def _sealed_as_signed(row: AnnualFinding) -> bool:
    # services.findings.seal_of, with the evidence read for the whole batch.
    return bool(row.seal) and row.seal == seal_for(
        archive_id=row.archive_id, year=row.year, version=row.version, status=row.status, basis=row.basis,
        signed_by_id=row.signed_by_id, signed_at=row.signed_at.isoformat() if row.signed_at else None,
        evidence_digests=[evidence.digest for evidence in row.evidence.all()],
    )


def _dates_problem(row: AnnualFinding) -> str | None:
    """The decision day and the display end, which the seal does not cover (they are
    derived when signing): the day must be the one the signing time gives
    (``display.finding_decided_on``), which the retention purge counts from; the end
    within the national bounds of the finding's tier from it (``DisplayRule.BOUNDS``),
    so a report neither shows it past the law's maximum nor hides it before the minimum.
    The rules in force at signing may be shorter than the bounds: a change within them
    is not seen here."""
    if row.signed_at is None:
        return None
    decided_on = display.finding_decided_on(row.year, timezone.localdate(row.signed_at))
    if row.decided_on != decided_on:
        return f"its decision day is {row.decided_on}, its signature gives {decided_on}"
    low, high = DisplayRule.BOUNDS.get(AnnualFinding.TIERS.get(row.status, ""), (0, None))
    until = row.display_until
    if until is None or until < display.add_months(decided_on, low) or (
            high is not None and until > display.add_months(decided_on, high)):
        return f"it is shown in reports until {until}, outside the rules' bounds from {decided_on}"
    return None


def _named(row: AnnualFinding) -> str:
    return f"finding {row.pk} (archive {row.archive_id}, {row.year}, version {row.version})"


def check_findings(chunk_size: int = 2000) -> TableCheck:
    """Every ``archives.finding.signed`` entry and its finding, then the current finding
    of each archive and year those entries signed."""
    result = TableCheck("yearly findings")
    gone = purged_findings(result)
    last_signed: dict[tuple[int, int], AnnualFinding] = {}  # (archive, year) → the finding signed last
    # Carried findings were signed before every entry still in the trail; within an
    # archive and year, a higher version was signed later.
    earlier: list[AnnualFinding] = []
    for ids in carried(result, CARRIED, _compared_rows, named="finding", gone=gone):
        for row in AnnualFinding.objects.filter(pk__in=ids).prefetch_related(_EVIDENCE).order_by("pk"):
            if row.state not in _KEPT:
                result.problems.append(f"{_named(row)} was signed (carried forward), yet is now {row.state}")
            elif not _sealed_as_signed(row):
                result.problems.append(f"{_named(row)} (carried forward) no longer matches its seal")
            elif problem := _dates_problem(row):
                result.problems.append(f"{_named(row)} (carried forward): {problem}")
            earlier.append(row)
    for row in sorted(earlier, key=lambda r: (r.archive_id, r.year, r.version)):
        last_signed[(row.archive_id, row.year)] = row
    for entry, row in entries_with_rows(
        result, [SIGNED], AnnualFinding.objects.prefetch_related(_EVIDENCE), named="finding", chunk_size=chunk_size,
        gone=gone,
    ):
        if row.state not in _KEPT:
            result.problems.append(f"{where(entry)}: {_named(row)} was signed, yet is now {row.state}")
        elif not _sealed_as_signed(row):
            result.problems.append(f"{where(entry)}: {_named(row)} no longer matches its seal")
        elif problem := _dates_problem(row):
            result.problems.append(f"{where(entry)}: {_named(row)}: {problem}")
        # Entries are read oldest first, so the last one of an archive and year wins.
        last_signed[(row.archive_id, row.year)] = row
    archive_ids = sorted({archive_id for archive_id, _year in last_signed})
    current: dict[tuple[int, int], list[AnnualFinding]] = {}
    for start in range(0, len(archive_ids), chunk_size):
        for row in AnnualFinding.objects.filter(
            archive_id__in=archive_ids[start:start + chunk_size], is_current=True
        ).order_by("pk"):
            current.setdefault((row.archive_id, row.year), []).append(row)
    for key, signed in last_signed.items():
        shown = current.get(key, [])
        if [row.pk for row in shown] != [signed.pk] or shown[0].state != AnnualFinding.State.SIGNED:
            instead = ", ".join(f"{_named(row)} ({row.state})" for row in shown) or "none"
            result.problems.append(
                f"archive {key[0]}, {key[1]}: the finding signed last is {_named(signed)}, "
                f"but the current one is {instead}"
            )
    return result


def purged_findings(result: TableCheck) -> dict[int, tuple[object, ...]]:
    """The findings deleted at their retention limit, by id, with the compared fields their
    deletion recorded, from the intact ``archives.finding.purged`` entries (an entry that
    cannot be trusted is a problem in ``result`` and excuses nothing). A deleted finding
    back in the table is a problem too: the purge took it, a writer put it back.

    Once the audit purge takes a deletion's entry, nothing names its findings any more:
    ``carry_forward_findings`` drops them from what it carries."""
    gone: dict[int, tuple[object, ...]] = {}
    for entry in AuditEntry.objects.filter(action=PURGED).order_by(*CHAIN_ORDER).iterator(chunk_size=500):
        result.entries += 1
        if problem := entry_problem(entry):
            result.problems.append(problem)
            continue
        for fields in entry.detail.get("signed", []):
            gone[int(fields[0])] = tuple(fields)
    # By id, and by seal: a copy put back under a new id carries the seal of the row the
    # purge deleted (the seal covers the archive, year, version and words, not the id).
    seals = {str(fields[4]) for fields in gone.values() if fields[4]}
    back = AnnualFinding.objects.filter(Q(pk__in=list(gone)) | Q(seal__in=sorted(seals))) if gone else None
    for pk in back.values_list("pk", flat=True) if back is not None else []:
        result.problems.append(f"finding {pk} was deleted at its retention limit, yet is in the table again")
    return gone


def _compared_rows(ids: list[int], version: int = 1) -> list[tuple[object, ...]]:  # noqa: ARG001 - one version
    return list(AnnualFinding.objects.filter(pk__in=ids).order_by().values_list(*_COMPARED))


def carry_forward_findings(through: int) -> list[Carry]:
    """Before the trail's entries through sequence ``through`` are purged: the findings
    their ``finding.signed`` entries vouch for (intact entries, rows signed or superseded
    and matching their seal) and the carried entries among them: the entries to write
    (``trail_checks.register_bulk_carry``)."""
    # Every finding must still be as signed (``vouched_ids`` refuses otherwise): one changed
    # after the table check would lose its only evidence with the entry.
    check = TableCheck("carry")
    gone = purged_findings(check)
    if check.problems:
        raise CarryChanged(check.problems)
    vouched = vouched_ids(
        [SIGNED], AnnualFinding.objects.prefetch_related(_EVIDENCE), named="finding", through=through,
        differs=lambda _entry, row: (
            _dates_problem(row) if row.state in _KEPT and _sealed_as_signed(row)
            else "no longer matches what was signed"),
        gone=gone,
    )
    return carry_rows(CARRIED, vouched, _compared_rows, through=through, gone=gone)
