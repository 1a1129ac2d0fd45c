"""Reconciliation: what the outbox says it delivered against what the ledger holds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from credit_portal.crypto import sm3_hexdigest
from exchange import schema
from exchange.models import OutboxEvent, PlatformLedgerEntry
from exchange.signing import canonical_json

CHUNK = 5000


@dataclass
class Differences:
    sent: int = 0
    acknowledged: int = 0
    # Marked delivered here but absent from the ledger: the platform lacks them.
    missing: list[uuid.UUID] = field(default_factory=list)
    # In the ledger with content other than the outbox event: a key reused.
    altered: list[uuid.UUID] = field(default_factory=list)
    # In the ledger, unknown to the outbox (events from elsewhere or a lost outbox row).
    unknown: list[uuid.UUID] = field(default_factory=list)
    # Acknowledged but still pending here (a sender stopped between the answer and
    # marking): transient; the next delivery gets "duplicate" and marks them.
    in_flight: list[uuid.UUID] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.altered or self.unknown)


def reconcile(*, source: str | None = None) -> Differences:
    """Compare every delivered outbox event with the ledger this deployment hosts
    (the embedded platform's and the HTTP endpoint's, which are one ledger).
    ``source`` limits the ledger side to one sender's entries."""
    result = Differences()
    ledger = PlatformLedgerEntry.objects.all()
    if source:
        ledger = ledger.filter(source=source)
    digests: dict[uuid.UUID, str] = dict(ledger.values_list("idempotency_key", "digest").iterator(chunk_size=CHUNK))
    result.acknowledged = len(digests)
    seen: set[uuid.UUID] = set()
    delivered = OutboxEvent.objects.filter(state=OutboxEvent.State.DELIVERED).order_by()
    for event in delivered.iterator(chunk_size=CHUNK):
        result.sent += 1
        seen.add(event.pk)
        digest = digests.get(event.pk)
        if digest is None:
            result.missing.append(event.pk)
        # A purged event's payload was blanked (exchange.outbox.redact): its digest as sent was kept.
        elif digest != (event.original_digest or sm3_hexdigest(canonical_json(schema.envelope_for(event)))):
            result.altered.append(event.pk)
    rest = [key for key in digests if key not in seen]
    if rest:
        known = {}
        for start in range(0, len(rest), CHUNK):
            known.update(
                OutboxEvent.objects.filter(pk__in=rest[start:start + CHUNK]).values_list("pk", "state")
            )
        for key in rest:
            if key not in known:
                result.unknown.append(key)
            elif known[key] == OutboxEvent.State.PENDING:
                result.in_flight.append(key)
    return result

