"""The beat schedule, run in-process for the embedded profile.

Production runs Celery beat, which sends the entries of ``app.conf.beat_schedule``
(``credit_portal.celery``) to the workers. The embedded default (``make run``: SQLite,
eager tasks, no Redis) has no beat, yet display-period expiry, the 5-year retention
purge and the daily reminders must still happen on their day. This module runs the
SAME entries with Celery's own schedule objects (``is_due``) in one daemon thread of
the web process: started once from the WSGI application, which ``runserver`` loads
only in its serving child (the autoreloader's parent never loads it), and guarded by
a lock so a second import cannot start a second thread. Off unless
``EMBEDDED_SCHEDULER`` is on (by default: no Redis and eager tasks).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime

from celery import Celery
from celery.schedules import BaseSchedule, maybe_schedule

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_thread: threading.Thread | None = None
_stop = threading.Event()
MAX_SLEEP_SECONDS = 60.0


@dataclass
class EmbeddedScheduler:
    """Celery beat's decision, without beat: each entry runs when its schedule says it is
    due since its last run. The first run of a daily entry is therefore at its next
    time, as beat does for a new entry."""

    app: Celery
    entries: dict[str, tuple[str, BaseSchedule]] = field(default_factory=dict)
    last_run: dict[str, datetime] = field(default_factory=dict)

    @classmethod
    def from_beat_schedule(cls, app: Celery) -> EmbeddedScheduler:
        app.loader.import_default_modules()  # what beat and the worker do at start-up
        scheduler = cls(app)
        now = app.now()
        for name, entry in app.conf.beat_schedule.items():
            scheduler.entries[name] = (entry["task"], maybe_schedule(entry["schedule"], app=app))
            scheduler.last_run[name] = now
        return scheduler

    def tick(self) -> tuple[list[str], float]:
        """Run every due entry once; return the names run and the seconds to wait."""
        ran: list[str] = []
        wait = MAX_SLEEP_SECONDS
        for name, (task_name, schedule) in self.entries.items():
            due, next_check = schedule.is_due(self.last_run[name])
            if due:
                self.last_run[name] = self.app.now()
                self._run(name, task_name)
                ran.append(name)
            wait = min(wait, max(float(next_check), 1.0))
        return ran, wait

    def _run(self, name: str, task_name: str) -> None:
        try:
            self.app.tasks[task_name].apply_async()
        except Exception:  # noqa: BLE001 - one failing entry must not stop the others
            logger.exception("Scheduled task %s (%s) failed", name, task_name)

    def run_until(self, stop: threading.Event) -> None:
        while not stop.is_set():
            _ran, wait = self.tick()
            stop.wait(wait)


def start_embedded(*, enabled: bool | None = None) -> bool:
    """Start the in-process scheduler once per process; return whether this call started it."""
    global _thread
    from django.conf import settings

    if not (settings.EMBEDDED_SCHEDULER if enabled is None else enabled):
        return False
    with _lock:
        if _thread is not None and _thread.is_alive():
            return False
        from credit_portal.celery import app

        scheduler = EmbeddedScheduler.from_beat_schedule(app)
        _stop.clear()
        _thread = threading.Thread(target=scheduler.run_until, args=(_stop,), name="embedded-beat", daemon=True)
        _thread.start()
        logger.info("Embedded scheduler started with %d entries", len(scheduler.entries))
        return True


def stop_embedded(timeout: float = 5.0) -> None:
    """Stop the thread (tests; a process exit ends the daemon thread anyway)."""
    global _thread
    with _lock:
        _stop.set()
        if _thread is not None:
            _thread.join(timeout)
        _thread = None


def running() -> bool:
    return _thread is not None and _thread.is_alive()
