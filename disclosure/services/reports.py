"""Credit reports: frozen JSON snapshots with an SM3 digest, a number and a
verification code (issue 5 deliverable 5).

The snapshot holds what the reader was entitled to at the moment of issue and never
changes afterwards; its digest (SM3 over canonical JSON) is what the public
verification page confirms. The verification code is HMAC-SM3 of number and digest
under the server's blind-index key: printed on the report, never stored, checkable
only by someone holding the report.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from archives.models import AnnualFinding, CreditRecord, Subject
from credit_portal import audit
from credit_portal.audit import canonical_json
from credit_portal.crypto import blind_index, sm3_hexdigest
from disclosure import hooks
from disclosure.models import Authorization, CreditReport, Institution
from disclosure.selectors import effective_records

FORMAT = "credit-report/1"


def _record_entry(record: CreditRecord, statements: dict[Any, str]) -> dict[str, Any]:
    return {
        "title": record.title,
        "category": record.category.name,
        "category_code": record.category.code,
        "polarity": record.polarity,
        "severity": record.severity or None,
        "description": record.description,
        "decision_number": record.decision_number,
        "deciding_body": record.deciding_body,
        "occurred_on": record.occurred_on.isoformat(),
        "decided_on": record.decided_on.isoformat(),
        "display_until": record.display_until.isoformat() if record.display_until else None,
        "version": record.version,
        "under_objection": record.under_objection,
        # 本人声明 (DESIGN §7): filled by the repair app through disclosure.hooks.
        "statement": statements.get(record.lineage),
    }


def build_content(
    subject: Subject,
    *,
    number: str,
    kind: str,
    issued_at: Any,
    institution: Institution | None = None,
    authorization: Authorization | None = None,
    occupation_ids: list[int] | None = None,
    category_ids: list[int] | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """The report snapshot: the subject (masked number), the scope and the effective
    records in scope, grouped by archive. Signed yearly findings are included only when
    every category is in scope (a finding sums up the whole archive)."""
    today = today or timezone.localdate()
    records = list(effective_records(subject, occupation_ids=occupation_ids, category_ids=category_ids, today=today))
    # Every record, not only those under objection: a statement is added after an
    # objection is concluded as unverifiable, when the flag has already been cleared.
    statements = hooks.personal_statements({r.lineage for r in records})
    archives_qs = subject.archives.select_related("occupation", "department").order_by("occupation__sort_order", "id")
    if occupation_ids is not None:
        archives_qs = archives_qs.filter(occupation_id__in=occupation_ids)
    findings: dict[int, list[dict[str, Any]]] = {}
    if category_ids is None:
        for finding in AnnualFinding.objects.filter(
            archive__subject=subject, is_current=True, state=AnnualFinding.State.SIGNED
        ).order_by("-year"):
            if occupation_ids is None or finding.archive_id in {a.id for a in archives_qs}:
                findings.setdefault(finding.archive_id, []).append(
                    {"year": finding.year, "status": finding.status, "status_label": str(finding.get_status_display())}
                )
    by_archive: dict[int, list[dict[str, Any]]] = {}
    for record in records:
        by_archive.setdefault(record.archive_id, []).append(_record_entry(record, statements))
    archives = [
        {
            "occupation": archive.occupation.name,
            "occupation_code": archive.occupation.code,
            "department": archive.department.display_name,
            "employer": archive.employer,
            "title": archive.title,
            "post": archive.post,
            "records": by_archive.get(archive.id, []),
            "findings": findings.get(archive.id, []),
        }
        for archive in archives_qs
    ]
    negative = sum(1 for r in records if r.polarity == CreditRecord.Polarity.NEGATIVE)
    scope: dict[str, Any] = {"all_archives": occupation_ids is None, "all_categories": category_ids is None}
    if authorization is not None:
        scope["occupations"] = [o.name for o in authorization.occupations.all()]
        scope["categories"] = [c.name for c in authorization.categories.all()]
    return {
        "format": FORMAT,
        "number": number,
        "kind": kind,
        "issued_at": issued_at.isoformat(),
        "effective_on": today.isoformat(),
        "issued_to": {"name": institution.name, "credit_code": institution.credit_code} if institution else None,
        "authorization": authorization.reference if authorization else None,
        "purpose": authorization.purpose_label if authorization else None,
        "subject": {
            "name": subject.name,
            "id_number_masked": subject.id_number_masked,
            "gender": subject.gender,
        },
        "scope": scope,
        "archives": archives,
        "summary": {"records": len(records), "negative": negative, "positive": sum(
            1 for r in records if r.polarity == CreditRecord.Polarity.POSITIVE
        )},
    }


def digest_of(content: dict[str, Any]) -> str:
    return sm3_hexdigest(canonical_json(content).encode("utf-8"))


def new_report_number() -> str:
    return f"XY{timezone.localdate():%Y%m%d}{secrets.randbelow(10**8):08d}"


def verification_code(report: CreditReport) -> str:
    raw = blind_index(f"{report.number}:{report.digest}", purpose="report_verification")[:12].upper()
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def issue_report(
    subject: Subject,
    *,
    kind: str,
    to_user: object,
    institution: Institution | None = None,
    authorization: Authorization | None = None,
    occupation_ids: list[int] | None = None,
    category_ids: list[int] | None = None,
) -> CreditReport:
    """Freeze a report. Runs inside the caller's transaction (the query or the self
    download), which writes the audit entry."""
    now = timezone.now()
    number = new_report_number()
    content = build_content(
        subject, number=number, kind=kind, issued_at=now, institution=institution, authorization=authorization,
        occupation_ids=occupation_ids, category_ids=category_ids,
    )
    return CreditReport.objects.create(
        number=number, kind=kind, subject=subject, institution=institution, authorization=authorization,
        issued_at=now, issued_to_user=to_user, content=content, digest=digest_of(content),
    )


def issue_self_report(subject: Subject, *, by: object, request: HttpRequest | None = None) -> CreditReport:
    """The person's own report: every archive and category, effective records (what a
    fully authorized institution would see). Reading one's own record needs no
    authorization and is not a third-party query, but it is audited."""
    from django.db import transaction

    with transaction.atomic():
        report = issue_report(subject, kind=CreditReport.Kind.SELF, to_user=by)
        audit.record(
            "disclosure.report.self_issued", actor=by, target=report, subject_ref=str(subject.pk), request=request
        )
    return report


def check_report(number: str, code: str) -> CreditReport | None:
    """The report whose number and verification code both match, else None. The
    caller rate-limits; the comparison is constant-time."""
    number = "".join((number or "").split()).upper()
    report = CreditReport.objects.select_related("subject").filter(number=number).first()
    typed = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    # compare_digest refuses non-ASCII text (a TypeError, so a 500): compare bytes.
    typed = typed.encode("utf-8")  # type: ignore[assignment]
    if report is None:
        # Same work either way, so timing does not tell numbers apart.
        hmac.compare_digest(typed, b"0" * 12)
        return None
    expected = verification_code(report).replace("-", "")
    return report if hmac.compare_digest(typed, expected.encode("utf-8")) else None
