"""Reads of the exchange for the credit office's operations page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Min, QuerySet

from exchange.models import MunicipalPlatform, OutboxEvent, PlatformDelivery

State = OutboxEvent.State
RECENT_ERRORS = 10


@dataclass
class PlatformStatus:
    platform: MunicipalPlatform
    pending: int
    delivered: int
    failed: int
    oldest_pending_at: datetime | None
    recent_errors: list[OutboxEvent] = field(default_factory=list)


def not_acknowledged_by(platform: MunicipalPlatform) -> QuerySet[OutboxEvent]:
    return OutboxEvent.objects.exclude(deliveries__platform=platform)


def platform_statuses() -> list[PlatformStatus]:
    """Per endpoint (active ones and any that ever acknowledged something): pending,
    delivered and failed counts, the oldest pending event and the recent errors.
    Five queries per platform plus one; there are a handful of platforms."""
    statuses = []
    for platform in MunicipalPlatform.objects.order_by("-active", "name"):
        waiting = not_acknowledged_by(platform)
        pending = waiting.filter(state=State.PENDING) if platform.active else OutboxEvent.objects.none()
        statuses.append(
            PlatformStatus(
                platform=platform,
                pending=pending.count(),
                delivered=PlatformDelivery.objects.filter(platform=platform).count(),
                failed=waiting.filter(state=State.FAILED).count() if platform.active else 0,
                oldest_pending_at=pending.aggregate(oldest=Min("created_at"))["oldest"],
                recent_errors=list(
                    OutboxEvent.objects.filter(last_error__startswith=f"{platform.name}:")
                    .exclude(state=State.DELIVERED)
                    .only("id", "event_type", "state", "attempts", "last_error", "created_at", "next_attempt_at")
                    .order_by("-created_at")[:RECENT_ERRORS]
                ),
            )
        )
    return statuses
