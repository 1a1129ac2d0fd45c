"""Reliability with the real pieces: a real Celery worker (with its beat)
against PostgreSQL, a private Redis, and the receiving endpoint served over real HTTP.

During delivery the worker is killed with SIGKILL and started again, Redis is
restarted, and the platform answers 500 and then times out for a while. After recovery
every event is in the ledger exactly once and every outbox event is delivered.

The machine's shared Redis is never touched: the test starts its own ``redis-server``
on a free loopback port and restarts that one.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction

from exchange import outbox
from exchange.models import OutboxEvent, PlatformDelivery, PlatformLedgerEntry
from exchange.reconcile import reconcile
from tests.exchange.conftest import http_platform, make_events, record_payload

pytestmark = [
    pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.exchange.urls"),
]

N = 600
ROOT = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 75


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class PrivateRedis:
    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.tmp = tmp
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.tmp)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

        def up() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    return sock.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        _wait(up, timeout=10, what="the private redis-server")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class FaultyProxy:
    """A loopback HTTP proxy in front of the receiving endpoint that can answer 500,
    or forward and then answer too late for the sender's timeout (the platform stored
    the batch, the sender never heard), for as long as the test says."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.mode = "forward"
        self.served = {"forward": 0, "500": 0, "timeout": 0}
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                mode = proxy.mode
                proxy.served[mode] += 1
                if mode == "500":
                    self._answer(500, b'{"error": "injected"}')
                    return
                time.sleep(0.1)  # some latency, so delivery takes a while
                request = urllib.request.Request(  # noqa: S310 - loopback upstream
                    proxy.upstream + self.path, data=body, method="POST",
                    headers={k: v for k, v in self.headers.items() if k.lower().startswith(("x-exchange", "content-type"))},
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                        status, answer = response.status, response.read()
                except urllib.error.HTTPError as exc:
                    status, answer = exc.code, exc.read()
                if mode == "timeout":
                    time.sleep(2.5)  # the sender gave up after 1 s
                try:
                    self._answer(status, answer)
                except OSError:
                    pass

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Worker:
    """A real ``celery worker -B`` under a minimal supervisor, as production runs it
    (docker-compose ``restart: unless-stopped``): kombu's Redis transport can exit the
    worker with "Unrecoverable error" when the broker vanishes while messages are
    unacknowledged, and the supervisor starts it again."""

    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.env = env
        self.tmp = tmp
        self.process: subprocess.Popen[bytes] | None = None
        self.log = (tmp / "worker.log").open("ab")
        self.supervised = False
        self.restarts = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._supervise, daemon=True)
        self._thread.start()

    def _supervise(self) -> None:
        while not self._stop.wait(0.2):
            with self._lock:
                if self.supervised and self.process is not None and self.process.poll() is not None:
                    self.restarts += 1
                    self._spawn()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        with self._lock:
            self.supervised = False
        self.kill()

    def start(self) -> None:
        with self._lock:
            self.supervised = True
            self._spawn()

    def _spawn(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [str(Path(sys.executable).with_name("celery")), "-A", "credit_portal", "worker", "-B",
             "-s", str(self.tmp / "beat-schedule"), "--concurrency", "2", "--loglevel", "WARNING",
             "--without-mingle", "--without-gossip"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the worker and its pool (no chance to clean up or acknowledge)."""
        with self._lock:
            self.supervised = False
            if self.process and self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


def _worker_env(redis: PrivateRedis) -> dict[str, str]:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db.get("PASSWORD") else "")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PLATFORM_SIGNING_KEY": settings.PLATFORM_SIGNING_KEY,
        "EXCHANGE_SWEEP_SECONDS": "1",
        "EXCHANGE_BATCH_SIZE": "20",
        "EXCHANGE_LEASE_SECONDS": "4",
        "EXCHANGE_HTTP_TIMEOUT_SECONDS": "1",
        "EXCHANGE_BACKOFF_BASE_SECONDS": "0.2",
        "EXCHANGE_BACKOFF_CAP_SECONDS": "2",
        "EXCHANGE_MAX_ATTEMPTS": "1000",
        "EXCHANGE_TASK_BUDGET_SECONDS": "5",
    }
    return env


def test_every_event_lands_exactly_once_through_kills_restarts_and_platform_faults(live_server, private_redis, tmp_path):
    started = time.monotonic()
    proxy = FaultyProxy(live_server.url)
    worker = Worker(_worker_env(private_redis), tmp_path)
    try:
        http_platform(f"{proxy.url}/exchange/receive/")
        # A rolled-back transaction emits nothing.
        def change_that_fails() -> None:
            with transaction.atomic():
                outbox.emit("record.published", aggregate=("archives.creditrecord", "0"), payload=record_payload())
                raise RuntimeError("the change failed")

        pytest.raises(RuntimeError, change_that_fails)
        assert not OutboxEvent.objects.exists()
        events = make_events(N)
        assert OutboxEvent.objects.count() == N
        ledger = PlatformLedgerEntry.objects

        worker.start()
        _wait(lambda: ledger.count() >= 60, timeout=30, what="first deliveries")
        worker.kill()
        killed_at = ledger.count()
        worker.start()

        _wait(lambda: ledger.count() >= killed_at + 40, timeout=30, what="deliveries after the restart")
        # The platform answers 500, then stores batches but answers too late, each
        # until the worker has met it a few times.
        proxy.mode = "500"
        _wait(lambda: proxy.served["500"] >= 3, timeout=15, what="the worker to meet the 500s")
        proxy.mode = "timeout"
        _wait(lambda: proxy.served["timeout"] >= 3, timeout=15, what="the worker to meet the timeouts")
        proxy.mode = "forward"
        private_redis.stop()
        time.sleep(1.0)
        private_redis.start()
        faults_ended_at = ledger.count()

        _wait(
            lambda: OutboxEvent.objects.filter(state=OutboxEvent.State.DELIVERED).count() == N,
            timeout=DEADLINE_SECONDS - (time.monotonic() - started),
            what=f"every event delivered (proxy served {proxy.served}, worker restarts {worker.restarts})",
        )
    finally:
        worker.close()
        proxy.close()

    # The faults happened during delivery, not after it.
    assert killed_at < N
    assert faults_ended_at < N
    assert proxy.served["500"] > 0
    assert proxy.served["timeout"] > 0
    assert ledger.count() == N
    assert set(ledger.values_list("idempotency_key", flat=True)) == {e.pk for e in events}
    assert PlatformDelivery.objects.count() == N
    assert not OutboxEvent.objects.exclude(state=OutboxEvent.State.DELIVERED).exists()
    assert reconcile().ok
