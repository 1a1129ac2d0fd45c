"""The audit trail: SM3 chain, verifier, append-only triggers, concurrent writers, client IP."""

from __future__ import annotations

import importlib
import threading
from datetime import date

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from django.contrib.admin.sites import site as admin_site
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from credit_portal import audit
from credit_portal.crypto import sm3_hexdigest
from credit_portal.http import client_ip
from credit_portal.models import AuditChainHead, AuditEntry, CalendarDay, User

# Synthetic values shaped like personal data (the ID has a valid GB 11643 check digit).
FAKE_ID_NUMBER = "11010519850615001X"
FAKE_MOBILE = "13800138000"

on_postgres = pytest.mark.postgres


def _maintenance(cursor, on: bool) -> None:
    """Act as the maintenance role (an insider holding it) or stop, for the current transaction.

    The test connection is a PostgreSQL superuser, which may SET ROLE to any role: it
    plays the insider here. The application's role in production cannot (see
    test_application_role_cannot_reach_the_maintenance_role)."""
    if connection.vendor == "postgresql":
        if on:
            # The insider also holds UPDATE (the role itself is given only SELECT and DELETE).
            cursor.execute(
                f"GRANT SELECT, UPDATE, DELETE ON credit_portal_auditentry, credit_portal_auditchainhead, "
                f"credit_portal_auditanchor TO {audit.MAINTENANCE_ROLE}"
            )
        cursor.execute(f"SET LOCAL ROLE {audit.MAINTENANCE_ROLE}" if on else "RESET ROLE")


def _tamper(sql: str, params: list[object]) -> None:
    """Run ``sql`` against the trail the way an intruder with the database password would."""
    with transaction.atomic(), connection.cursor() as cursor:
        _maintenance(cursor, on=True)
        cursor.execute(sql, params)
        _maintenance(cursor, on=False)


@pytest.fixture
def user(db) -> User:
    return User.objects.create_user(username="clerk-audit", password="not-used-here-123")


@pytest.fixture
def three_entries(user: User) -> list[AuditEntry]:
    return [
        audit.record("test.written", actor=user, target=user, subject_ref="17", detail={"n": n, "state": "草稿"})
        for n in range(3)
    ]


# --- Genesis and appending ----------------------------------------------------------
def test_migration_genesis_matches_audit_module() -> None:
    migration = importlib.import_module("credit_portal.migrations.0002_audit_append_only")
    assert sm3_hexdigest(migration.GENESIS_SEED.encode()) == audit.GENESIS_HASH
    assert audit.GENESIS_HASH == sm3_hexdigest(b"credit_portal audit chain genesis v1")


@pytest.mark.django_db
def test_migration_creates_chain_head_at_genesis() -> None:
    head = AuditChainHead.objects.get(pk=1)
    assert (head.sequence, head.last_hash) == (0, audit.GENESIS_HASH)
    assert audit.verify_chain().ok


def test_appended_entries_link_and_verify(three_entries: list[AuditEntry], user: User) -> None:
    first, second, third = (AuditEntry.objects.get(pk=e.pk) for e in three_entries)
    assert [first.sequence, second.sequence, third.sequence] == [1, 2, 3]
    assert first.prev_hash == audit.GENESIS_HASH
    assert second.prev_hash == first.entry_hash
    assert third.prev_hash == second.entry_hash
    assert len({first.entry_hash, second.entry_hash, third.entry_hash}) == 3
    assert (first.object_type, first.object_id) == ("credit_portal.user", str(user.pk))
    assert (first.actor_id, first.actor_label, first.subject_ref) == (user.pk, "clerk-audit", "17")
    # The stored row (read back from the database) hashes to what was written.
    assert audit.compute_hash(third) == third.entry_hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.sequence, head.last_hash) == (3, third.entry_hash)

    result = audit.verify_chain(chunk_size=2)
    assert result.ok
    assert result.count == 3


