"""Who may see and steer the deliveries to the municipal platform: plain predicates
asked by the service (which refuses), the views (403) and the operations page (flags).

DESIGN §9: the outbox is the source of truth; the credit office watches it and
re-queues failed events by hand. Both are Django model permissions of its role group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from exchange.models import OutboxEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from credit_portal.models import User


def may_view_operations(user: User | AnonymousUser) -> bool:
    return user.has_perm("exchange.view_outboxevent")


def may_requeue(user: User | AnonymousUser | None) -> bool:
    return user is not None and user.has_perm("exchange.change_outboxevent")


def may_requeue_event(user: User | AnonymousUser | None, event: OutboxEvent) -> bool:
    """Only a failed event goes back in the queue; pending ones are on their way and
    delivered ones are acknowledged (re-sending them would change nothing)."""
    return event.state == OutboxEvent.State.FAILED and may_requeue(user)
