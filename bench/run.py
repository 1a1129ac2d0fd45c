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
    """One sender process: drain the outbox, then exit."""
    _setup_django({})
    from exchange import delivery

    while True:
        report = delivery.deliver_pending(budget_seconds=3600)
        if not report.claimed:
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

        from django.utils import timezone

        started = time.monotonic()
        chunk = 5000
        for start in range(0, args.events, chunk):
            OutboxEvent.objects.bulk_create([
                OutboxEvent(
                    event_type="record.published", aggregate_type="archives.creditrecord", aggregate_id=str(i + 1),
                    payload=_payload(i), next_attempt_at=timezone.now(),
                )
                for i in range(start, min(args.events, start + chunk))
            ])
        print(f"outbox filled: {args.events:,} events in {time.monotonic() - started:.1f} s")

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

        started = time.monotonic()
        senders = [
            subprocess.Popen([sys.executable, __file__, "--sender"], cwd=ROOT, env=env)  # noqa: S603
            for _ in range(args.senders)
        ]
        for process in senders:
            process.wait()
        elapsed = time.monotonic() - started
        delivered = OutboxEvent.objects.filter(state=OutboxEvent.State.DELIVERED).count()
        ledger = PlatformLedgerEntry.objects.count()

        print()
        print(f"end-to-end delivery ({args.senders} senders → gunicorn ×{args.gunicorn_workers}):")
        print(f"  {delivered:,} delivered, {ledger:,} in the ledger, in {elapsed:.1f} s "
              f"= {delivered / elapsed:,.0f} events/s")
        print("baseline, bare HTTP POST loop to the same server (one client):")
        print(f"  {requests} POSTs of {len(body) / 1024:,.0f} KiB ({size} events each, refused unsigned): "
              f"{requests / bare:,.1f} req/s = {requests * size / bare:,.0f} events/s equivalent")
        print(f"  {tiny} tiny POSTs: {tiny / tiny_elapsed:,.0f} req/s (one event per request would cap here)")
        if delivered != args.events or ledger != args.events:
            print("WARNING: not every event was delivered exactly once")
            sys.exit(1)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        drop()


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
