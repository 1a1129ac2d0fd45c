"""Shared test set-up for the whole suite. Keep it minimal: app fixtures live in
tests/<app>/conftest.py.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations

# --- The audit trail's append-only triggers and the test flush --------------------------
# Transactional tests (django_db(transaction=True)) end with Django's flush, a TRUNCATE
# of every table, which the PostgreSQL triggers of credit_portal migration 0004 refuse
# unless the statement runs as the database role credit_portal_audit_maintenance. The
# flush alone runs under that role (SET ROLE: the test connection is a superuser, as in
# CI; production's application role is not and cannot), after the role was given
# TRUNCATE on this test database's tables. Every other statement of the test run meets
# the triggers as production does, so a test that edits the trail fails.
_original_execute_sql_flush = PostgresOperations.execute_sql_flush
_AUDIT_MAINTENANCE_ROLE = "credit_portal_audit_maintenance"


def _execute_sql_flush_as_audit_maintenance(self: PostgresOperations, sql_list: Sequence[str]) -> Any:
    from django.core.management.color import no_style

    # RESTART IDENTITY needs the sequences' owner; the sequences are reset afterwards,
    # back under the test connection's own role.
    restart = any("RESTART IDENTITY" in sql for sql in sql_list)
    statements = [sql.replace(" RESTART IDENTITY", "") for sql in sql_list]
    with self.connection.cursor() as cursor:
        cursor.execute(f"GRANT TRUNCATE, SELECT ON ALL TABLES IN SCHEMA public TO {_AUDIT_MAINTENANCE_ROLE}")
        cursor.execute(f"SET ROLE {_AUDIT_MAINTENANCE_ROLE}")
    try:
        result = _original_execute_sql_flush(self, statements)
    finally:
        with self.connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    if restart:
        sequences = self.connection.introspection.sequence_list()
        with self.connection.cursor() as cursor:
            for sql in self.sequence_reset_by_name_sql(no_style(), sequences):
                cursor.execute(sql)
        # The sequences start again, as after a restore: ids this process took ahead
        # (credit_portal.bulkload.next_id) would be given again, so they are dropped, as
        # restarting the processes drops them in production (README, "Backups").
        from credit_portal import bulkload

        bulkload.forget_ids()
    return result


PostgresOperations.execute_sql_flush = _execute_sql_flush_as_audit_maintenance


# --- Reference data survives transactional tests ------------------------------------------
# The catalogue, display rules, calendar, role groups and the embedded platform are loaded
# by migrations. A transactional test (live_server, transaction=True) ends with a flush
# that empties every table, which would leave the next test on that worker without them.
# Django's serialized rollback cannot be relied on here: Playwright's sync API runs an
# event loop in the test thread, so Django hands the test a fresh connection object that
# lacks the snapshot. We keep the snapshot ourselves and restore it when it is missing.
#
# The restore runs right after the transactional test's flush, committed (the teardown
# hook below). Restored at the start of the next test instead, it would be rolled back
# with that test whenever the test runs in a transaction, and every later such test on
# the worker would pay for it again: xdist's --dist loadfile runs a file's transactional
# tests at its end and the next file's ordinary tests after them, and until the twenty-
# first session hundreds of tests each restored the snapshot (2.5-4 s apiece on
# PostgreSQL): that pass took 43:47 on that session's host, 11:08 after.
_REFERENCE_SNAPSHOT: str | None = None
_DB_BLOCKER: Any = None
# Set by a transactional test (it ends with a flush); the teardown hook restores after it.
_FLUSH_AHEAD = False


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    global _REFERENCE_SNAPSHOT, _DB_BLOCKER
    from django.db import connection

    _DB_BLOCKER = django_db_blocker
    with django_db_blocker.unblock():
        _REFERENCE_SNAPSHOT = connection.creation.serialize_db_to_string()
    yield
    with django_db_blocker.unblock():
        _end_other_sessions(connection)


def _end_other_sessions(connection: Any) -> None:
    """Name and end the other sessions still on this worker's test database, so that
    pytest-django's DROP DATABASE, which runs after this, does not fail with "is being
    accessed by other users" and leave the database behind. Such a session is a test's
    leak (a thread's or a child process's connection never closed); the warning names
    it by what it last ran, so the leak can be found and mended."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, backend_type, state, left(query, 160),"
            " pg_terminate_backend(pid), backend_start FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        others = cursor.fetchall()
        # Ending a session is a signal: wait (a few seconds at most) until it is gone.
        for _ in range(50):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if not others or not cursor.fetchone()[0]:
                break
            time.sleep(0.1)
    if others:
        import warnings

        warnings.warn(
            "sessions left on the test database at the end, ended: "
            + "; ".join(f"pid {pid} {app or '-'} ({kind}, {state}): {query!r}, first seen after "
                        f"{_SESSIONS_FIRST_SEEN.get((pid, start), 'no test (opened at the end)')}"
                        for pid, app, kind, state, query, _, start in others),
            stacklevel=1,
        )


