"""Celery tasks of the credit levels (thin: they call services; safe to run twice)."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def recompute_archive_level(archive_id: int) -> None:
    """Recompute one archive's level after a record or finding of it changed (queued on
    commit by ``services.archive_changed``)."""
    from archives.levels.services import recompute_level

    recompute_level(archive_id)


@shared_task(ignore_result=True)
def refresh_levels() -> int:
    """Recompute every level due today (daily from the beat schedule, and after a rule
    change): records leaving their window or display period, clean years completing."""
    from archives.levels.services import refresh_due_levels

    return refresh_due_levels()
