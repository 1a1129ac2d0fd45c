"""CPU per request of the benchmark's pages, in-process: the full middleware stack with
DEBUG off (bench/settings.py), Python CPU of this process and CPU of the PostgreSQL
backend serving it (from /proc, when the server runs on this host), the SQL count, and
on request the EXPLAIN (ANALYZE, BUFFERS) of every SELECT and a cProfile. Figures a
shared host cannot spoil the way it spoils wall-clock rates. Prints, asserts nothing.

    BENCH_DATABASE_URL=postgres://…/db .venv/bin/python bench/page_cpu.py [--pages dashboard,review] \
        [--requests 40] [--explain] [--profile out.prof] [--staff-and-public]

The pages and accounts are bench/pages.py's (sessions are written into the database
given). ``--staff-and-public`` leaves out the citizen and institution pages, whose
fixtures decrypt ID numbers: use it on a data set made with other keys. One backend
serves the whole run, so its CPU ticks are this run's.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _backend_cpu(pid: int) -> float:
    """utime + stime of a local PostgreSQL backend, in seconds (0 when not readable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", default="", help="comma-separated substrings of page labels")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--profile", default="")
    parser.add_argument("--staff-and-public", action="store_true", help="leave out the citizen and institution pages")
    args = parser.parse_args()
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DJANGO_DEBUG"] = "false"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    # One backend for the whole run, so its CPU ticks are this run's.
    connection.settings_dict["CONN_MAX_AGE"] = None
    connection.close()
    from bench.pages import fixtures

    pages = fixtures(person_pages=not args.staff_and_public)[0]
    # The floor every signed-in page pays before its view: the whole middleware stack with
    # the reviewer's session (second factor verified), the user, the CSRF token masked.
    reviewer = next(p for p in pages if p.label.startswith("reviewer:"))
    pages.insert(1, type(reviewer)("reviewer: signed-in floor (no view)", "/bench/signed-in/", cookies=reviewer.cookies))
    wanted = [w for w in args.pages.split(",") if w]
    pages = [p for p in pages if not wanted or any(w in p.label for w in wanted)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT 0")
        backend = cursor.fetchone()[0]
    print(f"load average: {Path('/proc/loadavg').read_text().split()[:3]}")
    print(f"{'page':<44} {'py ms':>8} {'db ms':>8} {'sum ms':>8} {'SQL':>5}")
    for page in pages:
        client = Client()
        for name, value in page.cookies.items():
            client.cookies[name] = value
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in page.headers.items()}

        def hit(page=page, client=client, extra=extra) -> int:  # noqa: ANN001
            if page.method == "POST":
                return client.post(page.path, page.body, content_type=page.content_type, **extra).status_code
            return client.get(page.path, **extra).status_code

        for _ in range(3):
            hit()
        captured: list[str] = []

        def record(execute, sql, params, many, context, captured=captured):  # noqa: ANN001, ANN202
            raw = getattr(context["cursor"], "cursor", None)
            text = raw.mogrify(sql, params).decode() if hasattr(raw, "mogrify") and params is not None else sql
            captured.append(text)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            status = hit()
        db0, py0, wall0 = _backend_cpu(backend), time.process_time(), time.perf_counter()
        # CPU time, not wall time: on a shared host waiting for the database or for the
        # processor would otherwise dominate every profile.
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        if profiler:
            profiler.enable()
        for _ in range(args.requests):
            hit()
        if profiler:
            profiler.disable()
            profiler.dump_stats(f"{args.profile}.{re.sub(r'[^a-z]+', '-', page.label.lower()).strip('-')}")
        py = (time.process_time() - py0) / args.requests * 1000
        db = (_backend_cpu(backend) - db0) / args.requests * 1000
        wall = (time.perf_counter() - wall0) / args.requests * 1000
        print(f"{page.label:<44} {py:>8.2f} {db:>8.2f} {py + db:>8.2f} {len(captured):>5}   (wall {wall:.1f} ms, {status})")
        if args.explain and connection.vendor == "postgresql":
            from credit_portal.prepared import source

            for sql in captured:
                # A prepared statement's EXECUTE is explained as such (its plan is the
                # prepared one); writes are not run again, prepared or not.
                if not source(sql).lstrip().upper().startswith("SELECT"):
                    print(f"    -- {sql[:110]}")
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    plan = [row[0] for row in cursor.fetchall()]
                took = next((line for line in plan if line.startswith("Execution Time")), "")
                print(f"    {took:<28} {sql[:150]}")
                if os.environ.get("EXPLAIN_FULL"):
                    print("\n".join("        " + line for line in plan))


if __name__ == "__main__":
    main()