# (pid, start) of another session on the worker's test database -> the test after which it was
# first seen (PostgreSQL only): the end-of-run warning above names the test that opened
# a connection it never closed.
_SESSIONS_FIRST_SEEN: dict[tuple[int, object], str] = {}


@pytest.fixture(autouse=True)
def _note_other_sessions(request: pytest.FixtureRequest) -> Iterator[None]:
    if "_django_db_helper" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("_django_db_helper")  # torn down after this fixture: the database is still open
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    from django.db import Error

    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, backend_start FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            for session in cursor.fetchall():
                _SESSIONS_FIRST_SEEN.setdefault(session, request.node.nodeid)
    except Error:
        pass  # the test closed its connection or pointed it at a server that is down: nothing to note


@pytest.fixture(autouse=True)
def _reference_data(request: pytest.FixtureRequest) -> None:
    if "_django_db_helper" not in request.fixturenames:
        return
    global _FLUSH_AHEAD
    # Autouse fixtures run before the test's own; make sure the database is set up first.
    request.getfixturevalue("_django_db_helper")
    from django.db import connection

    # An ordinary test runs inside pytest-django's transaction; a transactional one does
    # not, and ends with the flush.
    if not connection.in_atomic_block:
        _FLUSH_AHEAD = True
    _restore_reference_data()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After a transactional test's fixtures are torn down (its flush included), put the
    reference data back, committed, for the tests after it. After the worker's last test
    there is none, and the session's teardown has already dropped the test database."""
    global _FLUSH_AHEAD
    try:
        return (yield)
    finally:
        if _FLUSH_AHEAD and _DB_BLOCKER is not None and nextitem is not None:
            _FLUSH_AHEAD = False
            with _DB_BLOCKER.unblock():
                _restore_reference_data()


def _restore_reference_data() -> None:
    """The snapshot of the reference data back in the database, when it is missing."""
    from departments.models import Department

    if _REFERENCE_SNAPSHOT and not Department.objects.exists():
        _reset_to_reference_data()


def _reset_to_reference_data() -> None:
    """Every table emptied, then the reference data's snapshot put back, committed."""
    from django.core.management import call_command
    from django.db import connection

    if _REFERENCE_SNAPSHOT:
        # A transactional test's flush already ran post_migrate, which re-created some
        # rows (role groups); this flush does not: the snapshot holds them.
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        connection.creation.deserialize_db_from_string(_REFERENCE_SNAPSHOT)
        # The rows came back with their ids; move PostgreSQL's sequences past them.
        from django.apps import apps
        from django.core.management.color import no_style

        statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True))
        if statements:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)


