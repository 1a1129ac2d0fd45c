"""Credit reports: frozen JSON snapshots with an SM3 digest, a number and a
verification code.

The snapshot holds what the reader was entitled to at the moment of issue and never
changes afterwards; its digest (SM3 over canonical JSON) is what the public
verification page confirms. The verification code is HMAC-SM3 of number and digest
under the server's blind-index key: printed on the report, never stored, checkable
only by someone holding the report.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from archives.levels.models import SEVERITY_RANK
from archives.levels.points import compute_points, is_pilot_on
from archives.levels.selectors import LevelPanel, panels_of
from archives.models import AnnualFinding, CreditRecord, Subject
from credit_portal import audit, inserts
from credit_portal.audit import canonical_json
from credit_portal.crypto import blind_index, sm3_hexdigest
from disclosure.models import Authorization, CreditReport, Institution
from disclosure.services import report_reads, report_retention
from disclosure.services.mandatory import Mandatory

if TYPE_CHECKING:
    from credit_portal.models import User

logger = logging.getLogger(__name__)

# 2: purpose, scope and what it leaves out, the negative check and the summary block.
# 3: the credit level of each archive whose reasons the report's scope covers.
FORMAT = "credit-report/3"


_SEVERITY_LABELS = dict(CreditRecord.Severity.choices)


def _record_entry(record: Any) -> dict[str, Any]:
    return {
        "title": record.title,
        "category": record.category_name,
        "category_code": record.category_code,
        "polarity": record.polarity,
        "severity": record.severity or None,
        "severity_label": str(_SEVERITY_LABELS.get(record.severity, record.severity)) if record.severity else None,
        "description": record.description,
        "decision_number": record.decision_number,
        "deciding_body": record.deciding_body,
        "occurred_on": record.occurred_on.isoformat(),
        "decided_on": record.decided_on.isoformat(),
        "display_until": record.display_until.isoformat() if record.display_until else None,
        "version": record.version,
        "under_objection": record.under_objection,
        "statement": record.statement,
    }


_FINDING_LABELS = dict(AnnualFinding.Status.choices)


def _finding_entry(year: int, status: str, decided_on: date | None) -> dict[str, Any]:
    # The label as ``get_status_display`` gives it; the decision day, from which the
    # 5-year retention of a warning or serious finding counts (``oldest_negative_on``).
    return {"year": year, "status": status, "status_label": str(_FINDING_LABELS.get(status, status)),
            "decided_on": decided_on.isoformat() if decided_on else None}


def _level_entry(
    panel: LevelPanel | None, *, shown_records: list[Any], shown_years: set[int], negative_complete: bool,
    all_categories: bool,
) -> dict[str, Any] | None:
    """The archive's credit level with its reasons, or None when the report's scope does
    not cover what the level rests on: a reader must not learn from the level what the
    report leaves out (《征信业管理条例》 art. 18, 20: only the authorized scope). The level
    says something about every negative record, so it needs them all; each reason's
    record or finding must be in the report; "clean years" speaks for every category.

    Nor when the report's own records contradict it: the level is recomputed after a
    record is published, by a task (``archives.levels.services``); until that has run
    (a worker down), "clean since X" beside a negative record decided after X would
    tell the reader two things at once. The records decide; the level is left out."""
    if panel is None or not negative_complete:
        return None
    shown_ids = {record.pk for record in shown_records}
    for line, reason in zip(panel.lines, panel.reasons, strict=True):
        kind = line.kind
        if kind == "record" and reason.get("record") not in shown_ids:
            return None
        if kind == "finding" and reason.get("year") not in shown_years:
            return None
        if kind == "clean" and (not all_categories or _clean_contradicted(reason, shown_records)):
            return None
    return {
        "level": panel.level, "label": panel.label, "assessed_on": panel.computed_on.isoformat(),
        "reasons": [{"text": line.text, "basis": line.basis} for line in panel.lines],
    }


def _clean_contradicted(reason: dict[str, Any], records: list[Any]) -> bool:
    """Whether one of ``records`` (the archive's, each in effect) is a negative record the
    clean-years rule counts, decided on or after the day the clean stretch began."""
    since = date.fromisoformat(str(reason.get("since")))
    floor = SEVERITY_RANK.get(str((reason.get("rule_spec") or {}).get("severity") or "minor"), 0)
    return any(
        record.polarity == CreditRecord.Polarity.NEGATIVE and SEVERITY_RANK.get(record.severity, 0) >= floor
        and record.decided_on >= since
        for record in records
    )


def _summary(records: list[Any], archives: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary block at the top of the report, laid out like the PBOC report's
    信息概要: records by kind and severity, open objections, the latest finding of each
    archive and the personal statements."""
    polarity = CreditRecord.Polarity
    negative = [r for r in records if r.polarity == polarity.NEGATIVE]
    return {
        "records": len(records),
        "positive": sum(1 for r in records if r.polarity == polarity.POSITIVE),
        "neutral": sum(1 for r in records if r.polarity == polarity.NEUTRAL),
        "negative": len(negative),
        "negative_by_severity": [
            {"severity": value, "label": str(label), "count": sum(1 for r in negative if r.severity == value)}
            for value, label in reversed(CreditRecord.Severity.choices)
        ],
        "under_objection": sum(1 for r in records if r.under_objection),
        "statements": sum(1 for a in archives for r in a["records"] if r["statement"]),
        "latest_findings": [
            {"occupation": a["occupation"], **a["findings"][0]} for a in archives if a["findings"]
        ],
        "credit_levels": [
            {"occupation": a["occupation"], "label": a["credit_level"]["label"], "level": a["credit_level"]["level"]}
            for a in archives if a.get("credit_level")
        ],
        # Integrity points (pilot): only where the archives carry them, i.e. with the
        # person's say-so and while the pilot is on (``build_content``).
        **({"points": [
            {"occupation": a["occupation"], "total": a["points"]["total"]} for a in archives if a.get("points")
        ]} if any(a.get("points") for a in archives) else {}),
    }


def build_content(
    subject: Subject,
    *,
    number: str,
    kind: str,
    issued_at: datetime,
    institution: Institution | None = None,
    authorization: Authorization | None = None,
    occupation_ids: list[int] | None = None,
    category_ids: list[int] | None = None,
    mandatory: Mandatory | None = None,
    today: date | None = None,
    include_points: bool = False,
) -> dict[str, Any]:
    """The report snapshot: the subject (masked number), the purpose, the scope and
    what it leaves out, the summary, and the effective records in scope by archive.

    ``mandatory`` (the purpose's rules) adds every effective negative record of the
    archives in scope whatever the categories, and the latest signed yearly finding;
    with every category in scope all signed findings are shown. "无不良记录" is stated
    only when the report looked at every archive and every negative record of the
    person (``negative_check.complete``); otherwise the report says what it looked at.
    """
    today = today or timezone.localdate()
    mandatory = mandatory or Mandatory(purpose="")
    records = report_reads.report_records(
        subject, occupation_ids=occupation_ids, category_ids=category_ids,
        every_negative=mandatory.negative_records, today=today,
    )
    with_findings = category_ids is None or mandatory.latest_finding
    every_archive = report_reads.report_archives(subject, with_findings=with_findings, today=today)
    in_scope = [a for a in every_archive if occupation_ids is None or a.occupation_id in occupation_ids]
    findings: dict[int, list[dict[str, Any]]] = {}
    if with_findings:
        for archive_id, year, status, decided_on in report_reads.findings_of(in_scope, today=today):
            kept = findings.setdefault(archive_id, [])
            if category_ids is None or not kept:
                kept.append(_finding_entry(year, status, decided_on))
    panels = panels_of(level for a in in_scope if (level := getattr(a, "credit_level", None)) is not None)
    assessed = {a.occupation.code for a in in_scope if a.id in panels}
    by_archive: dict[int, list[dict[str, Any]]] = {}
    for record in records:
        by_archive.setdefault(record.archive_id, []).append(_record_entry(record))
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
            "credit_level": _level_entry(
                panels.get(archive.id), shown_records=[r for r in records if r.archive_id == archive.id],
                shown_years={f["year"] for f in findings.get(archive.id, [])},
                negative_complete=category_ids is None or mandatory.negative_records,
                all_categories=category_ids is None,
            ),
        }
        for archive in in_scope
    ]
    # 诚信积分 (pilot, 002 §二(四)3): only with the person's say-so (own report, or an
    # authorization they gave with the points included) and while the pilot is on; and,
    # like the credit level, only where the report holds every record and finding the
    # points are counted from (every category): each line names its record, and a
    # reader must not learn from them what the report leaves out (《征信业管理条例》
    # arts. 18, 20).
    points_withheld = include_points and is_pilot_on() and category_ids is not None
    if include_points and is_pilot_on() and not points_withheld:
        for entry, archive in zip(archives, in_scope, strict=True):
            points = compute_points(archive, on=today)
            entry["points"] = {"total": points.total, "lines": [
                {"text": line.text, "points": line.points, "basis": line.basis} for line in points.lines
            ]}
    summary = _summary(records, archives)
    withheld_levels = any(a["credit_level"] is None for a in archives if a["occupation_code"] in assessed)
    chosen, held = report_reads.scope_categories(category_ids, in_scope)
    every_archive_seen = {a.occupation_id for a in every_archive} <= {a.occupation_id for a in in_scope}
    complete = every_archive_seen and (category_ids is None or mandatory.negative_records)
    scope: dict[str, Any] = {
        "all_archives": occupation_ids is None or every_archive_seen,
        "all_categories": category_ids is None,
        "occupations": [a.occupation.name for a in in_scope],
        "categories": chosen,
        "mandatory": mandatory.labels(),
        "mandatory_sources": list(mandatory.sources),
        "left_out": _left_out(held, category_ids, mandatory, every_archive_seen)
        + ([str(_("the credit level, which rests on information outside this report"))] if withheld_levels else [])
        + ([str(_("the integrity points, which rest on information outside this report"))] if points_withheld else []),
    }
    negative = sum(1 for r in records if r.polarity == CreditRecord.Polarity.NEGATIVE)
    return {
        "format": FORMAT,
        "number": number,
        "kind": kind,
        "issued_at": issued_at.isoformat(),
        "effective_on": today.isoformat(),
        "issued_to": {"name": institution.name, "credit_code": institution.credit_code} if institution else None,
        "authorization": authorization.reference if authorization else None,
        "purpose": authorization.purpose_label if authorization else str(_("the person's own reading")),
        "subject": {
            "name": subject.name,
            "id_number_masked": subject.id_number_masked,
            "gender": subject.gender,
        },
        "scope": scope,
        "negative_check": {"complete": complete, "found": negative},
        "archives": archives,
        "summary": summary,
    }


