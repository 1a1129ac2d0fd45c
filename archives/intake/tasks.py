"""Celery tasks of the intake: they take ids and call the service (STYLE.md)."""

from __future__ import annotations

from celery import shared_task

from archives.intake import jobs


@shared_task(ignore_result=True, time_limit=3600, soft_time_limit=3500)
def run_import_job(job_id: str) -> None:
    """Run one upload job; a second delivery of the same message finds it claimed."""
    jobs.run_job(job_id)
