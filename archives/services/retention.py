"""Time-driven record changes: display-period expiry and the 5-year retention limit.

Both run daily on the beat schedule (``credit_portal.celery``), and in the embedded
profile through the in-process scheduler (``credit_portal.scheduler``), with the same
schedule entries.
"""

from __future__ import annotations

import logging
from datetime import date

from django.db import models, transaction
from django.db.models.fields.files import FileField
from django.utils import timezone

from archives import hooks
from archives.events import blank_events_about, emit_findings_purged, emit_record_purged, emit_versions_purged
from archives.models import AnnualFinding, Archive, CreditRecord, Notice, Subject
from archives.services.evidence import delete_files_on_commit
from archives.services.records.common import expire_if_over
from archives.services.records.display import finding_decided_on, retention_cutoff
from credit_portal import audit
from credit_portal.batches import in_locked_batches
from credit_portal.models import SMSMessage

State = CreditRecord.State
logger = logging.getLogger(__name__)



def expire_records(*, today: date | None = None, batch_size: int = 500) -> int:
    """Move published records whose display period is over to ``expired`` (a beat task
    calls this daily). Returns how many expired. Safe to run twice."""
    today = today or timezone.localdate()
    due = CreditRecord.objects.filter(state=State.PUBLISHED, is_current=True, display_until__lt=today).select_related(
        "archive__subject", "archive__occupation", "archive__department", "category", "domain"
    )
    # The same ``today`` as the query: every row it returns is over, so each one leaves the
    # query (in_locked_batches would loop for ever on a row left in it).
    return in_locked_batches(due, batch_size, lambda record: expire_if_over(record, today=today))


def _purge_rows(model: type[models.Model], pks: list[object], doomed: dict[type[models.Model], set[object]]) -> None:
    """Collect ``pks`` of ``model`` and every row in any app that points at them, so the
    information leaves every table. Apps are not imported: relations are read from the
    model meta, so the layering stays one way."""
    fresh = [pk for pk in pks if pk not in doomed.setdefault(model, set())]
    if not fresh:
        return
    doomed[model].update(fresh)
    # Hidden relations too (``related_name="+"``: the repair cases' links to the record, a
    # listing's basis, a unit's dishonesty): ``_meta.related_objects`` leaves them out,
    # and their PROTECT made every purge of a record ever objected to or repaired fail.
    relations = [f for f in model._meta.get_fields(include_hidden=True)
                 if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one)]
    for relation in relations:
        related = relation.related_model
        child_pks = list(
            related._default_manager.filter(**{f"{relation.field.name}__in": fresh}).values_list("pk", flat=True)
        )
        if child_pks:
            _purge_rows(related, child_pks, doomed)
    # A row that names the parent it takes along (``RETENTION_TAKES``: a listing's basis,
    # whose listing describes the deleted record's dishonesty), declared on the model so
    # that this module imports no app.
    for name in getattr(model, "RETENTION_TAKES", ()):
        field = model._meta.get_field(name)
        parents = {pk for pk in model._default_manager.filter(pk__in=fresh).values_list(name, flat=True) if pk}
        if parents:
            _purge_rows(field.related_model, sorted(parents), doomed)