# --- The demo data, loaded once for a module ------------------------------------------------
@pytest.fixture(scope="module")
def module_demo_data(django_db_setup: None, django_db_blocker: Any,
                     tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``load_demo_data`` run once for the module that asks, committed; each of the module's
    tests still runs in its own transaction, rolled back at its end, so every test starts
    from the same demo data. At the module's end every table is emptied and the reference
    data put back, as after a transactional test. For modules whose tests only read the
    demo data or write in their own transaction: loading it for each of the 23 tests of
    the hostile-form and page-text passes took ≈ 2 s a test (45 s of CI's worker time on
    PostgreSQL); the module's reset costs about one load. Yields the folder the demo's
    uploaded files went to: the module's tests read their files from it (``_private_media``)."""
    from io import StringIO

    from django.core.management import call_command
    from django.test import override_settings

    from credit_portal.celery import app

    # Tasks the load queues on commit run in-process, as under `make run`: sent to the
    # PostgreSQL pass's Redis they would wait there for whichever later test starts a worker.
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    # The demo accounts' password file and the uploaded files go to folders of the run's,
    # never .local/.
    media = tmp_path_factory.mktemp("private-media")
    try:
        with django_db_blocker.unblock(), override_settings(
            LOCAL_DIR=tmp_path_factory.mktemp("demo-local"), STORAGES=_private_storages(media)
        ):
            call_command("load_demo_data", stdout=StringIO())
    finally:
        app.conf.task_always_eager = eager
    yield media
    with django_db_blocker.unblock():
        _reset_to_reference_data()


# --- Markers that need services ------------------------------------------------------
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    skip_postgres = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    skip_redis = pytest.mark.skip(reason="needs Redis and a Celery worker: set REDIS_URL=redis://...")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_postgres)
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            item.add_marker(skip_redis)


# --- Fast password hashing ---------------------------------------------------------------
# Argon2 is deliberately slow; tests create many users. The hasher itself is tested in
# tests/credit_portal/test_hashers.py.
@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Each test in the default language ------------------------------------------------------
# LocaleMiddleware activates a request's language in the thread and leaves it there (the
# next request activates its own), so a test client's request in English left English on
# for whatever the worker ran next: a report written outside a request then froze its
# purpose in English, and a test asserting the Chinese words failed or passed by the
# order xdist happened to give the files.
@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


# --- Sessions in the database, whether or not the run has Redis ---------------------------
# With REDIS_URL the settings read sessions from the cache (cached_db): the query-count tests
# would count one query fewer, and time-travel tests would meet Redis's own clock. The
# cached engine has its own tests (tests/credit_portal/test_session_refresh.py).
@pytest.fixture(autouse=True)
def _database_sessions(settings: Any) -> None:
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


@pytest.fixture
def cached_sessions(settings: Any) -> None:
    """The Redis profile's session engine (credit_portal.sessions) instead, with every
    content generation started, so every one a page uses is read with the session: for
    the pages' fragment tests run again on it (``pytest.mark.usefixtures``)."""
    from django.core.cache import cache

    from credit_portal import generations

    settings.SESSION_ENGINE = "credit_portal.sessions"
    cache.clear()
    generations.current(*generations.NAMES)


@pytest.fixture
def commits(django_capture_on_commit_callbacks: Any) -> Any:
    """``with commits():`` runs its block as a transaction of its own that commits at the
    block's end: its on-commit callbacks run then. ``django_capture_on_commit_callbacks``
    alone is not enough where a page caches under a generation: ``generations.
    advance_on_commit`` registers one advance per transaction and name, and an advance the
    set-up registered earlier in the test's one transaction (which never commits, so never
    runs) would stand in for the block's own."""
    from contextlib import contextmanager

    from django.db import DEFAULT_DB_ALIAS, connections

    from credit_portal import generations

    @contextmanager
    def block() -> Iterator[list[Any]]:
        connections[DEFAULT_DB_ALIAS].__dict__.pop(generations.PENDING_ATTRIBUTE, None)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield callbacks

    return block


# --- Uploaded files go to a temporary folder, never the developer's .local/ --------------
def _private_storages(location: Path) -> dict[str, Any]:
    from django.conf import settings

    return {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(location)},
    }}


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> None:
    # A folder of the test's own; where the module's demo data is loaded once, the folder
    # its files went to.
    if "module_demo_data" in request.fixturenames:
        location = request.getfixturevalue("module_demo_data")
    else:
        location = tmp_path_factory.mktemp("private-media")
    settings.STORAGES = _private_storages(location)


# --- The working-day cache must not outlive a rolled-back test ---------------------------
@pytest.fixture(autouse=True)
def _fresh_working_day_cache() -> Any:
    from credit_portal import workdays

    workdays.clear_cache()
    yield
    workdays.clear_cache()


