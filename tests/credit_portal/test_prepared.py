"""The compiled statements are prepared once per PostgreSQL connection and executed by
name (credit_portal.prepared): the same rows and writes as inline, through reconnects,
rollbacks, failed transactions and forks; inline where a value's meaning could change,
where PostgreSQL cannot prepare the text, with the setting off, and on SQLite."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from credit_portal import prepared
from credit_portal.compiled import CompiledQuery, CompiledUpdate
from credit_portal.inserts import CompiledInsert
from credit_portal.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_registry(monkeypatch) -> None:
    # What this process knows; the connection may hold statements prepared before
    # (found prepared, as by a forked process).
    monkeypatch.setattr(prepared, "_statements", {})
    connection.__dict__.pop(prepared._REGISTRY, None)  # noqa: SLF001


def _by_name(username: str):  # noqa: ANN202
    return User.objects.filter(username=username).order_by("id").values_list("id", "username", "date_joined")


def _query() -> CompiledQuery:
    return CompiledQuery(_by_name, fields={"username": User._meta.get_field("username")},
                         sentinels={"username": "username-sentinel"})


def _names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def _inline(sql: str, params: list[object]) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        prepared.execute(connection, cursor, sql, params)
        return cursor.fetchall()


@pytest.mark.postgres
def test_a_compiled_query_is_prepared_once_then_executed_by_name() -> None:
    user = User.objects.create(username="prepared-alice", email="a@example.org")
    query = _query()
    want = list(_by_name("prepared-alice"))
    for _ in range(3):
        with CaptureQueriesContext(connection) as captured:
            assert query.values(username="prepared-alice") == want
        # One statement of the request's: the PREPARE is the connection's, not counted.
        assert len(captured) == 1
        assert captured[0]["sql"].startswith("EXECUTE cp_")
    assert query.rows(username="nobody") == []
    assert query.values(username="prepared-alice")[0][0] == user.pk
    assert sum(name.startswith("cp_") for name in _names()) >= 1


@pytest.mark.postgres
def test_update_and_insert_run_prepared_with_uuid_bytes_null_and_timestamps() -> None:
    from django.utils import timezone

    from credit_portal.models import AuditEntry
    from disclosure.models import CreditReport

    user = User.objects.create(username="prepared-bob", email="b@example.org")
    update = CompiledUpdate(lambda pk, email: (User.objects.filter(pk=pk), {"email": email}),
                            fields={"pk": User._meta.pk, "email": User._meta.get_field("email")},
                            sentinels={"pk": -7, "email": "email-sentinel"})
    with CaptureQueriesContext(connection) as captured:
        assert update.run(pk=user.pk, email="new@example.org") == 1
        assert update.run(pk=-1, email="x@example.org") == 0
    assert all(q["sql"].startswith("EXECUTE cp_") for q in captured)
    user.refresh_from_db()
    assert user.email == "new@example.org"
    entry = AuditEntry(action="test.prepared", actor=user, subject_ref=str(uuid.uuid4()), created_at=timezone.now())
    with CaptureQueriesContext(connection) as captured:
        CompiledInsert(AuditEntry).insert(entry)
    assert captured[0]["sql"].startswith("EXECUTE cp_")
    saved = AuditEntry.objects.get(pk=entry.pk)
    assert (saved.action, saved.subject_ref, saved.created_at) == (entry.action, entry.subject_ref, entry.created_at)
    # A report: a UUID key, encrypted (bytea) and JSON fields, NULL foreign keys.
    from archives.models import Subject

    subject = Subject.objects.create(name="预备", id_number="110101199003070011", gender="M",
                                     birth_date=date(1990, 3, 7))
    report = CreditReport(number="XY-PREPARED-1", kind=CreditReport.Kind.SELF, subject=subject, institution=None,
                          authorization=None, issued_at=timezone.now(), issued_to_user=user,
                          content={"a": [1, "二"]}, digest="d" * 64)
    assert CompiledInsert(CreditReport).insert_unless_taken(report)
    again = CreditReport.objects.get(pk=report.pk)
    assert (again.content, again.subject_id, again.institution_id, again.issued_at) == (
        report.content, subject.pk, None, report.issued_at)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_statement_prepared_in_a_rolled_back_transaction_stays_prepared() -> None:
    User.objects.create(username="prepared-carol", email="c@example.org")
    query = _query()
    connection.close()  # a server session with nothing prepared

    def prepare_then_roll_back() -> None:
        with transaction.atomic():
            assert len(query.rows(username="prepared-carol")) == 1
            assert any(name.startswith("cp_") for name in _names())
            raise RuntimeError

    with pytest.raises(RuntimeError):
        prepare_then_roll_back()
    # Were the PREPARE rolled back with the transaction, this EXECUTE would fail.
    assert len(query.rows(username="prepared-carol")) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again() -> None:
    User.objects.create(username="prepared-dave", email="d@example.org")
    query = _query()
    assert len(query.rows(username="prepared-dave")) == 1
    connection.close()  # CONN_MAX_AGE, close_old_connections, a failed health check
    assert not any(name.startswith("cp_") for name in _names())
    assert len(query.rows(username="prepared-dave")) == 1
    assert any(name.startswith("cp_") for name in _names())


@pytest.mark.postgres
def test_a_forked_process_on_its_parents_connection_finds_the_statement_prepared(monkeypatch) -> None:
    User.objects.create(username="prepared-erin", email="e@example.org")
    query = _query()
    assert len(query.rows(username="prepared-erin")) == 1
    monkeypatch.setattr(prepared.os, "getpid", lambda: -1)  # the registry is per process
    with CaptureQueriesContext(connection) as captured:
        assert len(query.rows(username="prepared-erin")) == 1
    assert captured[0]["sql"].startswith("EXECUTE cp_")
    assert not any(s.refused for s in prepared._statements.values())  # noqa: SLF001


@pytest.mark.postgres
def test_a_text_postgresql_cannot_prepare_runs_inline_and_keeps_the_transaction() -> None:
    sql = "SELECT %s IS NULL"  # the parameter's type cannot be inferred
    with transaction.atomic():
        for _ in range(2):
            with CaptureQueriesContext(connection) as captured:
                assert _inline(sql, [None]) == [(True,)]
            assert not captured[0]["sql"].startswith("EXECUTE")
        assert User.objects.filter(username="nobody").count() == 0  # the transaction goes on
    assert prepared._statements[(sql, 1)].refused  # noqa: SLF001


@pytest.mark.postgres
def test_values_whose_meaning_could_change_run_inline() -> None:
    # Inferred as text, the inline literal would have kept the number's type.
    assert _inline("SELECT %s", [5]) == [(5,)]
    assert _inline("SELECT %s", ["5"]) == [("5",)]
    # Out of the integer type's range: inline, nothing found (prepared: an error).
    user = User.objects.create(username="prepared-frank", email="f@example.org")
    by_id = CompiledQuery(lambda pk: User.objects.filter(pk=pk).values_list("id"), fields={"pk": User._meta.pk},
                          sentinels={"pk": -5})
    assert by_id.rows(pk=2**70) == []
    assert by_id.rows(pk=user.pk) == [(user.pk,)]
    # A float where an integer goes: PostgreSQL would round it into a match.
    assert _inline('SELECT id FROM credit_portal_user WHERE id = %s', [user.pk + 0.4]) == []
    # A datetime where a date goes: PostgreSQL would cut it to the day, equal to it.
    noon = datetime(2026, 11, 29, 12, tzinfo=UTC)
    assert _inline("SELECT DATE '2026-11-29' = %s", [noon]) == [(False,)]
    assert _inline("SELECT DATE '2026-11-29' = %s", [date(2026, 11, 29)]) == [(True,)]


@pytest.mark.postgres
def test_an_exists_annotation_runs_prepared_and_answers_as_inline() -> None:
    # Django's Exists selects "%s AS a" with the value 1, which PostgreSQL takes as text:
    # the value is never read, so it does not keep the statement inline.
    from django.db.models import Exists, OuterRef

    alice = User.objects.create(username="prepared-ivy", email="i@example.org")
    User.objects.create(username="prepared-ivy-2", email="i@example.org")
    lone = User.objects.create(username="prepared-jay", email="j@example.org")
    others = User.objects.filter(email=OuterRef("email")).exclude(pk=OuterRef("pk"))
    query = CompiledQuery(
        lambda pk: User.objects.filter(pk=pk).annotate(shared=Exists(others)).values_list("id", "shared"),
        fields={"pk": User._meta.pk}, sentinels={"pk": -3})
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            assert query.rows(pk=alice.pk) == [(alice.pk, True)]
            assert query.rows(pk=lone.pk) == [(lone.pk, False)]
        assert all(q["sql"].startswith("EXECUTE cp_") for q in captured)
        assert 'EXISTS(SELECT $1 AS "a"' in prepared.source(captured[0]["sql"])
    # A top-level select of a parameter still runs inline (its value is read).
    assert _inline('SELECT %s AS "a" FROM credit_portal_user WHERE id = %s', [1, alice.pk]) == [(1,)]


@pytest.mark.postgres
def test_a_failed_transaction_fails_as_before_and_refuses_nothing() -> None:
    query = CompiledQuery(lambda email: User.objects.filter(email=email).values_list("id"),
                          fields={"email": User._meta.get_field("email")}, sentinels={"email": "email-sentinel"})

    def read_in_a_failed_transaction() -> None:
        with transaction.atomic():
            with connection.cursor() as cursor, pytest.raises(DatabaseError):
                cursor.execute("SELECT 1 / 0")
            query.rows(email="x@example.org")

    with pytest.raises(DatabaseError, match="current transaction is aborted"):
        read_in_a_failed_transaction()
    assert not any(s.refused for s in prepared._statements.values())  # noqa: SLF001
    assert query.rows(email="x@example.org") == []


def test_with_the_setting_off_or_on_sqlite_the_sql_runs_inline(settings) -> None:
    settings.DATABASE_PREPARED_STATEMENTS = False
    User.objects.create(username="prepared-grace", email="g@example.org")
    query = _query()
    want = list(_by_name("prepared-grace"))
    for off in (True, False):
        settings.DATABASE_PREPARED_STATEMENTS = not off
        with CaptureQueriesContext(connection) as captured:
            assert query.values(username="prepared-grace") == want
        inline = not captured[0]["sql"].startswith("EXECUTE")
        assert inline == (off or connection.vendor != "postgresql")
