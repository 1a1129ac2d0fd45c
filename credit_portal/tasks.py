"""Celery tasks of the foundation: the audit trail's periodic jobs and text messages
(``credit_portal.notify``); beat schedule in credit_portal/celery.py."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from credit_portal import audit, notify, statistics
from credit_portal.audit_anchor import anchor_chain
from credit_portal.models import AuditAnchor


@shared_task(name="credit_portal.tasks.chain_audit_entries")
def chain_audit_entries() -> int:
    """The background chainer: chain every committed unchained entry. Safe to run twice
    at once (both take the chain-head lock; the second finds nothing left)."""
    total = 0
    while True:
        done = audit.chain_pending()
        total += done
        if done == 0:
            return total


# The retention purge reads every entry it deletes (the table check and the carry, about
# 90 µs an entry) and then deletes them: at a city's scale minutes to an hour, past a web
# request's limit (gunicorn 60 s) and the default task limit (CELERY_TASK_TIME_LIMIT). A
# purge stopped by its limit leaves the chain whole: the anchor and the carry commit
# together, the delete comes after (docs/audit.md).
PURGE_TIME_LIMIT = 6 * 3600


@shared_task(ignore_result=True, name="credit_portal.tasks.purge_audit_trail",
             time_limit=PURGE_TIME_LIMIT, soft_time_limit=PURGE_TIME_LIMIT - 60)
def purge_audit_trail(by_id: int) -> dict[str, object]:
    """The audit administrator's retention purge, from the maintenance page. What the page
    cannot tell the administrator once it has answered (a refusal, a delete that could not
    run) is written to the trail (``credit_portal.audit.purge_refused``), where the page
    shows it. Returns the outcome, which the page reads when tasks run eagerly."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import PermissionDenied
    from django.db import transaction

    from credit_portal.audit_anchor import PurgeNotPossible, PurgeRefused, purge_expired

    user = get_user_model().objects.filter(pk=by_id, is_active=True).first()
    try:
        anchor = purge_expired(by=user)
    except PermissionDenied:
        return {"outcome": "forbidden"}
    except PurgeRefused as exc:
        outcome: dict[str, object] = {"outcome": "refused", "differences": len(exc.problems),
                                      "first": exc.problems[0][:500]}
    except PurgeNotPossible:
        outcome = {"outcome": "not_possible"}
    else:
        return {"outcome": "nothing"} if anchor is None else {"outcome": "purged", "sequence": anchor.sequence}
    with transaction.atomic():
        audit.record("credit_portal.audit.purge_refused", actor=user, detail=outcome)
    return outcome


@shared_task(name="credit_portal.tasks.anchor_audit_chain")
def anchor_audit_chain() -> int:
    """Sign the chain head and send it to the platform (skipped if the head has not moved)."""
    return anchor_chain(kind=AuditAnchor.Kind.PERIODIC).pk


@shared_task(bind=True, ignore_result=True, name="credit_portal.tasks.deliver_sms", max_retries=None)
def deliver_sms(self, message_id: str) -> None:  # noqa: ANN001 - Celery's bound task
    """Send one queued message. Safe to run twice: the claim is a conditional UPDATE
    and a sent message is never claimed again. A refused or unreachable gateway is
    retried with exponential backoff (30 s, 60 s, 120 s … at most an hour) until
    ``SMS_MAX_ATTEMPTS``; the beat sweep re-queues anything a lost task left."""
    if not notify.claim(message_id):
        return
    try:
        notify.deliver(message_id)
    except notify.SMSDeliveryError as exc:
        countdown = min(3600, 30 * 2 ** min(self.request.retries, 7))
        if self.request.is_eager:
            return  # run in-process: no worker to retry later, the sweep picks it up
        raise self.retry(exc=exc, countdown=countdown) from None


@shared_task(ignore_result=True, name="credit_portal.tasks.deliver_pending_sms")
def deliver_pending_sms() -> int:
    """Beat sweep: queue every unsent message no live claim holds."""
    ids = notify.pending_message_ids()
    for message_id in ids:
        deliver_sms.delay(message_id)
    return len(ids)


@shared_task(ignore_result=True, name="credit_portal.tasks.refresh_city_figures")
def refresh_city_figures() -> bool:
    """Beat: recompute this year's city figures (coverage, the dashboard) before their
    cache entries expire, so no credit officer waits for them; the pages say as of when.
    Off while the figures are not cached (``FRAGMENT_CACHE_SECONDS`` 0)."""
    if not settings.FRAGMENT_CACHE_SECONDS:
        return False
    statistics.refresh(timezone.localdate().year)
    return True