def test_entry_hash_is_sm3_of_canonical_json_and_the_macs_are_keyed(user: User, settings) -> None:
    entry = audit.record("test.canonical", actor=user, detail={"b": 1, "a": "é"})
    stored = AuditEntry.objects.get(pk=entry.pk)
    created = stored.created_at.isoformat(timespec="microseconds")
    content = (
        f'{{"action":"test.canonical","actor_id":{user.pk},"actor_label":"clerk-audit","created_at":"{created}",'
        f'"detail":{{"a":"é","b":1}},"ip":null,"object_id":"","object_type":"","subject_ref":"",'
        f'"uid":"{stored.uid}"}}'
    )
    link = f'{{"content_mac":"{stored.content_mac}","prev_hash":"{audit.GENESIS_HASH}","sequence":1,"v":2}}'
    assert stored.created_at.utcoffset().total_seconds() == 0
    assert stored.entry_hash == sm3_hexdigest((content + "\n" + link).encode("utf-8"))
    key = bytes.fromhex(settings.AUDIT_HMAC_KEY)
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(b"credit_portal.audit.v2\x00content\x00" + content.encode("utf-8"))
    assert stored.content_mac == mac.finalize().hex()
    # Another key gives other MACs: the verifier then refuses the whole trail.
    settings.AUDIT_HMAC_KEY = "ab" * 32
    assert audit.verify_chain().reason == "mac"


def test_record_takes_actor_and_client_ip_from_the_request(user: User, settings) -> None:
    settings.AXES_IPWARE_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.9")
    request.user = user
    entry = audit.record("subject.viewed", request=request, subject_ref="5")
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.actor_id, stored.ip_address) == (user.pk, "198.51.100.9")
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_anonymous_request_is_recorded_without_actor() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="2001:DB8:0::1")
    request.user = AnonymousUser()
    entry = audit.record("report.verified", request=request)
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.actor_id, stored.actor_label, stored.ip_address) == (None, "", "2001:db8::1")
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_username_that_is_a_phone_number_is_masked_in_the_label() -> None:
    citizen = User.objects.create_user(username=FAKE_MOBILE, password="not-used-here-123")
    entry = audit.record("disclosure.signed_in", actor=citizen)
    assert FAKE_MOBILE not in entry.actor_label
    assert entry.actor_id == citizen.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    "detail",
    [
        {"note": f"证件号 {FAKE_ID_NUMBER}"},
        {"phone": FAKE_MOBILE},
        {"phone": int(FAKE_MOBILE)},
        {"nested": [{"deep": FAKE_ID_NUMBER.lower()}]},
        {FAKE_MOBILE: "as a key"},
    ],
)
def test_personal_data_in_detail_is_refused_and_nothing_written(detail: dict) -> None:
    with pytest.raises(ValueError, match="ID number or a phone number") as excinfo:
        audit.record("test.leak", detail=detail)
    assert FAKE_MOBILE not in str(excinfo.value)
    assert FAKE_ID_NUMBER not in str(excinfo.value)
    assert not AuditEntry.objects.exists()
    assert AuditChainHead.objects.get(pk=1).sequence == 0


@pytest.mark.django_db
def test_personal_data_in_subject_ref_is_refused() -> None:
    with pytest.raises(ValueError, match="subject_ref"):
        audit.record("test.leak", subject_ref=FAKE_ID_NUMBER)
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_hex_digests_in_detail_are_not_mistaken_for_id_numbers() -> None:
    # 18 decimal digits between hex letters: an evidence digest, not an ID number.
    digest = "ab" + "110105198506150011" + "cd" * 22
    entry = audit.record("evidence.attached", detail={"digest": digest, "size": 1024})
    assert AuditEntry.objects.get(pk=entry.pk).detail["digest"] == digest


@pytest.mark.django_db
def test_detail_that_json_cannot_hold_is_refused() -> None:
    with pytest.raises(TypeError, match="JSON"):
        audit.record("test.date", detail={"on": date(2025, 10, 1)})
    with pytest.raises(TypeError, match="JSON"):
        audit.record("test.nan", detail={"ratio": float("nan")})
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_unsaved_target_is_refused() -> None:
    with pytest.raises(ValueError, match="saved"):
        audit.record("test.unsaved", target=CalendarDay(date=date(2025, 10, 1), kind="holiday"))