# --- Nor /healthz's memo of the delivery alert (credit_portal.views) -------------------------
@pytest.fixture(autouse=True)
def _fresh_delivery_memo() -> Any:
    from credit_portal import views

    views.clear_delivery_memo()
    yield
    views.clear_delivery_memo()


# --- Cache isolation -------------------------------------------------------------------
# Rate-limit counters live in the cache; one test's refusals must not throttle the next.
# Under xdist each worker gets its own key prefix so clearing never touches a neighbour.
def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # xdist sets PYTEST_XDIST_WORKER after this hook runs; its workerinput is there already.
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    settings.CACHES["default"]["KEY_PREFIX"] = f"test-{worker}"
    _move_the_clock(config.getoption("today"))


# --- The suite on a later day ------------------------------------------------------------
# The portal will run for years; a test whose record carries a fixed date passes only
# while that date's display period (3 to 36 months) or the 5-year retention still runs.
# ``pytest --today 2031-06-01`` runs the suite with the process clock moved to that day
# (ticking), so such tests show up years before they would fail. The database's own
# clock and files' times stay real: tests that compare a file's age with the process
# clock, or read PostgreSQL's now(), may fail for that reason alone.
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--today", default=None, metavar="YYYY-MM-DD",
                     help="run the suite as if today were this day (finds tests whose fixed dates stop holding)")


def _move_the_clock(day: str | None) -> None:
    if not day:
        return
    import time_machine

    time_machine.travel(f"{day}T10:00:00+08:00", tick=True).start()


def _clear_cache() -> None:
    from django.core.cache import cache

    # On Redis this deletes only this worker's keys (credit_portal.cache.RedisCache.clear).
    cache.clear()


@pytest.fixture(autouse=True)
def _isolated_cache() -> Any:
    _clear_cache()
    yield
    _clear_cache()


# --- No personal data in logs (DESIGN §8: "a log scan of the whole test run finds no ID
# number or phone") ------------------------------------------------------------------------
# Every record any logger emits during the run is checked before any redaction filter:
# code must not log personal data in the first place. Synthetic numbers are still numbers.
class _PersonalDataScanner(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.hits: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        from credit_portal.logging import redact

        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is not our concern here
            return
        if redact(message) != message:
            self.hits.append(f"{record.name}: {redact(message)[:200]}")


_SCANNER = _PersonalDataScanner()


def pytest_sessionstart(session: pytest.Session) -> None:
    logging.getLogger().addHandler(_SCANNER)


@pytest.fixture(autouse=True)
def _no_personal_data_logged() -> Any:
    """Fails the test during whose run a log record carried an ID number or phone."""
    seen = len(_SCANNER.hits)
    yield
    new = _SCANNER.hits[seen:]
    if new:
        pytest.fail(f"personal data reached the logs (shown redacted): {new[:3]}", pytrace=False)


@pytest.fixture(autouse=True)
def _celery_eagerness_from_settings() -> None:
    """Every test starts with Celery as the settings configure it (eager without Redis,
    queued with it): a test that switched tasks to in-process and forgot to switch back
    must not change what later tests see."""
    from django.conf import settings as django_settings

    from credit_portal.celery import app

    app.conf.task_always_eager = django_settings.CELERY_TASK_ALWAYS_EAGER


# --- Past the audit trail's retention ------------------------------------------------------
@pytest.fixture
def long_ago(settings):  # type: ignore[no-untyped-def]
    """The clock two retention periods back, from before the world is made (list it
    before the fixture that makes it, ``world`` or ``disc``); the test calls what it
    yields to come back to today. For what the trail's retention purge must carry."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    traveller = time_machine.travel(timezone.now() - timedelta(days=2 * settings.AUDIT_RETENTION_DAYS + 20))
    traveller.start()
    back: list[bool] = []

    def back_to_today() -> None:
        # What the background chainer did within seconds back then: it refuses entries
        # older than the retention (a purged entry put back), so it must not wait for today.
        from credit_portal import audit

        audit.chain_pending()
        traveller.stop()
        back.append(True)

    yield back_to_today
    if not back:
        traveller.stop()