def _delete_collected(doomed: dict[type[models.Model], set[object]]) -> list[str]:
    """Delete what ``_purge_rows`` collected: first cut the links of doomed rows to rows of
    their own model (``supersedes``), then delete them, pointing rows first. Returns the stored
    file names to remove after commit."""
    # The text messages that told the person of a notice going now (``notice:<id>``, the
    # notice's title: "You have been listed as seriously dishonest"): the queue keeps
    # them, number and text, after sending.
    notices = doomed.get(Notice)
    if notices:
        SMSMessage.objects.filter(key__in=[f"notice:{pk}" for pk in notices]).delete()
    files: list[str] = []
    for model, pks in doomed.items():
        # Self-references only: nulling a link to another doomed model could break a
        # constraint (a case event belongs to exactly one case), and the order below
        # deletes the rows that point before the rows they point at.
        nullable = [f.name for f in model._meta.concrete_fields
                    if isinstance(f, models.ForeignKey) and f.null and f.related_model is model]
        if nullable:
            model._default_manager.filter(pk__in=pks).update(**dict.fromkeys(nullable))
        file_fields = [f.name for f in model._meta.concrete_fields if isinstance(f, FileField)]
        for values in model._default_manager.filter(pk__in=pks).values_list(*file_fields) if file_fields else []:
            files.extend(name for name in values if name)
    remaining = dict(doomed)
    while remaining:
        progressed = False
        for model, pks in list(remaining.items()):
            blockers = [
                other for other in remaining
                if other is not model and any(
                    f.related_model is model for f in other._meta.concrete_fields if isinstance(f, models.ForeignKey)
                )
            ]
            if blockers:
                continue
            model._default_manager.filter(pk__in=pks).delete()
            del remaining[model]
            progressed = True
        if not progressed:  # a cycle between models: break it with Django's collector
            for model, pks in remaining.items():
                model._default_manager.filter(pk__in=pks).delete()
            break
    return files


def purge_expired_negative_information(*, today: date | None = None) -> int:
    """Delete negative information past the 5-year retention limit from every table
    (art. 16, quoted above), leaving only the audit trail's identifiers: one audit
    entry per record lineage names the lineage, the record ids and how many rows of
    which tables went. Returns how many lineages were removed. Safe to run twice. The
    warning and serious yearly findings past the limit go too (``purge_expired_findings``),
    and the negative versions of lineages corrected to non-negative information
    (``purge_expired_versions``).

    A lineage goes when its current version is negative and the day after its
    retention ended has come (kept on the last day, removed the day after). Each purge
    emits ``record.purged`` and blanks the personal content of the outbox events that
    carried the lineage (``exchange.outbox.redact``; ids and digests stay for
    reconciliation).
    """
    today = today or timezone.localdate()
    cutoff = retention_cutoff(today)
    lineages = list(
        CreditRecord.objects.filter(is_current=True, polarity=CreditRecord.Polarity.NEGATIVE, decided_on__lt=cutoff)
        .values_list("lineage", "archive__subject_id")
    )
    failed: list[str] = []
    failed += purge_expired_findings(cutoff=cutoff, today=today)
    failed += purge_expired_versions(cutoff=cutoff, today=today)
    for lineage, subject_id in lineages:
        # One lineage that cannot go (a table no one taught the purge) must not keep the
        # rest of the night's lineages past their limit: each in its own transaction, the
        # failures named at the end, so the task fails visibly and runs again tomorrow.
        try:
            _purge_lineage(lineage, subject_id, today=today)
        except Exception:
            logger.exception("retention: lineage %s could not be purged", lineage)
            failed.append(str(lineage))
    # What other apps keep of such information goes too (the stored credit reports quoting
    # it), every night, so what an earlier night deleted is reached as well.
    hooks.retention_purged(cutoff=cutoff)
    if failed:
        raise PurgeIncomplete(failed)
    return len(lineages)


def purge_expired_versions(*, cutoff: date, today: date) -> list[str]:
    """Delete the negative versions decided before ``cutoff`` of lineages whose version in
    force is not negative: an objection upheld and the record corrected to neutral, say.
    The lineage purge takes a lineage by its current version only, so the negative
    version it replaced was kept for good, and shown in the person's history. Those
    versions are negative information like any other (art. 16, quoted above); a lineage
    whose current version is negative goes whole when that version's 5 years are over
    (``_purge_lineage``), so its earlier versions wait for it. Returns the lineages that
    could not be purged, each logged; each lineage in its own transaction."""
    lineages = sorted(set(
        CreditRecord.objects.filter(is_current=False, polarity=CreditRecord.Polarity.NEGATIVE, decided_on__lt=cutoff)
        .values_list("lineage", flat=True)
    ), key=str)
    failed: list[str] = []
    for lineage in lineages:
        try:
            _purge_versions(lineage, cutoff=cutoff, today=today)
        except Exception:
            logger.exception("retention: the old versions of lineage %s could not be purged", lineage)
            failed.append(f"versions of {lineage}")
    return failed