# --- Transactions -------------------------------------------------------------------
def test_rolled_back_change_leaves_no_entry_and_no_gap(user: User) -> None:
    class Boom(Exception):
        pass

    def change_then_fail() -> None:
        with transaction.atomic():
            user.full_name = "Changed"
            user.save(update_fields=["full_name"])
            audit.record("test.rolled_back", actor=user, target=user)
            raise Boom

    audit.record("test.before", actor=user)
    with pytest.raises(Boom):
        change_then_fail()
    user.refresh_from_db()
    assert user.full_name == ""
    assert not AuditEntry.objects.filter(action="test.rolled_back").exists()
    after = audit.record("test.after", actor=user)
    assert after.sequence == 2
    assert list(AuditEntry.objects.values_list("sequence", flat=True)) == [1, 2]
    assert audit.verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_commits_on_its_own() -> None:
    assert connection.get_autocommit()
    entry = audit.record("subject.viewed", subject_ref="9")
    assert connection.get_autocommit()  # its own transaction is closed again
    assert AuditEntry.objects.get(pk=entry.pk).sequence == entry.sequence
    assert audit.verify_chain().ok


# --- The verifier -------------------------------------------------------------------
def test_verifier_names_the_entry_whose_content_was_edited(three_entries: list[AuditEntry]) -> None:
    second = three_entries[1]
    _tamper("UPDATE credit_portal_auditentry SET detail = %s WHERE id = %s", ['{"n": 1, "state": "已公开"}', second.pk])

    result = audit.verify_chain()
    assert not result.ok
    assert (result.sequence, result.entry_id, result.reason, result.count) == (2, second.pk, "mac", 1)
    with pytest.raises(CommandError, match=rf"#2 \(id {second.pk}\): its keyed MAC does not match"):
        call_command("verify_audit_chain")


def test_verifier_names_the_next_entry_when_an_edit_was_rehashed(three_entries: list[AuditEntry]) -> None:
    second = AuditEntry.objects.get(pk=three_entries[1].pk)
    second.actor_label = "someone-else"
    forged_hash = audit.compute_hash(second)
    _tamper("UPDATE credit_portal_auditentry SET actor_label = %s, entry_hash = %s WHERE id = %s", [
        "someone-else", forged_hash, second.pk,
    ])

    # The rehashed entry's keyed MAC gives it away (the old unkeyed chain saw only a
    # broken link at #3, and not even that once the later hashes were recomputed).
    result = audit.verify_chain()
    assert (result.ok, result.sequence, result.entry_id, result.reason) == (False, 2, second.pk, "mac")


def test_verifier_names_the_gap_left_by_a_deleted_entry(three_entries: list[AuditEntry]) -> None:
    _tamper("DELETE FROM credit_portal_auditentry WHERE id = %s", [three_entries[1].pk])

    result = audit.verify_chain()
    assert (result.ok, result.sequence, result.entry_id, result.reason) == (False, 3, three_entries[2].pk, "gap")
    assert "entries #2 before it are missing" in result.message
    with pytest.raises(CommandError, match=rf"#3 \(id {three_entries[2].pk}\): entries #2 before it are missing"):
        call_command("verify_audit_chain")


def test_verifier_finds_entries_deleted_from_the_end(three_entries: list[AuditEntry]) -> None:
    _tamper("DELETE FROM credit_portal_auditentry WHERE id = %s", [three_entries[2].pk])

    result = audit.verify_chain()
    assert (result.ok, result.reason, result.sequence, result.count) == (False, "head", 2, 2)
    assert "#3 to #3 are missing" in result.message


def test_verifier_finds_a_forged_first_link(three_entries: list[AuditEntry]) -> None:
    first = three_entries[0]
    _tamper("UPDATE credit_portal_auditentry SET prev_hash = %s WHERE id = %s", ["0" * 64, first.pk])

    result = audit.verify_chain()
    assert (result.ok, result.sequence, result.reason) == (False, 1, "link")
    assert "genesis" in result.message


def test_command_prints_the_count_when_intact(three_entries: list[AuditEntry], capsys) -> None:
    call_command("verify_audit_chain", chunk_size=1)
    assert "intact: 3 entries" in capsys.readouterr().out


def test_command_exits_non_zero_on_a_broken_chain(three_entries: list[AuditEntry], capsys) -> None:
    _tamper("UPDATE credit_portal_auditentry SET action = %s WHERE id = %s", ["test.forged", three_entries[0].pk])
    with pytest.raises(SystemExit) as excinfo:
        execute_from_command_line(["manage.py", "verify_audit_chain"])
    assert excinfo.value.code == 1
    assert f"#1 (id {three_entries[0].pk})" in capsys.readouterr().err


