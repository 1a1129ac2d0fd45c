"""Tunables of the exchange, each a Django setting or else an environment variable of
the same name (so a worker started for a test or a benchmark can be tuned without a
settings module of its own), else the default here."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS: dict[str, float] = {
    # Events per HTTP request; the receiving side refuses batches above MAX_BATCH.
    "EXCHANGE_BATCH_SIZE": 500,
    "EXCHANGE_MAX_BATCH": 1000,
    # Attempts before an event is marked failed and shown to the credit office.
    "EXCHANGE_MAX_ATTEMPTS": 12,
    # Exponential backoff: base * 2**(attempt-1), capped, with full jitter in [½, 1].
    "EXCHANGE_BACKOFF_BASE_SECONDS": 5,
    "EXCHANGE_BACKOFF_CAP_SECONDS": 3600,
    # A claimed batch is due again after the lease, so a sender killed mid-send
    # delays its batch by this much and loses nothing.
    "EXCHANGE_LEASE_SECONDS": 120,
    "EXCHANGE_HTTP_TIMEOUT_SECONDS": 30,
    # How often the beat task sweeps for due events.
    "EXCHANGE_SWEEP_SECONDS": 5,
    # An event still pending after this long is shown to the credit office and in
    # /healthz's warnings (the platform down, a worker or the beat gone).
    "EXCHANGE_STALLED_SECONDS": 3600,
    # How long one delivery task keeps draining before it yields to the next sweep.
    "EXCHANGE_TASK_BUDGET_SECONDS": 60,
    # Replay window of the receiving endpoint (signature timestamps).
    "EXCHANGE_MAX_AGE_SECONDS": 300,
    "EXCHANGE_MAX_FUTURE_SECONDS": 30,
}


def number(name: str) -> float:
    value = getattr(settings, name, None)
    if value is None:
        raw = os.environ.get(name)
        if raw is None or raw == "":
            return DEFAULTS[name]
        try:
            value = float(raw)
        except ValueError:
            raise ImproperlyConfigured(f"Environment variable {name} must be a number.") from None
    if value < 0:
        raise ImproperlyConfigured(f"{name} must not be negative.")
    return float(value)


def integer(name: str) -> int:
    return max(1, int(number(name)))
