"""Upload jobs: accept a workbook, run it in the background, report progress.

``start_job`` runs the cheap checks at once (so a wrong file is refused on the upload
page), stores the file encrypted and queues ``run_job`` on commit. ``run_job`` claims
the job with a conditional update (safe to run twice), reads and imports, stores the
error report (encrypted) and forgets the uploaded file. Progress goes to the cache,
which the progress page polls (the import's own transaction is not visible to it).
"""

from __future__ import annotations

import base64
import logging
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from archives.intake import importer, reader
from archives.intake.catalogue import choices_for
from archives.intake.models import ImportJob, IntakeSettings
from archives.intake.report import error_report
from archives.models import CreditRecord
from credit_portal import audit
from credit_portal.crypto import sm3_hexdigest
from departments.models import Department, Occupation

if TYPE_CHECKING:
    from credit_portal.models import User

logger = logging.getLogger(__name__)


def progress_key(job_id: object) -> str:
    return f"intake:job:{job_id}:progress"


def submits_for_review(department: Department) -> bool:
    """The department's setting: imported rows land submitted (True) or as drafts."""
    return IntakeSettings.objects.filter(department=department, submit_for_review=True).exists()


def start_job(
    *, data: bytes, filename: str, department: Department, occupation: Occupation, by: User, mode: str,
    submit: bool | None = None,
) -> ImportJob:
    """Check and store an upload, queue its import. Raises ``reader.WorkbookRefused``
    (nothing stored) when the file as a whole cannot be imported, ``PermissionDenied``
    for anyone but a clerk of a department responsible for the occupation."""
    from archives.intake.tasks import run_import_job

    importer.check_may_import(department=department, occupation_id=occupation.pk, by=by)
    archive = reader.check_container(data)
    reader.check_template(data, archive, occupation=occupation)
    with transaction.atomic():
        job = ImportJob(
            department=department, occupation=occupation, created_by=by, original_name=filename[:200],
            digest=sm3_hexdigest(data), upload=base64.b64encode(data).decode("ascii"),
            mode=mode if mode in ImportJob.Mode.values else ImportJob.Mode.ALL_OR_NOTHING,
            submit=submits_for_review(department) if submit is None else submit,
        )
        job.save(force_insert=True)
        audit.record("intake.job.created", actor=by, target=job, detail={"mode": job.mode, "submit": job.submit})
        transaction.on_commit(lambda: run_import_job.delay(str(job.pk)))
    return job


# The share of the bar each phase fills: reading and checking every cell is most of the
# work, then matching people and earlier rows, then writing. The phases overlap (a chunk
# is written while later rows are checked), so the bar shows the sum of each phase's
# progress, and only ever moves forward.
PHASES = {"reading": 0, "checking": 50, "matching": 10, "writing": 39}


def _progress(job_id: object) -> importer.Progress:
    shares: dict[str, float] = {}
    shown = [0]

    def report(phase: str, done: int, total: int) -> None:
        share = min(done / total, 1.0) if total else 0.0
        if phase in PHASES:
            shares[phase] = max(shares.get(phase, 0.0), share)
            percent = sum(PHASES[name] * part for name, part in shares.items())
        else:  # a step after the import's phases
            percent = 99 * share
        shown[0] = max(shown[0], int(percent))
        cache.set(progress_key(job_id), {"phase": phase, "done": done, "total": total, "percent": shown[0]},
                  timeout=3600)

    return report


def run_job(job_id: str) -> ImportJob | None:
    """Import a queued job; returns None when another run claimed it first."""
    if not ImportJob.objects.filter(pk=job_id, state=ImportJob.State.PENDING).update(state=ImportJob.State.RUNNING):
        return None
    job = ImportJob.objects.select_related("department", "occupation", "created_by").get(pk=job_id)
    with translation.override("zh-hans"):
        try:
            _import(job)
        except (reader.WorkbookRefused, importer.ImportConflict) as exc:
            job.state = ImportJob.State.REFUSED
            job.message = getattr(exc, "message", None) or str(exc)
        except Exception:
            logger.exception("intake: import job %s failed", job.pk)
            job.state = ImportJob.State.REFUSED
            job.message = _("The import failed unexpectedly; nothing was written. Try again or contact the credit office.")
        job.upload = ""
        job.finished_at = timezone.now()
        with transaction.atomic():
            job.save()
            audit.record("intake.job.finished", actor=job.created_by, target=job, detail={
                "state": job.state, "created": job.created_count, "skipped": job.skipped_count,
                "refused": job.error_count,
            })
    cache.delete(progress_key(job.pk))
    return job


def _import(job: ImportJob) -> None:
    data = base64.b64decode(job.upload)
    sheet, _code = reader.open_rows(data, occupation=job.occupation)
    choices = choices_for(job.occupation)
    report = _progress(job.pk)
    report("reading", 0, sheet.declared_rows)
    outcome = importer.import_cells(
        sheet.rows, department=job.department, choices=choices, by=job.created_by, mode=job.mode, submit=job.submit,
        source=CreditRecord.Source.EXCEL, progress=report, total_hint=sheet.declared_rows, job=job,
    )
    job.total_rows = outcome.total
    job.created_count = outcome.created
    job.skipped_count = outcome.skipped
    job.error_count = len(outcome.refused)
    if not outcome.total:
        raise reader.WorkbookRefused(_("The file holds no rows to import."))
    if outcome.refused:
        job.error_report = base64.b64encode(error_report(
            outcome.rows, occupation=job.occupation, skipped=set(outcome.existing), written=outcome.written,
        )).decode("ascii")
    if outcome.refused and not outcome.written:
        job.state = ImportJob.State.REFUSED
        job.message = _("%(n)s rows have errors, so nothing was imported: download the error report, correct the "
                        "rows and upload it again.") % {"n": job.error_count}
    else:
        job.state = ImportJob.State.DONE
