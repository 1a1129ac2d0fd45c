"""Page and API benchmark: one table, every figure next to a bare Django view measured
on the same server in the same run. Prints, asserts nothing.

    make bench                                   # BENCH_PEOPLE=100000 by default
    BENCH_PEOPLE=1000000 make bench
    BENCH_DATABASE_URL=postgres://…/big .venv/bin/python bench/pages.py   # an existing data set

The data set: a PostgreSQL database ``<DATABASE_URL name>_people_<N>`` with the demo
data and N synthetic people (``generate_demo_data``), created once and reused by later
runs; without DATABASE_URL a SQLite file under bench/.data/ (slow; keep N small).
The server: gunicorn (``BENCH_WORKERS``, default one per core) with DEBUG off, the
portal's settings plus the bare view and lifted per-client rate limits
(bench/settings.py). The load: wrk (``apt-get install wrk``) with ``BENCH_CONNECTIONS``
(16) for ``BENCH_SECONDS`` (10) per page (``BENCH_PAGES``: only some), each page's share
taken of the bare view loaded for ``BENCH_BARE_SECONDS`` (3) just before it, or a pure-Python keep-alive generator when
wrk is missing (or ``BENCH_LOAD_TOOL=python``). SQL queries per request are counted in-process for the same request
after one warm-up request (steady state: sessions are saved once a minute).
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "100000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
BARE_SECONDS = int(os.environ.get("BENCH_BARE_SECONDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))
# Authorizations (on as many people) the query API's load cycles through.
QUERY_POOL = 64


@dataclass
class Page:
    label: str
    path: str
    method: str = "GET"
    body: str = ""
    content_type: str = "application/x-www-form-urlencoded"
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    queries: int | None = None
    # Bodies the load cycles through (``body`` is the first: the one counted and the one
    # bench/page_cpu.py sends); empty: ``body`` alone.
    bodies: list[str] = field(default_factory=list)


# --- the data set ---------------------------------------------------------------------


def _database_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        data = ROOT / "bench" / ".data"
        data.mkdir(exist_ok=True)
        return f"sqlite:///{data / f'people_{PEOPLE}.sqlite3'}"
    import dj_database_url
    import psycopg2

    db = dj_database_url.parse(url)
    name = f"{db['NAME']}_people_{PEOPLE}"
    conn = psycopg2.connect(dbname="postgres", user=db["USER"], password=db["PASSWORD"] or None,
                            host=db["HOST"] or None, port=db["PORT"] or None)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return url.rsplit("/", 1)[0] + "/" + name


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True)  # noqa: S603


def prepare(env: dict[str, str]) -> None:
    """Migrate, load the demo data and top the synthetic people up to PEOPLE."""
    _manage(env, "migrate", "--no-input", "--verbosity", "0")
    os.environ.update(env)
    import django

    django.setup()
    from archives.models import Subject

    if not Subject.objects.filter(name__startswith="演示").exists():
        _manage(env, "load_demo_data")
    have = Subject.objects.filter(created_by__username="synthetic_loader").count()
    if have < PEOPLE:
        print(f"generating {PEOPLE - have:,} synthetic people (once; later runs reuse them)")
        _manage(env, "generate_demo_data", "--subjects", str(PEOPLE - have))


def signed_in(client, user, *, by_phone: bool, second_factor: bool):  # noqa: ANN001, ANN201 - Django test Client
    """``client`` signed in as ``user`` through the backend production signs them in
    through (force_login would take the first one with get_user): citizens by phone,
    everyone else by user name. Staff answer 200 only with the second factor verified
    (STAFF_OTP_REQUIRED, as in production): ``second_factor`` gives them a confirmed
    authenticator and verifies the session with it the way django_otp.login() records it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user, backend="disclosure.auth.PhoneBackend" if by_phone
                       else "django.contrib.auth.backends.ModelBackend")
    if second_factor:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def fixtures(*, person_pages: bool = True) -> tuple[list[Page], dict[str, object]]:
    """Accounts, authorizations (a pool of QUERY_POOL people for the query API) and a report
    on a synthetic person; the pages to load.
    ``person_pages=False`` leaves out the citizen, institution and report pages, whose
    fixtures decrypt ID numbers (a data set made with other keys)."""
    import json

    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client
    from django.utils import timezone

    from archives.models import Archive, Subject
    from credit_portal.models import User
    from credit_portal.roles import Role
    from departments.models import Department, Membership, RecordCategory
    from disclosure.models import Authorization, CitizenProfile, Institution, InstitutionAPIKey, InstitutionStaff
    from disclosure.services.authorizations import code_digest
    from disclosure.services.queries import query_record
    from disclosure.services.reports import verification_code

    loader = User.objects.get(username="synthetic_loader")
    if person_pages:
        # The benchmark citizen's link of an earlier run first: otherwise the person it was
        # linked to is skipped below and consecutive runs alternate between two people.
        CitizenProfile.objects.filter(user__username="bench_citizen").delete()
    subject = Subject.objects.filter(created_by=loader, citizen_profile__isnull=True).order_by("id_number_index").first()
    named = Subject.objects.filter(created_by=loader, name=subject.name).count()
    archive = subject.archives.select_related("occupation", "department").first()
    now = timezone.now()

    def account(username: str, role: str) -> User:
        user, _ = User.objects.get_or_create(username=username, defaults={"full_name": username})
        user.groups.add(Group.objects.get(name=role))
        return user

    users = []
    if person_pages:
        citizen = account("bench_citizen", Role.CITIZEN)
        CitizenProfile.objects.filter(user=citizen).delete()
        CitizenProfile.objects.create(user=citizen, subject=subject, verified_at=now, method=CitizenProfile.Method.ADMIN)
        staff = account("bench_institution", Role.INSTITUTION)
        institution = Institution.objects.get(credit_code__startswith="91110108MA0HCB001")
        InstitutionStaff.objects.get_or_create(user=staff, defaults={"institution": institution})
        # Institutions' systems call the query API with a key the credit office issued
        # (disclosure.api_keys), not a browser's session: the load uses one. A fresh key
        # each run (only its hash is stored), the last run's removed.
        InstitutionAPIKey.objects.filter(acts_as=staff).delete()
        _api_key, api_key = InstitutionAPIKey.objects.create_key(
            name="bench", institution=institution, acts_as=staff, expiry_date=now + timezone.timedelta(days=1)
        )
        # The query API is loaded with a pool of authorizations on different people, each
        # with its own code, as institutions query different people: every query locks its
        # authorization's row (FOR UPDATE) until it commits, so one code queried from every
        # connection serialized the workers on that lock, which real traffic does not do.
        # The first is the person of the other person pages (and of the report page).
        queried = [subject, *Subject.objects.filter(created_by=loader, citizen_profile__isnull=True)
                   .exclude(pk=subject.pk).order_by("id_number_index")[: QUERY_POOL - 1]]
        bodies = []
        categories = list(RecordCategory.objects.all())
        for i, person in enumerate(queried):
            first = archive if person is subject else person.archives.select_related("occupation").first()
            if first is None:
                continue
            code = "BNCH-BNCH-BNCH" if i == 0 else f"BNCH-BNCH-{i:04d}"
            authorization, _ = Authorization.objects.update_or_create(
                code_hash=code_digest(code),
                defaults={
                    "reference": f"BENCH{i + 1:011d}", "subject": person, "grantee": institution,
                    "purpose": "recruitment", "valid_from": now, "valid_until": now + timezone.timedelta(days=80),
                    "max_uses": 32000, "uses": 0, "state": Authorization.State.ACTIVE, "granted_at": now,
                },
            )
            authorization.occupations.set([first.occupation])
            authorization.categories.set(categories)
            bodies.append(json.dumps(
                {"name": person.name, "id_number": person.id_number, "code": code, "purpose": "recruitment"}
            ))
        result = query_record(by=staff, name=subject.name, id_number=subject.id_number, code="BNCH-BNCH-BNCH",
                              purpose="recruitment")
        report = result.report
        users = [citizen, staff]
    education = Department.objects.get(code="education")
    clerk = User.objects.filter(memberships__department=education, memberships__role=Membership.Role.CLERK).first()
    reviewer = User.objects.filter(memberships__department=education, memberships__role=Membership.Role.REVIEWER).first()

    staff_archive = archive if archive.department_id == education.pk else (
        subject.archives.filter(department=education).first()
        or Archive.objects.filter(department=education, created_by=loader).order_by("id").first()
    )
    csrf = _get_new_csrf_string()
    sessions = {}
    for user in (*users, clerk, reviewer):
        client = signed_in(Client(), user, by_phone=person_pages and user == citizen,
                           second_factor=user in (clerk, reviewer))
        sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value

    def signed(user: User) -> dict[str, str]:
        return {settings.SESSION_COOKIE_NAME: sessions[user.pk], settings.CSRF_COOKIE_NAME: csrf}

    from urllib.parse import urlencode

    post = {"X-CSRFToken": csrf, "Referer": "http://127.0.0.1/"}

    pages = [
        Page("bare Django view (baseline)", "/bench/bare/"),
        Page("/healthz", "/healthz"),
    ]
    if person_pages:
        pages += [
            Page("citizen: own archive", f"/my/archives/{archive.pk}/", cookies=signed(citizen)),
            Page("institution: query API (POST, API key)", "/api/disclosure/queries/", "POST", bodies[0],
                 "application/json", headers={"Authorization": f"Api-Key {api_key}"}, bodies=bodies),
            Page("institution: report page", f"/reports/{report.number}/", cookies=signed(staff)),
        ]
    pages += [
        Page("clerk: dashboard", "/staff/", cookies=signed(clerk)),
        Page("clerk: archive page", f"/staff/archives/{staff_archive.pk}/", cookies=signed(clerk)),
        Page("reviewer: review queue", "/staff/review/", cookies=signed(reviewer)),
        # The department's archive list with a filter (DESIGN §4, the intake's list): one
        # occupation of the department's, the first page.
        Page("clerk: archive list, one occupation", f"/staff/intake/archives/?occupation={staff_archive.occupation_id}",
             cookies=signed(clerk)),
        Page(f"clerk: name search ({named} namesake{'' if named == 1 else 's'})", "/staff/subjects/find/", "POST",
             urlencode({"search": "name", "name-name": subject.name}), cookies=signed(clerk), headers=post),
        Page("public: dishonesty list", "/public/dishonesty/"),
        Page("public: honour list, page 5", "/public/honours/?page=5"),
        Page("public: list search (POST)", "/public/dishonesty/", "POST", urlencode({"name": subject.name}),
             cookies={settings.CSRF_COOKIE_NAME: csrf}, headers=post),
    ]
    if person_pages:
        pages.append(Page(
            "public: report verification (POST)", "/reports/verify/", "POST",
            urlencode({"number": report.number, "code": verification_code(report)}),
            cookies={settings.CSRF_COOKIE_NAME: csrf}, headers=post,
        ))
    count_queries(pages)
    return pages, {"subject_archives": subject.archives.count()}


