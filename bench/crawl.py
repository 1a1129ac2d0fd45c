"""Every page each demo role reaches, timed on the benchmark's data set: the pages
bench/pages.py loads are the key ones; this finds the rest (the crawl of the browser
tests, tests/page_crawl.py: links followed from each role's start pages, at most two pages
per URL shape) and times each in-process, with its SQL count. Run it at 1,000,000 people
and at 1,000 and compare: a page whose time or SQL count grows with the data set is one
that will time out in a city. Prints, asserts nothing.

    BENCH_PEOPLE=1000000 .venv/bin/python bench/crawl.py \
        [--repeat 3] [--out crawl-1m.json] [--against crawl-1k.json] [--roles demo_credit_office]

The data set is the one bench/pages.py prepares (demo data plus synthetic people: run it
first; ``make bench`` does), or BENCH_DATABASE_URL's. Each
page is fetched once by the crawl, then ``--repeat`` times timed (the median is shown) and
once more with its SQL counted. ``--against`` prints each page's ratio to an earlier run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _client(username: str):  # noqa: ANN202 - django.test.Client, imported after setup
    """A client signed in as ``username`` the way production signs them in (citizens by
    phone, everyone else by user name, staff with the second factor verified)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.pages import signed_in

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    if username == "anonymous":
        return client
    citizen = username == "demo_citizen"
    return signed_in(client, get_user_model().objects.get(username=username), by_phone=citizen,
                     second_factor=not citizen)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--roles", default="", help="comma-separated demo user names (default: every role)")
    parser.add_argument("--out", default="", help="write the results as JSON")
    parser.add_argument("--against", default="", help="an earlier run's JSON: print each page's ratio to it")
    parser.add_argument("--top", type=int, default=40, help="rows printed, slowest first")
    args = parser.parse_args()
    from bench.pages import _database_url

    # The data set bench/pages.py prepared (BENCH_DATABASE_URL, or the one of BENCH_PEOPLE).
    os.environ["DATABASE_URL"] = _database_url()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DJANGO_DEBUG"] = "false"
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from archives.models import Subject
    from tests.page_crawl import ROLE_STARTS, crawl, shape

    roles = [r for r in args.roles.split(",") if r] or list(ROLE_STARTS)
    people = Subject.objects.count()
    print(f"{people:,} people; {args.repeat} timed fetches a page, median shown")
    results: list[dict[str, object]] = []
    for role in roles:
        client = _client(role)

        def fetch(path: str, client=client) -> tuple[int, str]:  # noqa: ANN001
            response = client.get(path, follow=True)
            html = response.content.decode() if "text/html" in response.get("Content-Type", "") else ""
            return response.status_code, html

        started = time.perf_counter()
        pages = crawl(fetch, ROLE_STARTS[role])
        for page in pages:
            if page.status != 200:
                results.append({"role": role, "path": page.path, "status": page.status, "ms": 0.0, "sql": 0})
                continue
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                client.get(page.path, follow=True)
                times.append((time.perf_counter() - t0) * 1000)
            with CaptureQueriesContext(connection) as captured:
                client.get(page.path, follow=True)
            results.append({"role": role, "path": page.path, "status": 200, "ms": statistics.median(times),
                            "sql": len(captured)})
        print(f"  {role}: {len(pages)} pages in {time.perf_counter() - started:.0f} s")

    # Pages are matched to the earlier run's by role and URL shape (the ids differ between
    # data sets), the n-th page of a shape to the n-th.
    def keyed(rows: list[dict[str, object]]) -> dict[tuple[object, ...], dict[str, object]]:
        seen: dict[tuple[object, str], int] = {}
        out = {}
        for r in rows:
            n = seen[(r["role"], shape(r["path"]))] = seen.get((r["role"], shape(r["path"])), -1) + 1
            out[(r["role"], shape(r["path"]), n)] = r
            r["key"] = (r["role"], shape(r["path"]), n)
        return out

    keyed(results)
    earlier = keyed(json.loads(Path(args.against).read_text())["pages"]) if args.against else {}
    timed = sorted((r for r in results if r["status"] == 200), key=lambda r: -r["ms"])
    header = f"{'ms':>8} {'SQL':>4}  " + (f"{'x earlier':>9} {'SQL then':>8}  " if earlier else "") + "role  page"
    print(header)
    for row in timed[: args.top]:
        line = f"{row['ms']:>8.1f} {row['sql']:>4}  "
        if earlier:
            then = earlier.get(row["key"])
            line += f"{row['ms'] / then['ms']:>9.2f} {then['sql']:>8}  " if then and then["ms"] else f"{'-':>9} {'-':>8}  "
        print(line + f"{row['role']}  {row['path'][:90]}")
    if earlier:
        grown = [r for r in timed if r["key"] in earlier and earlier[r["key"]]["ms"]
                 and (r["ms"] > 1.2 * earlier[r["key"]]["ms"] or r["sql"] != earlier[r["key"]]["sql"])]
        for row in grown:
            then = earlier[row["key"]]
            print(f"  {row['ms']:.1f} ms ({then['ms']:.1f}), {row['sql']} SQL ({then['sql']}): {row['role']} {row['path'][:90]}")
        print(f"{len(grown)} of {len(timed)} pages more than 20 % slower or with another SQL count than the earlier run")
    # 403 and 404 are the crawl's: the home page links every audience's start page.
    failed = [r for r in results if r["status"] >= 500]
    for row in failed:
        print(f"answered {row['status']}: {row['role']} {row['path']}")
    if args.out:
        pages_out = [{k: v for k, v in r.items() if k != "key"} for r in results]
        Path(args.out).write_text(json.dumps({"people": people, "pages": pages_out}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