def _left_out(
    held: list[str],
    category_ids: list[int] | None,
    mandatory: Mandatory,
    every_archive_seen: bool,
) -> list[str]:
    """What the report does not cover, in words (``held``: the categories left out).
    Other archives are named only as "other archives, if any": the reader must not
    learn from the report that more exist."""
    items: list[str] = []
    if not every_archive_seen:
        items.append(str(_("the person's other archives, if any")))
    if category_ids is not None:
        names = "、".join(held)
        if names and mandatory.negative_records:
            items.append(str(_("records of the categories %(names)s, except negative records") % {"names": names}))
        elif names:
            items.append(str(_("records of the categories %(names)s") % {"names": names}))
        if mandatory.latest_finding:
            items.append(str(_("yearly findings before the latest one")))
        else:
            items.append(str(_("yearly findings")))
    return items


def digest_of(content: dict[str, Any]) -> str:
    return sm3_hexdigest(canonical_json(content).encode("utf-8"))


def content_intact(report: CreditReport, *, request: HttpRequest | None = None, channel: str = "web") -> bool:
    """Whether the report's stored content is still the content issued: its digest,
    recomputed. Every page that shows a report (its own, its PDF, the verification) asks
    first. The verification code is keyed on the number and the *stored* digest, so
    content changed in the database with the digest left alone would otherwise verify
    as genuine and be shown as issued. A mismatch is audited and logged for the
    operators (the report's id, nothing of its content); the caller shows none of it."""
    if hmac.compare_digest(report.digest, digest_of(report.content)):
        return True
    logger.error("Credit report %s: its stored content no longer matches its digest", report.pk)
    audit.record(
        "disclosure.report.altered", target=report, subject_ref=str(report.subject_id),
        detail={"channel": channel}, request=request,
    )
    return False