def count_queries(pages: list[Page]) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    for page in pages:
        client = Client(enforce_csrf_checks=False)
        for name, value in page.cookies.items():
            client.cookies[name] = value
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in page.headers.items()}

        def hit(page: Page = page, client: Client = client, extra: dict[str, str] = extra) -> int:
            if page.method == "POST":
                return client.post(page.path, page.body, content_type=page.content_type, **extra).status_code
            return client.get(page.path, **extra).status_code

        hit()
        with CaptureQueriesContext(connection) as captured:
            status = hit()
        page.queries = len(captured)
        if status >= 400:
            print(f"WARNING: {page.label} answered {status} in-process")


# --- the load -------------------------------------------------------------------------


@dataclass
class Result:
    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    bad: int


WRK_SCRIPT = """
wrk.method = "{method}"
wrk.body = {body}
{headers}
{bodies}
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("BENCH %d %f %f %f %f %d\\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3, bad))
end
"""


def _lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# A page with several bodies: each wrk thread cycles through them, from its own place
# (setup() runs once per thread in the main Lua state, init() in the thread's own).
WRK_BODIES = """
bodies = {{{items}}}
local threads = 0
setup = function(thread)
  thread:set("first", threads * {step})
  threads = threads + 1
end
init = function(args)
  counter = first or 0
end
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, bodies[counter % #bodies + 1])
end
"""