def _purge_versions(lineage: object, *, cutoff: date, today: date) -> None:
    with transaction.atomic():
        versions = list(CreditRecord.objects.select_for_update().filter(lineage=lineage).order_by("version"))
        current = next((v for v in versions if v.is_current), None)
        if current is None or current.is_negative:
            return
        pks = [v.pk for v in versions
               if not v.is_current and v.is_negative and v.decided_on < cutoff]
        if not pks:
            return
        # The versions that stay no longer name a deleted one as the version they replaced
        # (else the collector would take them too, as rows pointing at a doomed row).
        CreditRecord.objects.filter(supersedes__in=pks).exclude(pk__in=pks).update(supersedes=None)
        doomed: dict[type[models.Model], set[object]] = {}
        _purge_rows(CreditRecord, pks, doomed)
        counts = {model._meta.label_lower: len(rows) for model, rows in doomed.items()}
        subject_id = current.archive.subject_id
        # The events about the deleted rows (the versions' own, and their objection or
        # repair cases' steps) are blanked before the rows go.
        emit_versions_purged(lineage=str(lineage), record_ids=pks, about=doomed, archive_id=current.archive_id,
                             subject=Subject.objects.get(pk=subject_id), purged_on=today)
        files = _delete_collected(doomed)
        audit.record(
            "archives.record.versions_purged", actor=None, subject_ref=str(subject_id),
            detail={"lineage": str(lineage), "records": sorted(pks), "rows": counts, "rule": "art16-5y"},
        )
        delete_files_on_commit(files)


ADVERSE = [AnnualFinding.Status.WARNING, AnnualFinding.Status.SERIOUS]


def purge_expired_findings(*, cutoff: date, today: date) -> list[str]:
    """Delete the warning and serious yearly findings decided before ``cutoff``: they are
    negative information (《征信业管理条例》 art. 16, quoted above), kept 5 years from their
    decision day (``display.finding_decided_on``) as a record is from its decision. Every
    such version goes, signed, superseded or a draft, with its evidence; when it is the
    year's finding in force, the year's other versions go with it (``_purge_finding_year``).
    Returns the (archive, year) pairs that could not be purged, each logged; each pair is
    purged in its own transaction.

    A draft has no decision day yet: it is taken once its year's last day, the latest its
    decision day can be, is before the cutoff (``services.findings`` refuses to sign it)."""
    # Two reads, each through its partial index (``finding_adverse_by_day``,
    # ``finding_drafts``), rather than one OR that neither serves.
    decided = AnnualFinding.objects.filter(status__in=ADVERSE, decided_on__lt=cutoff)
    drafts = AnnualFinding.objects.filter(state=AnnualFinding.State.DRAFT, status__in=ADVERSE, year__lt=cutoff.year)
    # A signed finding whose decision day a database writer emptied is still reached.
    blank = AnnualFinding.objects.filter(status__in=ADVERSE, decided_on__isnull=True, signed_at__isnull=False,
                                         year__lt=cutoff.year + 1)
    due = sorted({pair for query in (decided, drafts, blank) for pair in query.values_list("archive_id", "year")})
    failed: list[str] = []
    for archive_id, year in due:
        try:
            _purge_finding_year(archive_id, year, cutoff=cutoff, today=today)
        except Exception:
            logger.exception("retention: the findings of archive %s, %s could not be purged", archive_id, year)
            failed.append(f"findings {archive_id}/{year}")
    return failed


def _past(finding: AnnualFinding, cutoff: date) -> bool:
    """Whether ``finding``'s 5 years are over, from what its seal covers (the year and the
    signing time), not from the stored ``decided_on``, which no seal covers: a database
    writer who moved it back would otherwise have a recent finding deleted as if lawfully.
    A stored day that differs is logged, and ``verify_tables`` names it
    (``findings_check``). A draft: once its year's last day is before the cutoff."""
    if finding.signed_at is None:
        return finding.year < cutoff.year
    decided_on = finding_decided_on(finding.year, timezone.localdate(finding.signed_at))
    if finding.decided_on != decided_on:
        logger.error("retention: finding %s has a decision day its signature does not give", finding.pk)
    return decided_on < cutoff


