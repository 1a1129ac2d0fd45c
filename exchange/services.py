"""Writes of the exchange made by people (the credit office's requeue)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal import audit
from exchange import permissions
from exchange.models import OutboxEvent, OutboxLease
from exchange.outbox import nudge

if TYPE_CHECKING:
    from credit_portal.models import User

State = OutboxEvent.State


def requeue_failed(*, by: User, event_ids: Iterable[uuid.UUID] | None = None) -> int:
    """Put failed events back in the queue with a fresh retry budget (DESIGN §5:
    ``failed`` is re-queued by hand). ``event_ids`` None means every failed event.
    Callers: credit office staff holding ``exchange.change_outboxevent``. Returns how
    many were re-queued; delivered and pending events are left alone."""
    if not permissions.may_requeue(by):
        raise PermissionDenied(_("Only the credit office re-queues platform deliveries."))
    with transaction.atomic():
        # Not an event whose content was purged or withheld (a minor's lineage): its payload
        # was cut to the ids, so it would only be rejected, its reason overwritten.
        events = OutboxEvent.objects.select_for_update().filter(state=State.FAILED, purged_at__isnull=True)
        if event_ids is not None:
            events = events.filter(pk__in=list(event_ids))
        ids = list(events.values_list("pk", flat=True))
        count = OutboxEvent.objects.filter(pk__in=ids, state=State.FAILED).update(
            state=State.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        # A lease left by a sender that died holding the event would carry its count on.
        OutboxLease.objects.filter(event_id__in=ids).delete()
        if count:
            audit.record("exchange.event.requeued", actor=by, detail={"count": count})
            transaction.on_commit(nudge, robust=True)
    return count