WRK_THREADS = 2


def load_wrk(base: str, page: Page, tmp: Path, seconds: int = SECONDS) -> Result:
    headers = dict(page.headers)
    if page.cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in page.cookies.items())
    if page.method == "POST":
        headers["Content-Type"] = page.content_type
    script = tmp / "page.lua"
    script.write_text(WRK_SCRIPT.format(
        method=page.method, body=_lua(page.body),
        headers="\n".join(f"wrk.headers[{_lua(k)}] = {_lua(v)}" for k, v in headers.items()),
        bodies=WRK_BODIES.format(items=", ".join(_lua(b) for b in page.bodies), step=len(page.bodies) // WRK_THREADS)
        if page.bodies else "",
    ))
    out = subprocess.run(  # noqa: S603
        ["wrk", "-t", str(WRK_THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--timeout", "30s", "-s", str(script), base + page.path],  # noqa: S607
        capture_output=True, text=True, check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    requests, seconds, p50, p95, p99, bad = line.split()[1:]
    return Result(int(requests), float(seconds), float(p50), float(p95), float(p99), int(bad))


def _python_worker(args: tuple[str, int, Page, float, int, int]) -> tuple[list[float], int]:
    host, port, page, until, connections, process = args
    import threading

    latencies: list[float] = []
    bad = [0]
    headers = dict(page.headers)
    if page.cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in page.cookies.items())
    if page.method == "POST":
        headers["Content-Type"] = page.content_type
    # Each connection cycles through the page's bodies from its own place, as wrk's threads do.
    bodies = [b.encode() for b in page.bodies or [page.body]]
    lock = threading.Lock()

    def run(slot: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine = []
        turn = slot * len(bodies) // CONNECTIONS
        while time.monotonic() < until:
            body = bodies[turn % len(bodies)]
            turn += 1
            started = time.monotonic()
            try:
                conn.request(page.method, page.path, body=body if page.method == "POST" else None, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                ok = False
            mine.append(time.monotonic() - started)
            if not ok:
                with lock:
                    bad[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(process * connections + i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, bad[0]


def load_python(base: str, page: Page, seconds: int = SECONDS) -> Result:
    """The fallback generator: two processes, CONNECTIONS keep-alive connections in all."""
    host, port = base.removeprefix("http://").split(":")
    started = time.monotonic()
    until = started + seconds
    processes = 2
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.map(_python_worker, [(host, int(port), page, until, CONNECTIONS // processes, i)
                                          for i in range(processes)])
    elapsed = time.monotonic() - started
    latencies = sorted(x * 1000 for part in parts for x in part[0])
    bad = sum(part[1] for part in parts)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    return Result(len(latencies), elapsed, q[49], q[94], q[98], bad)


def _settle(base: str) -> None:
    """Wait until the server has worked off the previous page's backlog (sync workers
    go on serving requests the load tool already gave up on), so it does not count
    against the next page."""
    for _ in range(120):
        started = time.monotonic()
        urllib.request.urlopen(base + "/bench/bare/", timeout=60).read()  # noqa: S310 - loopback
        if time.monotonic() - started < 0.05:
            return
        time.sleep(0.5)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    env = dict(os.environ)
    env.update({"DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "bench.settings", "DJANGO_DEBUG": "false"})
    # The web tier alone, as production runs it: Celery beat and its workers run the
    # background schedule in their own processes. Without Redis the embedded profile would
    # run it inside every gunicorn worker (credit_portal.scheduler): the audit chainer,
    # chaining the entries this very benchmark writes, and the outbox sweep every 5 s,
    # holding the worker for 0.1-1 s at a time. That was the bare view's p95 of ~1 s
    # (1,015 people, same run: p95 1,108 ms with it, 24 ms without).
    env["EMBEDDED_SCHEDULER"] = "false"
    env.pop("BENCH_DATABASE_URL", None)
    if env["DATABASE_URL"].startswith("sqlite"):
        env["SQLITE_PATH"] = env.pop("DATABASE_URL").removeprefix("sqlite:///")
    prepare(env)
    pages, facts = fixtures()
    # BENCH_PAGES: only the pages whose label holds one of these comma-separated words (and
    # the bare view, every figure's baseline), for a quick look at a few; the table of
    # record is the run of every page.
    wanted = [word for word in os.environ.get("BENCH_PAGES", "").split(",") if word]
    if wanted:
        pages = [pages[0], *(page for page in pages[1:] if any(word in page.label for word in wanted))]
    from django.db import connection

    engine = connection.vendor
    people = _count_people()
    connection.close()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).with_name("gunicorn")), "credit_portal.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", str(WORKERS), "--log-level", "warning", "--access-logfile", "/dev/null", "--keep-alive", "30"],
        cwd=ROOT, env=env,
    )
    tool = os.environ.get("BENCH_LOAD_TOOL") or ("wrk" if shutil.which("wrk") else "python")
    tmp = Path(tempfile.mkdtemp(prefix="credit-portal-bench-"))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=5).read()  # noqa: S310 - loopback
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        def load(page: Page, seconds: int = SECONDS) -> Result:
            _settle(base)
            return load_wrk(base, page, tmp, seconds) if tool == "wrk" else load_python(base, page, seconds)

        # Each page next to the bare view loaded just before it (BENCH_BARE_SECONDS): on a
        # shared host the speed drifts within a run (a bare view 1,509-1,879 req/s in ten
        # minutes, twelfth session), and a share taken against the first row alone moved with it.
        results = [(pages[0], load(pages[0]), None)]
        for page in pages[1:]:
            bare_before = load(pages[0], BARE_SECONDS)
            results.append((page, load(page), bare_before))
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    bare = results[0][1].requests / results[0][1].seconds
    print()
    print(f"pages at {people:,} people on {engine}; gunicorn ×{WORKERS} (sync), DEBUG off; load: {tool}, "
          f"{CONNECTIONS} connections, {SECONDS} s per page; {os.cpu_count()} cores shared by server and load")
    print(f"{'page':<44} {'req/s':>8} {'of bare':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'SQL/req':>8} {'errors':>7}"
          f" {'bare just before':>17}")
    for page, result, bare_before in results:
        rate = result.requests / result.seconds
        # The share: of the bare view loaded just before the page (the first row: of itself).
        near = bare_before.requests / bare_before.seconds if bare_before else bare
        print(f"{page.label:<44} {rate:>8,.0f} {rate / near:>8.1%} {result.p50:>8.1f} {result.p95:>8.1f} {result.p99:>8.1f} "
              f"{page.queries if page.queries is not None else '-':>8} {result.bad:>7} {near:>17,.0f}")
    del facts


def _count_people() -> int:
    from archives.models import Subject

    return Subject.objects.count()


if __name__ == "__main__":
    main()
