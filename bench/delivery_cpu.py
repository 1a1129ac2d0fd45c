"""CPU per delivered event, per side and per step (prints figures, asserts nothing).

Where ``bench/run.py`` times the whole pipeline in wall-clock (meaningless on a shared
host), this counts CPU: the sender's thread (claim, envelopes, canonical JSON, signature,
reading the receipts, acknowledgement write), the receiver's thread (the view, signature
check, JSON parsing, schema validation, digests, ledger insert, receipts) and the
PostgreSQL backend of each (utime + stime of /proc/<pid>/stat). The receiver runs the
real view (``exchange.views.receive``) in a second thread with its own database
connection, so the two backends are told apart; HTTP transport and gunicorn are left
out (``bench/run.py``'s bare-POST baseline measures those).

    DATABASE_URL=postgres://…/db .venv/bin/python bench/delivery_cpu.py --events 20000

The database must be migrated; its exchange tables are emptied. ``BENCH_CODE_ROOT``
points at another checkout to measure its code with this same harness (before/after).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
import types
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(os.environ.get("BENCH_CODE_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))

CPU: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)
TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) a PostgreSQL backend has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def timed(label: str, func: Callable[..., Any], *, backend: Callable[[], int] | None = None) -> Callable[..., Any]:
    """``func`` counting its calls and its calling thread's CPU under ``label`` (and, with
    ``backend``, the CPU of that PostgreSQL backend during the call under ``label [db]``)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        pid = backend() if backend else None
        db = backend_cpu(pid) if pid else 0.0
        began = time.thread_time()
        try:
            return func(*args, **kwargs)
        finally:
            CPU[label] += time.thread_time() - began
            CALLS[label] += 1
            if pid:
                CPU[label + " [db]"] += backend_cpu(pid) - db

    return wrapper


def wrap(module: Any, name: str, label: str, **kwargs: Any) -> None:
    if hasattr(module, name):
        setattr(module, name, timed(label, getattr(module, name), **kwargs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit_portal.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ["EMBEDDED_SCHEDULER"] = "false"
    import django

    django.setup()
    from django.db import connection
    from django.test import RequestFactory

    from bench.run import fill
    from exchange import delivery, receiving, schema, signing, views
    from exchange.models import MunicipalPlatform, OutboxEvent, PlatformLedgerEntry

    assert connection.vendor == "postgresql", "set DATABASE_URL to a migrated PostgreSQL database"  # noqa: S101
    MunicipalPlatform.objects.update(active=False)
    MunicipalPlatform.objects.update_or_create(name="embedded", defaults={"embedded": True, "active": True})
    fill(args.events)

    def pid_of_this_thread() -> int:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    sender_pid = pid_of_this_thread()
    receiver = ThreadPoolExecutor(max_workers=1)
    receiver_pid = receiver.submit(pid_of_this_thread).result()
    factory = RequestFactory()

    def serve(body: bytes, timestamp: str, signature: str) -> tuple[int, bytes]:
        began = time.thread_time()
        request = factory.post(
            "/exchange/receive/", data=body, content_type="application/json",
            headers={signing.TIMESTAMP_HEADER: timestamp, signing.SIGNATURE_HEADER: signature},
        )
        response = views.receive(request)
        CPU["receiver: the view in all"] += time.thread_time() - began
        return response.status_code, response.content

    def over_http(body: bytes, *, timestamp: str, signature: str) -> receiving.Outcome:
        status, content = receiver.submit(serve, body, timestamp, signature).result()
        began = time.thread_time()
        data = json.loads(content)  # what post_batch does with an HTTP answer
        CPU["sender: json.loads of the receipts"] += time.thread_time() - began
        return receiving.Outcome(status, data)

    # The sender's embedded path calls receiving.receive in-process; here it reaches the
    # view in the receiver's thread instead.
    delivery.receiving = types.SimpleNamespace(
        receive=over_http, ACCEPTED=receiving.ACCEPTED, DUPLICATE=receiving.DUPLICATE, REJECTED=receiving.REJECTED,
    )
    wrap(delivery, "claim", "sender: claim", backend=lambda: sender_pid)
    wrap(delivery, "_record_acknowledgements", "sender: acknowledgement write", backend=lambda: sender_pid)
    wrap(delivery, "_batch_body", "sender: batch body (envelopes + canonical JSON)")
    wrap(schema, "envelope_for", "sender: envelope_for (per event)")
    wrap(delivery, "canonical_json", "sender: canonical JSON of the batch")
    wrap(delivery, "sign", "sender: HMAC-SM3 signature")
    wrap(receiving, "receive", "receiver: receive()")
    wrap(receiving, "verify", "receiver: signature check")
    wrap(receiving, "store", "receiver: store() (validation, digests, insert)")
    wrap(schema, "problem", "receiver: schema.problem (per event)")
    wrap(schema, "problems", "receiver: schema.problems (the batch)")
    wrap(receiving, "canonical_json", "receiver: canonical JSON (per event)")
    wrap(receiving, "canonical_text", "receiver: canonical JSON (per event)")
    wrap(receiving, "sm3_hexdigest", "receiver: SM3 digest (per event)")
    wrap(receiving, "_insert_ignoring_conflicts", "receiver: ledger insert", backend=lambda: receiver_pid)

    db_before = backend_cpu(sender_pid), backend_cpu(receiver_pid)
    began = time.thread_time()
    report = delivery.deliver_pending(budget_seconds=3600)
    sender_cpu = time.thread_time() - began
    db_sender, db_receiver = backend_cpu(sender_pid) - db_before[0], backend_cpu(receiver_pid) - db_before[1]
    receiver.shutdown()

    delivered = OutboxEvent.objects.filter(state=OutboxEvent.State.DELIVERED).count()
    ledger = PlatformLedgerEntry.objects.count()
    n = report.claimed or 1
    load = os.getloadavg()
    print(f"code: {Path(delivery.__file__).parent.parent}; {n:,} events claimed, {delivered:,} delivered, {ledger:,} in the ledger; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")

    def line(label: str, seconds: float) -> None:
        calls = f" ({CALLS[label]:,} calls)" if CALLS.get(label) else ""
        print(f"  {seconds / n * 1e6:8.1f} µs/event  {label}{calls}")

    receiver_cpu = CPU["receiver: the view in all"]
    line("SENDER thread in all (receipts parsing included, receiver excluded)", sender_cpu)
    for label in sorted(CPU):
        if label.startswith("sender"):
            line(label, CPU[label])
    line("sender's PostgreSQL backend in all", db_sender)
    line("RECEIVER thread in all (the view)", receiver_cpu)
    for label in sorted(CPU):
        if label.startswith("receiver") and label != "receiver: the view in all":
            line(label, CPU[label])
    line("receiver's PostgreSQL backend in all", db_receiver)
    total = sender_cpu + db_sender + receiver_cpu + db_receiver
    line("TOTAL (both sides, both backends)", total)
    print(f"  → on 2 idle cores by this arithmetic: {2 / (total / n):,.0f} events/s "
          "(HTTP transport and gunicorn not included)")


if __name__ == "__main__":
    main()
