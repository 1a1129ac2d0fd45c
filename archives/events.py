"""Payloads of the events the archives app hands to the exchange (DESIGN §9).

The payload is what the municipal platform needs to know; it never carries the ID
number or phone in clear. The person is identified by ``subject_id`` (stable, opaque)
and ``id_number_digest`` (an HMAC-SM3 under the platform key, see exchange docs).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from archives.hooks import archive_content_changed
from archives.models import AnnualFinding, CreditRecord, Subject
from credit_portal import generations
from exchange.outbox import emit, fit, redact, withhold_older


def _subject_part(record_or_finding: CreditRecord | AnnualFinding) -> dict[str, Any]:
    subject = record_or_finding.archive.subject
    return {
        "subject_id": str(subject.pk),
        "subject_index": subject.id_number_index,
        "name": subject.name,
        "occupation": record_or_finding.archive.occupation.code,
        "department": record_or_finding.archive.department.code,
    }


# The schema's longest record ``reason`` (docs/exchange/schema-v1.json). A change's reason
# may be longer: the credit office's written answer to the person (up to 5,000 characters)
# becomes the reason of the repair, withdrawal or correction it decides. The platform gets
# its first 2,000 characters, marked as cut; the portal keeps it whole.
REASON_MAX = 2000


def _reason(text: str) -> str | None:
    return fit(text, REASON_MAX) if text else None


# What a record of conduct before 18 does not send: anything that says who or what. 003
# item 10: "对已悔过改正旧有轻微失信行为的未成年人予以适当保护"; such a record is in no report,
# public list, credit level or points (DESIGN §3), and the platform shares onwards. It
# learns that this version of the lineage exists (not whose), its state and dates, so that it drops
# what it holds of the lineage's earlier versions (a correction showing the person was
# under 18) and orders the later events; never the name, the title or the decision.
WITHHELD_FOR_MINORS = (
    "subject_id", "subject_index", "name", "title", "decision_number", "deciding_body", "unit_credit_code", "unit_name",
    "reason",
)


def record_payload(record: CreditRecord) -> dict[str, Any]:
    payload = _record_payload(record)
    if record.subject_was_minor:
        payload.update(dict.fromkeys(WITHHELD_FOR_MINORS))
    return payload


def _record_payload(record: CreditRecord) -> dict[str, Any]:
    return {
        "record_id": record.pk,
        "lineage": str(record.lineage),
        "version": record.version,
        "state": record.state,
        "category": record.category.code,
        "polarity": record.polarity,
        "severity": record.severity or None,
        "title": record.title,
        "decision_number": record.decision_number,
        "deciding_body": record.deciding_body,
        "occurred_on": record.occurred_on.isoformat(),
        "decided_on": record.decided_on.isoformat(),
        "display_until": record.display_until.isoformat() if record.display_until else None,
        "domain": record.domain.code if record.domain_id else None,
        "unit_credit_code": record.unit_credit_code or None,
        "unit_name": record.unit_name or None,
        # ``unit``: written because of a unit's serious dishonesty (003 §三（一）2, archives.units).
        "source": record.source,
        # 001 §三（五）: the activity that produced the information (日常监管 … 处罚处分).
        "source_type": record.source_type or None,
        "under_objection": record.under_objection,
        "subject_was_minor": record.subject_was_minor,
        "supersedes": record.supersedes_id,
        "reason": _reason(record.change_reason),
        **_subject_part(record),
    }


def emit_record_event(event_type: str, record: CreditRecord) -> None:
    if record.subject_was_minor:
        withhold_older(str(record.lineage), version=record.version)
    emit(event_type, aggregate=record, payload=record_payload(record))
    # Every record event is a change of what the archive says (published, corrected,
    # withdrawn, repaired, expired, flagged): its listeners, e.g. the credit level, follow.
    archive_content_changed(record.archive_id)
    # Cached renderings of the public lists name this generation in their key.
    generations.advance_on_commit("records")


def emit_subject_renamed(subject: Subject) -> None:
    """Every record and finding event names the person; a name changed in the portal
    reaches the platform too, which otherwise kept the old name against all of them."""
    emit("subject.renamed", aggregate=subject, payload={
        "subject_id": str(subject.pk), "subject_index": subject.id_number_index, "name": subject.name,
    })


def emit_finding_signed(finding: AnnualFinding) -> None:
    emit(
        "finding.signed",
        aggregate=finding,
        payload={
            "finding_id": finding.pk,
            "year": finding.year,
            "version": finding.version,
            "status": finding.status,
            "basis": finding.basis,
            "signed_at": finding.signed_at.isoformat() if finding.signed_at else None,
            "display_until": finding.display_until.isoformat() if finding.display_until else None,
            "seal": finding.seal,
            **_subject_part(finding),
        },
    )
    archive_content_changed(finding.archive_id)


def emit_findings_purged(*, archive_id: int, finding_ids: list[int], subject: Subject, purged_on: date) -> None:
    """``finding.purged``: the warning or serious versions of an archive's yearly finding
    past the 5-year retention limit were deleted (《征信业管理条例》 art. 16), as
    ``record.purged`` for a record. The platform deletes what it holds of those findings;
    the content of the events that carried them is blanked first. Only ids travel. The
    archive's credit level is recomputed, as for any change of its findings."""
    blanked = redact(aggregate_type=AnnualFinding._meta.label_lower, aggregate_ids=[str(pk) for pk in finding_ids])
    emit(
        "finding.purged",
        aggregate=("archives.findingpurge", str(min(finding_ids))),
        payload={
            "finding_ids": sorted(finding_ids),
            "rule": "art16-5y",
            "purged_on": purged_on.isoformat(),
            "subject_id": str(subject.pk),
            "subject_index": subject.id_number_index,
            "events": blanked,
        },
    )
    archive_content_changed(archive_id)


