"""The keyed chain, its background chainer, its anchors outside the database and the purge.

An insider here is someone with write access to the database (on PostgreSQL: past the
triggers, as the maintenance role) who does not hold AUDIT_HMAC_KEY, unless a test says so.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from credit_portal import audit
from credit_portal.audit_anchor import anchor_chain, purge_expired
from credit_portal.models import AuditAnchor, AuditChainHead, AuditEntry
from credit_portal.roles import Role
from exchange import schema
from exchange.models import OutboxEvent
from tests import factories as f
from tests.credit_portal.test_audit import _maintenance

pytestmark = pytest.mark.django_db


def _as_insider(statements: list[tuple[str, list[object]]]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        _maintenance(cursor, on=True)
        for sql, params in statements:
            cursor.execute(sql, params)
        _maintenance(cursor, on=False)


def _entries(n: int) -> list[AuditEntry]:
    return [audit.record("test.written", subject_ref="8", detail={"n": i}) for i in range(n)]


def _rewrite_with_recomputed_chain(changes: dict[int, str]) -> None:
    """Change the action of the entries at the given sequences, then recompute every SM3
    hash from there on and the head, as an insider without the key can."""
    statements: list[tuple[str, list[object]]] = []
    previous_hash = None
    for entry in AuditEntry.objects.filter(sequence__isnull=False).order_by("sequence"):
        if entry.sequence in changes:
            entry.action = changes[entry.sequence]
        if previous_hash is not None:
            entry.prev_hash = previous_hash
        new_hash = audit.compute_hash(entry)
        statements.append((
            "UPDATE credit_portal_auditentry SET action = %s, prev_hash = %s, entry_hash = %s WHERE id = %s",
            [entry.action, entry.prev_hash, new_hash, entry.pk],
        ))
        previous_hash = new_hash
    statements.append((
        "UPDATE credit_portal_auditchainhead SET last_hash = %s WHERE id = 1", [previous_hash],
    ))
    _as_insider(statements)


# --- The insider's rewrite ---------------------------------------------------------------
def test_rewriting_two_entries_with_a_recomputed_chain_and_head_is_caught() -> None:
    _entries(5)
    assert audit.verify_chain().ok
    _rewrite_with_recomputed_chain({2: "test.innocent", 4: "test.innocent"})

    result = audit.verify_chain()
    assert (result.ok, result.reason, result.sequence) == (False, "mac", 2)
    with pytest.raises(CommandError, match="#2 .*keyed MAC does not match"):
        call_command("verify_audit_chain")


def test_cutting_the_tail_and_moving_the_head_back_is_caught() -> None:
    entries = _entries(4)
    _as_insider([
        ("DELETE FROM credit_portal_auditentry WHERE id = %s", [entries[3].pk]),
        ("UPDATE credit_portal_auditchainhead SET sequence = 3, last_hash = %s WHERE id = 1", [entries[2].entry_hash]),
    ])
    result = audit.verify_chain()
    assert (result.ok, result.reason) == (False, "head")
    assert "keyed MAC" in result.message


def test_a_rewrite_by_someone_holding_the_key_is_caught_by_the_platforms_anchor() -> None:
    _entries(3)
    anchor = anchor_chain(kind=AuditAnchor.Kind.ON_DEMAND)
    held_by_platform = {"sequence": anchor.sequence, "head_hash": anchor.head_hash}
    # With the key, everything this database holds can be made consistent again:
    # entries, MACs, head, and the local anchor (removed here).
    statements: list[tuple[str, list[object]]] = [("DELETE FROM credit_portal_auditanchor", [])]
    previous = audit.GENESIS_HASH
    for entry in AuditEntry.objects.filter(sequence__isnull=False).order_by("sequence"):
        if entry.sequence == 2:
            entry.action = "test.innocent"
        entry.prev_hash = previous
        entry.content_mac = audit.compute_content_mac(entry)
        entry.entry_hash = audit.compute_hash(entry)
        entry.chain_mac = audit.compute_chain_mac(entry)
        statements.append((
            "UPDATE credit_portal_auditentry SET action = %s, prev_hash = %s, content_mac = %s, entry_hash = %s, "
            "chain_mac = %s WHERE id = %s",
            [entry.action, entry.prev_hash, entry.content_mac, entry.entry_hash, entry.chain_mac, entry.pk],
        ))
        previous = entry.entry_hash
        last_sequence = entry.sequence
    statements.append((
        "UPDATE credit_portal_auditchainhead SET last_hash = %s, mac = %s WHERE id = 1",
        [previous, audit.compute_head_mac(last_sequence, previous, 1)],
    ))
    _as_insider(statements)

    # The portal alone cannot tell...
    assert audit.verify_chain().ok
    # ...the head the platform holds can.
    result = audit.verify_chain_against(external_anchors=[held_by_platform])
    assert (result.ok, result.reason, result.sequence) == (False, "anchor", 3)


def test_the_anchor_delivered_to_the_embedded_platform_is_checked_by_the_verifier() -> None:
    from exchange.models import PlatformLedgerEntry
    from exchange.tasks import deliver_pending

    _entries(2)
    anchor = anchor_chain()
    assert deliver_pending.run() >= 1
    received = PlatformLedgerEntry.objects.get(event_type="audit.anchored")
    assert received.payload["head_hash"] == anchor.head_hash
    assert audit.verify_chain().ok
    # Someone rewrites the local anchor's view of history: the local anchor row goes, and
    # entry #2 is rebuilt with the key. The platform's copy still disagrees.
    entry = AuditEntry.objects.get(sequence=2)
    entry.action = "test.innocent"
    entry.content_mac = audit.compute_content_mac(entry)
    entry.entry_hash = audit.compute_hash(entry)
    entry.chain_mac = audit.compute_chain_mac(entry)
    last_sequence = AuditChainHead.objects.get().sequence
    assert last_sequence == 2
    _as_insider([
        ("DELETE FROM credit_portal_auditanchor", []),
        ("UPDATE credit_portal_auditentry SET action = %s, content_mac = %s, entry_hash = %s, chain_mac = %s "
         "WHERE id = %s", [entry.action, entry.content_mac, entry.entry_hash, entry.chain_mac, entry.pk]),
        ("UPDATE credit_portal_auditchainhead SET last_hash = %s, mac = %s WHERE id = 1",
         [entry.entry_hash, audit.compute_head_mac(2, entry.entry_hash, 1)]),
    ])
    result = audit.verify_chain()
    assert (result.ok, result.reason, result.sequence) == (False, "anchor", 2)


# --- Reads without the chain head, and the chainer ------------------------------------------
def test_a_read_is_written_unchained_with_its_mac_and_chained_later(django_assert_num_queries) -> None:
    _entries(1)
    with django_assert_num_queries(1):  # one INSERT: no lock on the chain head
        read = audit.record_read("archives.subject.viewed", subject_ref="8")
    stored = AuditEntry.objects.get(pk=read.pk)
    assert stored.sequence is None
    assert stored.entry_hash is None
    assert stored.content_mac == audit.compute_content_mac(stored)
    assert audit.verify_chain().ok  # recent: waits for the chainer, not a break
    assert audit.verify_chain().pending == 1

    assert audit.chain_pending() == 1
    stored.refresh_from_db()
    assert stored.sequence == 2
    result = audit.verify_chain()
    assert (result.ok, result.count, result.pending) == (True, 2, 0)


def test_reads_left_unchained_past_the_grace_are_reported(settings) -> None:
    audit.record_read("archives.subject.viewed", subject_ref="8")
    later = timezone.now() + timedelta(minutes=settings.AUDIT_UNCHAINED_GRACE_MINUTES + 1)
    with time_machine.travel(later):
        result = audit.verify_chain()
    assert (result.ok, result.reason) == (False, "unchained")


def test_an_entry_forged_without_the_key_is_never_chained_and_is_reported() -> None:
    forged = AuditEntry(
        uid="f" * 32, created_at=timezone.now(), action="archives.subject.viewed", subject_ref="8",
        detail={}, content_mac="0" * 64,
    )
    forged.save(force_insert=True)
    assert audit.chain_pending() == 0
    assert AuditEntry.objects.get(pk=forged.pk).sequence is None
    result = audit.verify_chain()
    assert (result.ok, result.reason, result.entry_id) == (False, "mac", forged.pk)


def test_forged_entries_read_first_do_not_stop_the_chainer_for_good() -> None:
    """The chainer reads the oldest unchained entries first: a batch's worth written
    without the key (5,000 by default) used to fill every batch, so nothing was chained
    again. Each is recorded as unchainable once and left out of the next batches; each
    is still reported by the verifier."""
    from credit_portal.models import UnchainableEntry

    for n in range(12):
        AuditEntry(uid=f"{n:032x}", created_at=timezone.now(), action="archives.subject.viewed", subject_ref="8",
                   detail={}, content_mac="0" * 64).save(force_insert=True)
    audit.record_read("archives.subject.viewed", subject_ref="9")
    genuine = AuditEntry.objects.get(subject_ref="9")
    runs = [audit.chain_pending(limit=5) for _ in range(3)]
    assert runs == [0, 0, 1]
    assert AuditEntry.objects.get(pk=genuine.pk).sequence is not None
    assert UnchainableEntry.objects.count() == 12
    result = audit.verify_chain()
    assert (result.ok, result.reason) == (False, "mac")


def test_reads_chain_after_commit_in_the_embedded_profile(django_capture_on_commit_callbacks, settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        audit.record_read("archives.subject.viewed", subject_ref="8")
        audit.record_read("archives.record.viewed", subject_ref="8")
    assert len(callbacks) == 1  # one chainer run per transaction
    assert not AuditEntry.objects.filter(sequence__isnull=True).exists()
    assert audit.verify_chain().ok


def test_reads_are_left_to_the_embedded_scheduler_where_it_runs(
    django_capture_on_commit_callbacks, settings, monkeypatch
) -> None:
    """In the embedded profile's web process the in-process beat chains every few
    seconds: a read then does not take the chain head after its own commit."""
    from credit_portal import scheduler

    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setattr(scheduler, "running", lambda: True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        audit.record_read("archives.subject.viewed", subject_ref="8")
    assert callbacks == []
    assert AuditEntry.objects.get(action="archives.subject.viewed").sequence is None
    assert audit.chain_pending() == 1  # what the scheduler's chainer entry runs


def test_the_chainer_task_chains_everything_and_is_safe_twice() -> None:
    from credit_portal.tasks import chain_audit_entries

    for _ in range(3):
        audit.record_read("archives.subject.viewed", subject_ref="8")
    assert chain_audit_entries.apply().get() == 3
    assert chain_audit_entries.apply().get() == 0
    assert audit.verify_chain().count == 3


# --- Anchors --------------------------------------------------------------------------------
def test_anchor_is_signed_kept_and_sent_to_the_platform_in_the_schema() -> None:
    _entries(2)
    audit.record_read("archives.subject.viewed", subject_ref="8")
    anchor = anchor_chain(kind=AuditAnchor.Kind.PERIODIC)
    assert (anchor.sequence, anchor.head_hash) == (3, AuditChainHead.objects.get().last_hash)
    event = OutboxEvent.objects.get(event_type="audit.anchored")
    assert event.payload["head_hash"] == anchor.head_hash
    assert schema.problem(schema.envelope_for(event)) is None
    # A periodic anchor of an unchanged head is not repeated.
    assert anchor_chain(kind=AuditAnchor.Kind.PERIODIC).pk == anchor.pk
    assert audit.verify_chain().anchors == 1


def test_a_forged_anchor_is_caught() -> None:
    _entries(2)
    AuditAnchor.objects.create(kind="periodic", sequence=1, head_hash="0" * 64, created_at=timezone.now(), mac="0" * 64)
    assert audit.verify_chain().reason == "anchor"


def test_anchor_beyond_the_chain_shows_a_cut_tail() -> None:
    entries = _entries(3)
    anchor_chain()
    # Even with the key (head MAC recomputed), the anchor at #3 outlives the cut.
    _as_insider([
        ("DELETE FROM credit_portal_auditentry WHERE id = %s", [entries[2].pk]),
        ("UPDATE credit_portal_auditchainhead SET sequence = 2, last_hash = %s, mac = %s WHERE id = 1",
         [entries[1].entry_hash, audit.compute_head_mac(2, entries[1].entry_hash, 1)]),
    ])
    result = audit.verify_chain()
    assert (result.ok, result.reason) == (False, "anchor")


def test_on_demand_anchor_by_someone_who_may_not_read_the_trail_is_refused() -> None:
    clerk = f.make_user(roles=(Role.SYSTEM_ADMIN,))
    with pytest.raises(PermissionDenied):
        anchor_chain(by=clerk)


def test_anchor_command(capsys) -> None:
    _entries(1)
    call_command("anchor_audit_chain")
    assert "#1" in capsys.readouterr().out
    assert AuditAnchor.objects.filter(kind="on_demand").count() == 1


# --- Retention purge --------------------------------------------------------------------------
def test_purge_removes_entries_past_retention_and_leaves_a_verifiable_anchor(settings) -> None:
    old = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 5)
    with time_machine.travel(old):
        # Granted with its entry (#1): the purge refuses while verify_tables names a role
        # held without one.
        auditor = f.make_user(roles=(Role.AUDITOR,))
        _entries(3)
    recent = _entries(2)
    anchor = purge_expired(by=auditor)
    assert anchor is not None
    assert (anchor.kind, anchor.sequence) == ("purge", 4)
    # The two recent entries, the purge's own entry and the auditor's grant carried forward.
    assert list(AuditEntry.objects.order_by("sequence").values_list("sequence", flat=True)) == [5, 6, 7, 8]
    assert AuditEntry.objects.filter(action="credit_portal.audit.purged", actor=auditor).exists()
    assert OutboxEvent.objects.filter(event_type="audit.anchored", payload__kind="purge").exists()
    result = audit.verify_chain()
    assert result.ok, result.message
    assert result.count == 4
    assert recent[0].sequence == 5
    # Nothing more to purge: no second anchor.
    assert purge_expired(by=auditor) is None


def test_cutting_the_start_without_a_purge_anchor_is_caught() -> None:
    entries = _entries(3)
    _as_insider([("DELETE FROM credit_portal_auditentry WHERE id = %s", [entries[0].pk])])
    assert audit.verify_chain().reason == "gap"


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN, Role.CREDIT_OFFICE])
def test_only_the_audit_administrator_purges(role: str, settings) -> None:
    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 5)):
        _entries(2)
    with pytest.raises(PermissionDenied):
        purge_expired(by=f.make_user(roles=(role,), role_entries=False))
    assert AuditEntry.objects.count() == 2


def test_purge_command_needs_an_auditor(settings, capsys) -> None:
    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 1)):
        auditor = f.make_user(roles=(Role.AUDITOR,))  # its grant is entry #1
        _entries(2)
    with pytest.raises(CommandError):
        call_command("purge_audit_trail", "--by", "nobody-here")
    call_command("purge_audit_trail", "--by", auditor.username)
    assert "#3" in capsys.readouterr().out
    assert audit.verify_chain().ok


# --- PostgreSQL: the chainer under concurrent readers -------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_chainer_under_concurrent_readers_leaves_no_gap_and_no_fork() -> None:
    readers, per_reader = 8, 40
    start = threading.Barrier(readers + 2)  # the readers and two chainers
    stop = threading.Event()
    errors: list[BaseException] = []

    def read(worker: int) -> None:
        try:
            start.wait()
            for n in range(per_reader):
                audit.record_read("archives.subject.viewed", subject_ref=str(worker), detail={"n": n})
                if n % 10 == 0:
                    audit.record("test.written", detail={"worker": worker, "n": n})
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    def chain() -> None:
        try:
            start.wait()
            while not stop.is_set():
                audit.chain_pending(limit=50)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=read, args=(w,)) for w in range(readers)]
    chainers = [threading.Thread(target=chain) for _ in range(2)]
    for thread in threads + chainers:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    stop.set()
    for thread in chainers:
        thread.join(timeout=60)
    audit.chain_pending()

    assert errors == []
    total = readers * per_reader + readers * (per_reader // 10)
    sequences = list(AuditEntry.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, total + 1))  # every entry chained, no gap, no fork
    result = audit.verify_chain()
    assert result.ok, result.message
    assert (result.count, result.pending) == (total, 0)
