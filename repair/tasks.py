"""Celery tasks of the repair app (thin: they call the service)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="repair.tasks.remind_due_cases")
def remind_due_cases() -> int:
    """Daily: remind the owners of cases due within one working day or overdue."""
    from repair.reminders import send_reminders

    return send_reminders()


@shared_task(name="repair.tasks.purge_abandoned_uploads")
def purge_abandoned_uploads() -> int:
    """Daily: delete files of two-step forms the citizen never sent (``pending/``)."""
    from repair.services.uploads import purge_abandoned_uploads as purge

    return purge()
