"""Celery tasks of the foundation: text messages (``credit_portal.notify``)."""

from __future__ import annotations

from celery import shared_task

from credit_portal import notify


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
