"""Celery tasks of the archives app (thin: they call services)."""

from __future__ import annotations

from celery import shared_task

from archives.services import expire_records, purge_expired_negative_information


@shared_task(ignore_result=True)
def expire_due_records() -> int:
    """Move records whose display period ended to ``expired`` (DESIGN §7: at the
    maximum display period public and third-party display stops by itself); the
    service emits ``record.expired`` for each. Runs daily from the beat schedule."""
    return expire_records()


@shared_task(ignore_result=True)
def purge_retained_records() -> int:
    """Delete negative information past the 5-year retention limit of 《征信业管理条例》
    art. 16 from every table but the audit trail's identifiers. Runs daily."""
    return purge_expired_negative_information()