@pytest.mark.django_db
def test_command_succeeds_on_an_empty_chain(capsys) -> None:
    execute_from_command_line(["manage.py", "verify_audit_chain"])  # returns: exit status 0
    assert "intact: 0 entries" in capsys.readouterr().out


# --- PostgreSQL: triggers -----------------------------------------------------------
def _run_in_savepoint(sql: str, params: list[object] | None = None, *, setup: str | None = None) -> None:
    # In a savepoint, so a refused statement does not abort the test's transaction.
    with transaction.atomic(), connection.cursor() as cursor:
        if setup:
            cursor.execute(setup)
        cursor.execute(sql, params)


def _refused(sql: str, params: list[object] | None = None, *, setup: str | None = None) -> None:
    with pytest.raises(DatabaseError, match="append-only: (UPDATE|DELETE|TRUNCATE)"):
        _run_in_savepoint(sql, params, setup=setup)


def _orm_in_savepoint(change) -> None:
    with transaction.atomic():
        change()


@on_postgres
def test_triggers_refuse_update_delete_and_truncate(three_entries: list[AuditEntry]) -> None:
    pk = three_entries[0].pk
    _refused("UPDATE credit_portal_auditentry SET detail = '{}' WHERE id = %s", [pk])
    _refused("DELETE FROM credit_portal_auditentry WHERE id = %s", [pk])
    _refused("TRUNCATE credit_portal_auditentry")
    _refused("TRUNCATE credit_portal_auditanchor")
    # Through the ORM too: an admin action or a careless queryset meets the same wall.
    with pytest.raises(DatabaseError, match="append-only"):
        _orm_in_savepoint(lambda: AuditEntry.objects.filter(pk=pk).update(action="test.forged"))
    with pytest.raises(DatabaseError, match="append-only"):
        _orm_in_savepoint(lambda: AuditEntry.objects.all().delete())

    assert AuditEntry.objects.count() == 3
    assert AuditEntry.objects.get(pk=pk).action == "test.written"
    assert audit.verify_chain().ok


@on_postgres
def test_the_old_session_setting_no_longer_opens_the_trail(three_entries: list[AuditEntry]) -> None:
    _refused("DELETE FROM credit_portal_auditentry", setup="SET LOCAL credit_portal.audit_maintenance = 'on'")
    _refused(
        "UPDATE credit_portal_auditentry SET action = 'test.forged'",
        setup="SET LOCAL credit_portal.audit_maintenance = 'on'",
    )
    assert AuditEntry.objects.count() == 3


@on_postgres
def test_triggers_let_the_chainer_set_the_chain_fields_of_an_unchained_entry_once(user: User) -> None:
    read = audit.record_read("test.read", actor=user, subject_ref="5")
    # Its content stays as written, chained or not.
    _refused("UPDATE credit_portal_auditentry SET action = 'test.forged', sequence = 99 WHERE id = %s", [read.pk])
    _refused("UPDATE credit_portal_auditentry SET subject_ref = '6' WHERE id = %s", [read.pk])
    assert audit.chain_pending() == 1
    # Once chained, its place is fixed too.
    _refused("UPDATE credit_portal_auditentry SET sequence = 7 WHERE id = %s", [read.pk])
    assert audit.verify_chain().ok


