"""Celery tasks of the disclosure app: thin, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from disclosure.services.authorizations import expire_authorizations


@shared_task(name="disclosure.expire_authorizations")
def expire_authorizations_task() -> int:
    """Mark authorizations past their end as expired (the query refuses them anyway;
    this keeps the citizen's list and the admin accurate). A conditional UPDATE: a
    second run changes nothing."""
    return expire_authorizations()
