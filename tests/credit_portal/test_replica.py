"""The read replica router against a real PostgreSQL streaming replica.

A session fixture starts a private primary (initdb, on a free port) and a replica made
from it with ``pg_basebackup -R`` (streaming replication, on another port), both under
a temporary directory, so it needs no change to the machine's own PostgreSQL. The
portal then runs in a subprocess against the pair (DATABASE_URL + DATABASE_REPLICA_URL):
migrate, a small synthetic data set, and requests through Django's test client that
report which connection each read went to. Skipped, visibly, where the PostgreSQL
server binaries are missing.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI runs as root, a developer usually not.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess:
    return subprocess.run(_as_postgres(args), check=True, capture_output=True, text=True, **kwargs)  # noqa: S603


def _sql(port: int, sql: str, db: str = "postgres") -> str:
    return _run([_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", db, "-Atc", sql]).stdout.strip()


@pytest.fixture(scope="session")
def streaming_replica():
    tools = {name: _bin(name) for name in ("initdb", "pg_ctl", "pg_basebackup", "psql")}
    if not all(tools.values()):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not found: replica test not run")
    base = Path(tempfile.mkdtemp(prefix="credit-portal-replica-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    base.chmod(0o700)
    primary, replica = base / "primary", base / "replica"
    primary_port, replica_port = _free_port(), _free_port()
    started: list[Path] = []
    try:
        _run([tools["initdb"], "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        with open(primary / "postgresql.conf", "a") as conf:  # noqa: PTH123
            conf.write(f"port = {primary_port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{base}'\n"
                       "wal_level = replica\nmax_wal_senders = 4\nfsync = off\n")
        with open(primary / "pg_hba.conf", "a") as hba:  # noqa: PTH123
            hba.write("host replication all 127.0.0.1/32 trust\n")
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "postgres:postgres", str(base)], check=True)  # noqa: S603, S607
        _run([tools["pg_ctl"], "-D", str(primary), "-l", str(base / "primary.log"), "-w", "start"])
        started.append(primary)
        _run([tools["pg_basebackup"], "-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres", "-D", str(replica),
              "-R", "-X", "stream"])
        with open(replica / "postgresql.auto.conf", "a") as conf:  # noqa: PTH123
            conf.write(f"port = {replica_port}\n")
        _run([tools["pg_ctl"], "-D", str(replica), "-l", str(base / "replica.log"), "-w", "start"])
        started.append(replica)
        assert _sql(replica_port, "SELECT pg_is_in_recovery()") == "t"
        _sql(primary_port, "CREATE DATABASE portal")
        yield primary_port, replica_port
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"could not start a streaming replica: {exc.stderr.strip()[:300]}")
    finally:
        for datadir in reversed(started):
            subprocess.run(_as_postgres([tools["pg_ctl"], "-D", str(datadir), "-m", "immediate", "stop"]),  # noqa: S603
                           capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


PROBE = r"""
import json, time, django
django.setup()
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.core.management import call_command

call_command("generate_demo_data", subjects=60, workers=1, stdout=open("/dev/null", "w"))

# The public list shows serious-dishonesty listings (archives.listing), not serious records:
# the department's demo staff list one synthetic person with a serious record through the
# services (proposal, objection window aged past, reviewer's decision), as the demo does.
import io
from archives.listing import demo as listing_demo
from archives.listing.models import ListingCategory
from archives.models import CreditRecord
from departments import demo as departments_demo

departments_demo.load(io.StringIO())
serious = list(
    CreditRecord.objects.filter(severity="serious", state="published", is_current=True,
                                archive__subject__created_by__username="synthetic_loader")
    .select_related("archive__department").order_by("id")[:2]
)
assert len(serious) == 2, "the synthetic data set has fewer than two people with a serious record"

def list_person(record):
    return listing_demo.publish(record, category=ListingCategory.MARKET_AND_SOCIAL_ORDER,
                                facts="合成数据：经查实受到行政处罚。", legal_basis="《教师资格条例》第十九条")

list_person(serious[0])

def caught_up():
    primary = connections["default"].cursor()
    primary.execute("SELECT pg_current_wal_insert_lsn()")
    lsn = primary.fetchone()[0]
    for _ in range(200):
        cursor = connections["replica"].cursor()
        cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
        if cursor.fetchone()[0]:
            return
        time.sleep(0.05)
    raise SystemExit("replica did not catch up")

def visit(client, method="get", **data):
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections["replica"]) as replica:
        response = getattr(client, method)("/public/dishonesty/", data) if method == "post" else client.get("/public/dishonesty/")
    return response, len(primary), len(replica)

caught_up()
out = {}
response, out["list_primary"], out["list_replica"] = visit(Client())
out["list_status"] = response.status_code
out["entries_before"] = response.content.decode().count("合成违规记录")
out["_first_page"] = response.content.decode()

# Stop the replica's replay: it now lags, as a replica under load may.
replica = connections["replica"].cursor()
replica.execute("SELECT pg_wal_replay_pause()")
# A second person is listed on the primary; the list shows the decision number of the
# record the listing rests on (one per synthetic person).
list_person(serious[1])
FRESH = serious[1].decision_number
response, _, _ = visit(Client())
out["fresh_marker_was_absent"] = FRESH not in (out.pop("_first_page"))
out["stale_on_replica"] = FRESH not in response.content.decode()

# A client that has just written (a POST) reads its own writes from the primary.
writer = Client()
response = writer.post("/public/dishonesty/", {"name": "无此人"})
out["sticky_cookie"] = "rw_primary" in response.cookies
response, out["sticky_primary"], out["sticky_replica"] = visit(writer)
out["fresh_on_primary"] = FRESH in response.content.decode()

replica.execute("SELECT pg_wal_replay_resume()")
caught_up()
response, _, _ = visit(Client())
out["fresh_after_catch_up"] = FRESH in response.content.decode()

# Writes never go to the replica, and staff pages never read from it.
from credit_portal.replica import ReplicaRouter
out["write_db"] = ReplicaRouter().db_for_write(object)
with CaptureQueriesContext(connections["replica"]) as replica_reads:
    Client().get("/")
    Client().get("/healthz")
out["home_replica"] = len(replica_reads)
print("RESULT " + json.dumps(out))
"""


def test_public_reads_go_to_the_replica_and_a_writer_reads_its_writes(streaming_replica):
    primary_port, replica_port = streaming_replica
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "credit_portal.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{primary_port}/portal",
        "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{replica_port}/portal",
        "CELERY_TASK_ALWAYS_EAGER": "true",
    })
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603
                          check=False, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))[7:])
    assert time.monotonic() - started < 600
    # The public list is read from the replica only.
    assert result["list_status"] == 200
    assert result["list_replica"] >= 1
    assert result["list_primary"] == 0
    assert result["entries_before"] >= 1
    # While replay is paused the replica lags; a client that has just written is pinned
    # to the primary and sees the new entry; everyone sees it once the replica catches up.
    assert result["fresh_marker_was_absent"]
    assert result["stale_on_replica"]
    assert result["sticky_cookie"]
    assert result["sticky_replica"] == 0
    assert result["sticky_primary"] >= 1
    assert result["fresh_on_primary"]
    assert result["fresh_after_catch_up"]
    assert result["write_db"] == "default"
    assert result["home_replica"] == 0