def blank_events_about(about: dict[type[Any], set[object]]) -> list[str]:
    """Blank the content of every outbox event whose aggregate is one of the rows the
    retention purge deletes (``about``, by model): a case's steps, a listing's
    publication and removal, its punishment case (``exchange.outbox.redact``). Returns
    the events' ids."""
    blanked: list[str] = []
    for model, pks in about.items():
        if pks:
            blanked += redact(aggregate_type=model._meta.label_lower, aggregate_ids=[str(pk) for pk in pks])
    return blanked


def emit_versions_purged(*, lineage: str, record_ids: list[int], about: dict[type[Any], set[object]],
                         archive_id: int, subject: Subject, purged_on: date) -> None:
    """``record.versions_purged``: the negative versions ``record_ids`` of a lineage whose
    version in force is not negative were deleted at the 5-year limit (art. 16). The
    platform deletes what it holds of those versions and keeps the lineage's others.
    Blanked first: every event whose aggregate is a deleted row (``about``, by model: the
    versions and their cases), and never by lineage, which would blank the versions
    that stay."""
    blanked = blank_events_about(about)
    emit("record.versions_purged", aggregate=("archives.recordlineage", lineage),
         payload=_lineage_purge(lineage, record_ids, subject, purged_on, blanked))
    archive_content_changed(archive_id)


def emit_record_purged(*, lineage: str, record_ids: list[int], subject: Subject, purged_on: date,
                       also_blanked: list[str] | None = None) -> None:
    """``record.purged``: every version of a record lineage was deleted at the 5-year
    retention limit (《征信业管理条例》 art. 16: "超过5年的，应当予以删除"). The platform
    deletes what it holds of the lineage. Only ids travel: what the record said is gone.

    First the content of the lineage's earlier events is blanked (``redact``), then this
    event is written, so it is not blanked itself. ``also_blanked``: the events about
    the other rows the purge deleted (``blank_events_about``: a listing's, say), which
    name no lineage: the event names them all, so the platform blanks exactly those."""
    blanked = redact(aggregate_type=CreditRecord._meta.label_lower, aggregate_ids=[str(pk) for pk in record_ids],
                     lineage=lineage)
    emit("record.purged", aggregate=("archives.recordlineage", lineage),
         payload=_lineage_purge(lineage, record_ids, subject, purged_on, [*(also_blanked or []), *blanked]))


def _lineage_purge(lineage: str, record_ids: list[int], subject: Subject, purged_on: date,
                   blanked: list[str]) -> dict[str, Any]:
    """The payload of ``record.purged`` and ``record.versions_purged``: ids only."""
    return {
        "lineage": lineage,
        "record_ids": sorted(record_ids),
        "rule": "art16-5y",
        "purged_on": purged_on.isoformat(),
        "subject_id": str(subject.pk),
        "subject_index": subject.id_number_index,
        "events": sorted(set(blanked)),
    }
