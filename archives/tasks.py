"""Celery tasks of the archives app (thin: they call services)."""

from __future__ import annotations

from celery import shared_task

from archives.services import expire_records


@shared_task(ignore_result=True)
def expire_due_records() -> int:
    """Move records whose display period ended to ``expired`` (DESIGN §7: at the
    maximum display period public and third-party display stops by itself); the
    service emits ``record.expired`` for each. Runs daily from the beat schedule."""
    return expire_records()
