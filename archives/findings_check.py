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

from django.db.models import Prefetch

from archives.models import AnnualFinding, Evidence
from archives.services.findings import seal_for
from credit_portal.trail_checks import TableCheck, entries_with_rows, where

SIGNED = "archives.finding.signed"
_KEPT = {AnnualFinding.State.SIGNED, AnnualFinding.State.SUPERSEDED}


def _sealed_as_signed(row: AnnualFinding) -> bool:
    # services.findings.seal_of, with the evidence read for the whole batch.
    return bool(row.seal) and row.seal == seal_for(
        archive_id=row.archive_id, year=row.year, version=row.version, status=row.status, basis=row.basis,
        signed_by_id=row.signed_by_id, signed_at=row.signed_at.isoformat() if row.signed_at else None,
        evidence_digests=[evidence.digest for evidence in row.evidence.all()],
    )


def _named(row: AnnualFinding) -> str:
    return f"finding {row.pk} (archive {row.archive_id}, {row.year}, version {row.version})"


def check_findings(chunk_size: int = 2000) -> TableCheck:
    """Every ``archives.finding.signed`` entry and its finding, then the current finding
    of each archive and year those entries signed."""
    result = TableCheck("yearly findings")
    last_signed: dict[tuple[int, int], AnnualFinding] = {}  # (archive, year) → the finding signed last
    evidence = Prefetch("evidence", queryset=Evidence.objects.only("id", "finding", "digest"))
    for entry, row in entries_with_rows(
        result, [SIGNED], AnnualFinding.objects.prefetch_related(evidence), named="finding", chunk_size=chunk_size,
    ):
        if row.state not in _KEPT:
            result.problems.append(f"{where(entry)}: {_named(row)} was signed, yet is now {row.state}")
        elif not _sealed_as_signed(row):
            result.problems.append(f"{where(entry)}: {_named(row)} no longer matches its seal")
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
