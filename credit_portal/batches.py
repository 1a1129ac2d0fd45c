"""Daily jobs that change many rows share one loop: lock a batch, change it, commit, next."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import transaction
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def in_locked_batches(rows: QuerySet[M], size: int, handle: Callable[[M], object]) -> int:
    """Call ``handle`` on every row of ``rows``, ``size`` rows at a time, each batch locked
    (``SELECT … FOR UPDATE SKIP LOCKED``, own rows only) and handled in its own
    transaction: an error rolls back that batch only. ``handle`` must take the row out of
    ``rows`` (change its state), or this never ends. ``skip_locked`` lets two runs of the
    same job share the work instead of waiting. Returns how many rows were handled."""
    handled = 0
    while True:
        with transaction.atomic():
            batch = list(rows.select_for_update(skip_locked=True, of=("self",))[:size])
            if not batch:
                return handled
            for row in batch:
                handle(row)
            handled += len(batch)