@on_postgres
def test_maintenance_role_lets_a_purge_through(three_entries: list[AuditEntry]) -> None:
    _tamper("DELETE FROM credit_portal_auditentry WHERE sequence = %s", [1])
    assert AuditEntry.objects.count() == 2


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_application_role_cannot_reach_the_maintenance_role() -> None:
    """Production connects as a non-superuser role that is not a member of
    credit_portal_audit_maintenance: even with every table privilege it can neither
    SET ROLE to it nor use the old session setting, so the triggers hold."""
    import psycopg2

    entry = audit.record("test.written", subject_ref="1")
    with connection.cursor() as cursor:
        cursor.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'credit_portal_test_app') "
            "THEN CREATE ROLE credit_portal_test_app LOGIN NOSUPERUSER NOCREATEROLE; END IF; END $$;"
        )
        cursor.execute(
            "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON credit_portal_auditentry TO credit_portal_test_app"
        )
    params = connection.settings_dict
    app = psycopg2.connect(
        dbname=params["NAME"], user="credit_portal_test_app", host=params["HOST"] or None, port=params["PORT"] or None
    )
    try:
        attempts = [
            (f"SET ROLE {audit.MAINTENANCE_ROLE}", "permission denied to set role"),
            ("SET credit_portal.audit_maintenance = 'on'; DELETE FROM credit_portal_auditentry", "append-only"),
            ("SET credit_portal.audit_maintenance = 'on'; UPDATE credit_portal_auditentry SET action = 'x'", "append-only"),
            ("TRUNCATE credit_portal_auditentry", "append-only"),
        ]
        for sql, refusal in attempts:
            with app.cursor() as cursor:
                with pytest.raises(psycopg2.Error, match=refusal):
                    cursor.execute(sql)
            app.rollback()
    finally:
        app.close()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.written"
    assert audit.verify_chain().ok


# --- PostgreSQL: concurrent writers -------------------------------------------------
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain() -> None:
    threads_count, per_thread = 8, 25
    start = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            start.wait()
            for n in range(per_thread):
                audit.record("test.concurrent", subject_ref=str(worker), detail={"n": n})
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=write, args=(w,)) for w in range(threads_count)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)

    assert errors == []
    total = threads_count * per_thread
    sequences = list(AuditEntry.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, total + 1))
    result = audit.verify_chain()
    assert result.ok
    assert result.count == total


# --- Admin --------------------------------------------------------------------------
def test_admin_shows_the_trail_read_only_even_to_a_superuser(three_entries: list[AuditEntry], admin_client) -> None:
    model_admin = admin_site._registry[AuditEntry]
    request = RequestFactory().get("/")
    request.user = User.objects.get(username="admin")
    assert request.user.is_superuser
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, three_entries[0])
    assert not model_admin.has_delete_permission(request, three_entries[0])

    changelist = admin_client.get("/admin/credit_portal/auditentry/")
    assert changelist.status_code == 200
    # The three entries and the superuser's sign-in.
    assert changelist.context["cl"].result_count == AuditEntry.objects.count() == 4
    assert admin_client.get("/admin/credit_portal/auditentry/add/").status_code == 403
    delete_url = f"/admin/credit_portal/auditentry/{three_entries[0].pk}/delete/"
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.count() == 4


def test_admin_search_by_object_id(three_entries: list[AuditEntry], user: User, admin_client) -> None:
    other = User.objects.create_user(username="other-audit", password="not-used-here-123")
    audit.record("test.other", target=other)
    response = admin_client.get("/admin/credit_portal/auditentry/", {"q": str(other.pk)})
    assert response.status_code == 200
    assert list(response.context["cl"].queryset.values_list("action", flat=True)) == ["test.other"]


# --- client_ip ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("proxy_count", "remote_addr", "forwarded", "expected"),
    [
        (0, "203.0.113.5", None, "203.0.113.5"),
        # Without trusted proxies the header is the client's own words: ignored.
        (0, "203.0.113.5", "198.51.100.1", "203.0.113.5"),
        (1, "10.0.0.2", "198.51.100.1", "198.51.100.1"),
        # Left of our proxy's entry the client may write anything.
        (1, "10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (2, "10.0.0.3", "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        # Fewer entries than proxies: the request bypassed them; trust the TCP peer.
        (2, "203.0.113.5", "198.51.100.1", "203.0.113.5"),
        (1, "203.0.113.5", None, "203.0.113.5"),
        (1, "10.0.0.2", "198.51.100.1:51234", "198.51.100.1"),
        (1, "10.0.0.2", "[2001:DB8::7]:443", "2001:db8::7"),
        (1, "10.0.0.2", "not-an-ip", None),
        (0, "", None, None),
    ],
)
def test_client_ip(settings, proxy_count: int, remote_addr: str, forwarded: str | None, expected: str | None) -> None:
    settings.AXES_IPWARE_PROXY_COUNT = proxy_count
    meta = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **meta)) == expected
