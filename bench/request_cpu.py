"""CPU per request of the benchmark's pages, in-process: Django's and the PostgreSQL
backend's, so a change can be measured on a shared host where wall-clock rates mean
nothing. Prints, asserts nothing.

    BENCH_DATABASE_URL=postgres://…/db .venv/bin/python bench/request_cpu.py [--requests 300] [--profile LABEL]

Each page of ``bench/pages.py`` (same accounts, same fixtures, DEBUG off, the portal's
settings plus the bare view) is requested through the full middleware stack with
``django.test.Client``: a warm-up, then ``--requests`` requests, timed with
``time.process_time()`` for this process and ``/proc/<backend pid>/stat`` (user +
system ticks) for the PostgreSQL backend serving it. ``--profile LABEL`` (a prefix of a
page's label) prints a cProfile of that page instead.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _backend_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", default="")
    parser.add_argument("--only", default="", help="comma-separated label prefixes")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = os.environ.pop("BENCH_DATABASE_URL", os.environ.get("DATABASE_URL", ""))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ["DJANGO_DEBUG"] = "false"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    # One backend for the whole run, so its CPU ticks are this run's.
    connection.settings_dict["CONN_MAX_AGE"] = None
    connection.close()
    from bench.pages import fixtures

    pages, _facts = fixtures()
    wanted = [p.strip() for p in args.only.split(",") if p.strip()]
    hz = os.sysconf("SC_CLK_TCK")
    print(f"load average {open('/proc/loadavg').read().split()[:3]}; {args.requests} requests per page")
    print(f"{'page':<44} {'django ms':>10} {'pg ms':>8} {'total ms':>9} {'SQL':>5}")
    for page in pages:
        if wanted and not any(page.label.startswith(w) for w in wanted) and not page.label.startswith("bare"):
            continue
        if args.profile and not page.label.startswith(args.profile):
            continue
        client = Client()
        for name, value in page.cookies.items():
            client.cookies[name] = value
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in page.headers.items()}

        def hit(page=page, client=client, extra=extra) -> int:  # noqa: ANN001
            if page.method == "POST":
                return client.post(page.path, page.body, content_type=page.content_type, **extra).status_code
            return client.get(page.path, **extra).status_code

        for _ in range(20):
            status = hit()
        if status >= 400:
            print(f"WARNING: {page.label} answered {status}")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        if args.profile:
            # CPU time, not wall time: on a shared host waiting for the database or for
            # the processor would otherwise dominate every profile.
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(args.requests):
                hit()
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).strip_dirs()
            stats.sort_stats("cumulative").print_stats(70)
            stats.sort_stats("tottime").print_stats(40)
            print(out.getvalue())
            return
        ticks = _backend_ticks(pid)
        cpu = time.process_time()
        for _ in range(args.requests):
            hit()
        django_ms = (time.process_time() - cpu) * 1000 / args.requests
        pg_ms = (_backend_ticks(pid) - ticks) * 1000 / hz / args.requests
        print(f"{page.label:<44} {django_ms:>10.2f} {pg_ms:>8.2f} {django_ms + pg_ms:>9.2f} {page.queries!s:>5}")


if __name__ == "__main__":
    main()
