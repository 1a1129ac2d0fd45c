"""Database time of the query API's write path: N third-party queries through
``query_record`` in this process, then ``pg_stat_statements``' mean execution time, buffers
and WAL records per call of the report, query-log and audit-entry INSERTs and of the
authorization's UPDATE. Prints one JSON line, asserts nothing (docs/benchmarks.md, twelfth
session, engineer idx).

    BENCH_DATABASE_URL=postgres://…/idx_people_100000 .venv/bin/python bench/write_path.py setup
    BENCH_DATABASE_URL=postgres://…/idx_people_100000 .venv/bin/python bench/write_path.py run 3000 before

``setup`` makes bench/pages.py's accounts and pool of authorizations once; ``run`` resets the
pool's uses and the statistics (``CREATE EXTENSION pg_stat_statements`` in that database
first; the library must be preloaded). Compare schemas by migrating between runs, in pairs.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

STATEMENTS = """SELECT query, calls, total_exec_time, shared_blks_hit + shared_blks_read + shared_blks_dirtied, wal_records
FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
AND (query LIKE '%%INSERT INTO%%' OR query LIKE '%%UPDATE "disclosure_authorization"%%') AND calls >= %s"""


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    import django

    django.setup()
    from django.db import connection

    from credit_portal.models import User
    from disclosure.models import Authorization
    from disclosure.services.queries import query_record

    if sys.argv[1] == "setup":
        import pages

        pages.fixtures()
        return
    n, label = int(sys.argv[2]), sys.argv[3]
    staff = User.objects.get(username="bench_institution")
    pool = []
    # bench/pages.py's codes: BNCH-BNCH-BNCH for the first reference, BNCH-BNCH-<i> after.
    for authorization in Authorization.objects.filter(reference__startswith="BENCH").select_related("subject"):
        i = int(authorization.reference[5:]) - 1
        code = "BNCH-BNCH-BNCH" if i == 0 else f"BNCH-BNCH-{i:04d}"
        pool.append((authorization.subject.name, authorization.subject.id_number, code))
    Authorization.objects.filter(reference__startswith="BENCH").update(uses=0, state="active", ended_at=None)

    def query(i: int) -> None:
        name, number, code = pool[i % len(pool)]
        query_record(by=staff, name=name, id_number=number, code=code, purpose="recruitment")

    for i in range(5):  # warm-up: compiled statements, caches
        query(i)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_statements_reset()")
    started = time.perf_counter()
    for i in range(n):
        query(i)
    wall = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(STATEMENTS, [n // 2])
        rows = cursor.fetchall()
    out: dict[str, object] = {"label": label, "n": n, "wall_s": round(wall, 2)}
    for text, calls, total, blocks, wal in rows:
        found = re.search(r'(INSERT INTO|UPDATE) "(\w+)"', text)
        out[found.group(0) if found else text[:60]] = {
            "calls": calls, "us_per_call": round(1000 * total / calls, 1),
            "blocks": round(blocks / calls, 1), "wal_records": round(float(wal) / calls, 2),
        }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