def _purge_finding_year(archive_id: int, year: int, *, cutoff: date, today: date) -> None:
    with transaction.atomic():
        versions = list(AnnualFinding.objects.select_for_update().filter(archive_id=archive_id, year=year)
                        .order_by("pk"))
        past = [row for row in versions if row.status in ADVERSE and _past(row, cutoff)]
        if not past:
            return
        # As a record lineage goes whole when its current version is negative: when the
        # year's finding in force is the one past its 5 years, every version of the year
        # goes (an earlier 守信 version left behind would be a finding no one signed last).
        # Otherwise (a warning later corrected to 守信) only the adverse versions go, and
        # the 守信 one signed after them stays in force.
        rows = versions if any(row.is_current for row in past) else past
        subject_id = Archive.objects.filter(pk=archive_id).values_list("subject_id", flat=True).get()
        doomed: dict[type[models.Model], set[object]] = {}
        _purge_rows(AnnualFinding, [row.pk for row in rows], doomed)
        counts = {model._meta.label_lower: len(pks) for model, pks in doomed.items()}
        # What the table check compared of each signed version (``findings_check``): ids, the
        # year and the seal, an HMAC under a key outside the database; nothing the finding
        # said. The check reads them to tell this deletion from a database writer's.
        signed = [[row.pk, row.archive_id, row.year, row.version, row.seal] for row in rows if row.seal]
        files = _delete_collected(doomed)
        audit.record(
            "archives.finding.purged", actor=None, subject_ref=str(subject_id),
            detail={"archive": archive_id, "year": year, "findings": [row.pk for row in rows], "signed": signed,
                    "rows": counts, "rule": "art16-5y"},
        )
        emit_findings_purged(archive_id=archive_id, finding_ids=[row.pk for row in rows],
                             subject=Subject.objects.get(pk=subject_id), purged_on=today)
        delete_files_on_commit(files)


class PurgeIncomplete(Exception):
    """Some lineages past the 5-year limit could not be deleted (each logged); the others were."""

    def __init__(self, lineages: list[str]) -> None:
        self.lineages = lineages
        super().__init__(f"{len(lineages)} lineage(s) past retention could not be purged: {', '.join(lineages[:5])}")


def _purge_lineage(lineage: object, subject_id: object, *, today: date) -> None:
    with transaction.atomic():
        rows = list(CreditRecord.objects.select_for_update().filter(lineage=lineage).values_list("pk", "archive_id"))
        if not rows:
            return
        pks, archive_id = [pk for pk, _archive in rows], rows[0][1]
        doomed: dict[type[models.Model], set[object]] = {}
        _purge_rows(CreditRecord, pks, doomed)
        counts = {model._meta.label_lower: len(rows) for model, rows in doomed.items()}
        # The events about the other rows that go (a listing and its punishment case, the
        # cases): the lineage's own are blanked by ``emit_record_purged`` below.
        blanked = blank_events_about({model: rows for model, rows in doomed.items() if model is not CreditRecord})
        files = _delete_collected(doomed)
        audit.record(
            "archives.record.purged", actor=None, subject_ref=str(subject_id),
            detail={"lineage": str(lineage), "records": sorted(pks), "rows": counts, "rule": "art16-5y"},
        )
        # The platform is told to delete the lineage too, and the content of the
        # events that carried it out of here is blanked in the outbox.
        emit_record_purged(lineage=str(lineage), record_ids=pks, subject=Subject.objects.get(pk=subject_id),
                           purged_on=today, also_blanked=blanked)
        # The credit level no longer rests on it (recomputed after the commit, not at the
        # next daily refresh).
        hooks.archive_content_changed(archive_id)
        delete_files_on_commit(files)