def new_report_number() -> str:
    # Twelve random digits: with eight, two clashes came in ~10,000 reports of one day
    # (birthday bound); twelve make a clash rare and ``issue_report`` retries one.
    return f"XY{timezone.localdate():%Y%m%d}{secrets.randbelow(10**12):012d}"


NUMBER_ATTEMPTS = 5


def verification_code(report: CreditReport) -> str:
    raw = blind_index(f"{report.number}:{report.digest}", purpose="report_verification")[:12].upper()
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


# ``CreditReport.objects.create``'s INSERT, compiled once per process, unless the number is taken.
INSERT_REPORT = inserts.CompiledInsert(CreditReport)


def issue_report(
    subject: Subject,
    *,
    kind: str,
    to_user: User,
    institution: Institution | None = None,
    authorization: Authorization | None = None,
    occupation_ids: list[int] | None = None,
    category_ids: list[int] | None = None,
    mandatory: Mandatory | None = None,
    write: Callable[[CreditReport], bool] | None = None,
) -> CreditReport:
    """Freeze a report. Runs inside the caller's transaction (the query or the self
    download), which writes the audit entry.

    The number is random; a clash with an existing report (unique constraint) writes
    nothing (``ON CONFLICT DO NOTHING``) and is retried with a fresh number, so a busy
    day never answers a query with an error. ``write``: writes the new report with what
    refers to it (the query's log and audit entry, in one statement) unless its number
    is taken, and says whether it wrote it; by default the report is written alone."""
    now = timezone.now()
    content = build_content(
        subject, number="", kind=kind, issued_at=now, institution=institution, authorization=authorization,
        occupation_ids=occupation_ids, category_ids=category_ids, mandatory=mandatory,
        include_points=authorization.include_points if authorization is not None else kind == CreditReport.Kind.SELF,
    )
    for _attempt in range(NUMBER_ATTEMPTS):
        number = new_report_number()
        frozen = {**content, "number": number}
        report = CreditReport(
            number=number, kind=kind, subject=subject, institution=institution, authorization=authorization,
            issued_at=now, issued_to_user=to_user, content=frozen, digest=digest_of(frozen),
            oldest_negative_on=report_retention.oldest_negative_on(frozen),
        )
        # ON CONFLICT DO NOTHING: a number (or, never in practice, a random id) already
        # taken writes nothing and raises nothing, so the query's transaction goes on
        # without a savepoint around the INSERT; the next attempt takes a fresh number.
        if write(report) if write is not None else INSERT_REPORT.insert_unless_taken(report):
            return report
    raise IntegrityError(f"report number: {NUMBER_ATTEMPTS} numbers in a row were taken")


def issue_self_report(subject: Subject, *, by: User, request: HttpRequest | None = None) -> CreditReport:
    """The person's own report: every archive and category, effective records (what a
    fully authorized institution would see). Reading one's own record needs no
    authorization and is not a third-party query, but it is audited."""
    with transaction.atomic():
        report = issue_report(subject, kind=CreditReport.Kind.SELF, to_user=by)
        audit.record(
            "disclosure.report.self_issued", actor=by, target=report, subject_ref=str(subject.pk), request=request
        )
    return report
