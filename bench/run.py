"""Platform delivery benchmark (DESIGN §12): prints figures, asserts nothing.

Delivers 100,000 outbox events end to end to the receiving endpoint served by gunicorn
on a loopback port (signed batches, schema validation, ledger inserts, delivery
bookkeeping), and, in the same run against the same server, a bare HTTP POST loop as
the baseline. Uses PostgreSQL when DATABASE_URL is set (a scratch database
``<name>_bench`` beside it, dropped afterwards), else a temporary SQLite file.

    make bench                      # or: .venv/bin/python bench/run.py --events 20000
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _scratch_database(env: dict[str, str], tmp: Path) -> tuple[dict[str, str], callable]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(tmp / "bench.sqlite3")
        return env, lambda: None
    import dj_database_url
    import psycopg2

    db = dj_database_url.parse(url)
    name = f"{db['NAME']}_bench"
    admin = dict(dbname="postgres", user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"] or None,
                 port=db["PORT"] or None)

    def run(sql: str) -> None:
        conn = psycopg2.connect(**admin)
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(sql)
        conn.close()

    run(f'DROP DATABASE IF EXISTS "{name}"')
    run(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    return env, lambda: run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit_portal.settings")
    import django

    django.setup()


def sender() -> None:
    """One sender process: drain the outbox, then exit. ``BENCH_CLAIM=two`` takes the
    claim as it was before (SELECT … FOR UPDATE SKIP LOCKED, then UPDATE);
    ``BENCH_NO_POST=1`` answers every batch "accepted" in-process instead of posting it,
    which leaves the sender's own database work: claim, acknowledgements, delivered marks."""
    _setup_django({})
    from exchange import delivery

    if os.environ.get("BENCH_CLAIM") == "two":
        delivery.claim = delivery._claim_in_two_statements
    if os.environ.get("BENCH_NO_POST"):
        delivery.post_batch = lambda platform, events: {str(e.pk): {"status": "accepted"} for e in events}

    began = time.time()
    while True:
        report = delivery.deliver_pending(budget_seconds=3600)
        if not report.claimed:
            # Wall-clock span of the delivery itself, without the process's start-up.
            print(f"BENCH_SPAN {began} {time.time()}", flush=True)
            return


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--senders", type=int, default=2, help="parallel sender processes")
    parser.add_argument("--gunicorn-workers", type=int, default=3)
    parser.add_argument(
        "--compare", action="store_true",
        help="also deliver the same events with the claim and autovacuum settings of before (two-statement claim, "
             "default autovacuum), and both without the HTTP post (the senders' database work alone), in this run",
    )
    parser.add_argument("--sender", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sender:
        sender()
        return

    tmp = Path(tempfile.mkdtemp(prefix="credit-portal-bench-"))
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env["CELERY_TASK_ALWAYS_EAGER"] = "true"
    # Without Redis the web processes would run the beat schedule themselves and deliver
    # the outbox too, competing with the measured senders.
    env["EMBEDDED_SCHEDULER"] = "false"
    env, drop = _scratch_database(env, tmp)
    env["DJANGO_SETTINGS_MODULE"] = "credit_portal.settings"
    _setup_django(env)
    from django.conf import settings
    from django.core.management import call_command

    engine = "PostgreSQL" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "SQLite"
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")
    print(f"database: {engine} (scratch), events: {args.events:,}, batch: ", end="")
    call_command("migrate", verbosity=0)

    from exchange import conf, schema
    from exchange.models import MunicipalPlatform, OutboxEvent, PlatformLedgerEntry
    from exchange.signing import canonical_json

    print(conf.integer("EXCHANGE_BATCH_SIZE"))
    port = _free_port()
    gunicorn = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).with_name("gunicorn")), "credit_portal.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", str(args.gunicorn_workers), "--log-level", "warning", "--access-logfile", "/dev/null"],
        cwd=ROOT, env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

        MunicipalPlatform.objects.update(active=False)
        MunicipalPlatform.objects.create(name="bench", url=base + "/exchange/receive/", active=True)

        fill(args.events)

        # Baseline: a bare POST loop to the same server, same body sizes, no work behind
        # it (an unsigned request is refused after the body is read).
        size = conf.integer("EXCHANGE_BATCH_SIZE")
        sample = list(OutboxEvent.objects.all()[:size])
        body = canonical_json({"schema_version": 1, "source": "bench", "events": [schema.envelope_for(e) for e in sample]})
        headers = {"Content-Type": "application/json"}
        requests = max(1, args.events // size)
        started = time.monotonic()
        for _ in range(requests):
            assert _post(base + "/exchange/receive/", body, headers) == 401  # noqa: S101
        bare = time.monotonic() - started
        tiny = 2000
        started = time.monotonic()
        for _ in range(tiny):
            _post(base + "/exchange/receive/", b"{}", headers)
        tiny_elapsed = time.monotonic() - started
        print("baseline, bare HTTP POST loop to the same server (one client):")
        print(f"  {requests} POSTs of {len(body) / 1024:,.0f} KiB ({size} events each, refused unsigned): "
              f"{requests / bare:,.1f} req/s = {requests * size / bare:,.0f} events/s equivalent")
        print(f"  {tiny} tiny POSTs: {tiny / tiny_elapsed:,.0f} req/s (one event per request would cap here)")

        phases = [("now: one-statement claim, tuned autovacuum, end to end", {}, True)]
        if args.compare:
            phases = [
                ("before: two-statement claim, default autovacuum, end to end", {"BENCH_CLAIM": "two"}, False),
                phases[0],
                ("before: two-statement claim, default autovacuum, senders' database work only",
                 {"BENCH_CLAIM": "two", "BENCH_NO_POST": "1"}, False),
                ("now: one-statement claim, tuned autovacuum, senders' database work only", {"BENCH_NO_POST": "1"}, True),
            ]
        failed = False
        for index, (label, extra, tuned) in enumerate(phases):
            if index:
                fill(args.events)
            autovacuum(tuned=tuned)
            started = time.monotonic()
            senders = [
                subprocess.Popen(  # noqa: S603
                    [sys.executable, __file__, "--sender"], cwd=ROOT, env={**env, **extra}, stdout=subprocess.PIPE,
                    text=True,
                )
                for _ in range(args.senders)
            ]
            spans = []
            for process in senders:
                out, _ = process.communicate()
                spans += [line.split()[1:] for line in out.splitlines() if line.startswith("BENCH_SPAN ")]
            elapsed = time.monotonic() - started
            if spans:  # from the first sender's first claim to the last one's end
                elapsed = max(float(end) for _, end in spans) - min(float(begin) for begin, _ in spans)
            delivered = OutboxEvent.objects.filter(state=OutboxEvent.State.DELIVERED).count()
            ledger = PlatformLedgerEntry.objects.count()
            load = os.getloadavg()[0]
            print(f"{label} ({args.senders} senders → gunicorn ×{args.gunicorn_workers}):")
            print(f"  {delivered:,} delivered, {ledger:,} in the ledger, in {elapsed:.1f} s "
                  f"= {delivered / elapsed:,.0f} events/s (load {load:.2f})")
            expected_ledger = 0 if "BENCH_NO_POST" in extra else args.events
            if delivered != args.events or ledger != expected_ledger:
                print("WARNING: not every event was delivered exactly once")
                failed = True
        load = os.getloadavg()
        print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        if failed:
            sys.exit(1)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        drop()


def fill(events: int) -> None:
    """An empty outbox, ledger and delivery table, then ``events`` due events."""
    from django.db import connection
    from django.utils import timezone

    from exchange.models import OutboxEvent, OutboxLease, PlatformDelivery, PlatformLedgerEntry

    if connection.vendor == "postgresql":
        tables = [m._meta.db_table for m in (OutboxLease, PlatformDelivery, PlatformLedgerEntry, OutboxEvent)]
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)}")  # noqa: S608 - model tables
    else:
        for model in (OutboxLease, PlatformDelivery, PlatformLedgerEntry, OutboxEvent):
            model.objects.all().delete()
    started = time.monotonic()
    chunk = 5000
    for start in range(0, events, chunk):
        OutboxEvent.objects.bulk_create([
            OutboxEvent(
                event_type="record.published", aggregate_type="archives.creditrecord", aggregate_id=str(i + 1),
                payload=_payload(i), next_attempt_at=timezone.now(),
            )
            for i in range(start, min(events, start + chunk))
        ])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {OutboxEvent._meta.db_table}")  # noqa: S608
    print(f"outbox filled: {events:,} events in {time.monotonic() - started:.1f} s")


def autovacuum(*, tuned: bool) -> None:
    """The outbox's storage parameters of migration exchange 0004 (tuned) or the defaults."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    migration = __import__("exchange.migrations.0004_outbox_autovacuum", fromlist=["TUNE"])
    with connection.cursor() as cursor:
        cursor.execute(migration.TUNE if tuned else migration.RESET)


def _payload(i: int) -> dict[str, object]:
    return {
        "record_id": i + 1, "lineage": "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "version": 1, "state": "published",
        "category": "violations", "polarity": "negative", "severity": "general", "title": "违规有偿补课",
        "decision_number": f"示教罚〔2026〕{i}号", "deciding_body": "示范市教育局", "occurred_on": "2026-03-02",
        "decided_on": "2026-03-20", "display_until": "2027-03-20", "domain": None, "unit_credit_code": None,
        "under_objection": False, "subject_was_minor": False, "supersedes": None, "reason": None,
        "subject_id": "6fa459ea-ee8a-3ca4-894e-db77e160355e", "subject_index": f"{i:064x}", "name": "测试甲",
        "occupation": "teacher", "department": "education",
    }


if __name__ == "__main__":
    main()
