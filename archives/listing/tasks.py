"""Celery tasks of the listing procedure (thin: they call services)."""

from __future__ import annotations

from celery import shared_task

from archives.listing.services import remove_due_listings


@shared_task(ignore_result=True)
def remove_ended_listings() -> int:
    """Remove listings whose period ended (automatic at the end of the
    period: nobody has to remember to take a person off the list); each emits ``listing.removed``. Runs daily from the beat schedule."""
    return remove_due_listings()
