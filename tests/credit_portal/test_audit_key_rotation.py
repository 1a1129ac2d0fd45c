"""Rotation of AUDIT_HMAC_KEY: versioned keys, a rotation anchor, and the verifier per version."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from credit_portal import audit
from credit_portal.audit_anchor import RotationNotPossible, anchor_payload, rotate_key
from credit_portal.models import AuditAnchor, AuditChainHead, AuditEntry
from exchange import schema
from exchange.models import OutboxEvent
from tests.credit_portal.test_audit_chain import _as_insider

pytestmark = pytest.mark.django_db
NEW_KEY = "5a" * 32


@pytest.fixture
def two_keys(settings) -> tuple[str, str]:
    """The key the test database was set up with as version 1, and a new version 2."""
    old = settings.AUDIT_HMAC_KEY
    settings.AUDIT_HMAC_KEY = f"1:{old},2:{NEW_KEY}"
    return old, NEW_KEY


def _entries(n: int) -> None:
    for i in range(n):
        audit.record("test.written", subject_ref="8", detail={"n": i})


def test_rotation_then_verify_passes(two_keys, capsys) -> None:
    _entries(3)
    assert AuditChainHead.objects.get().key_version == 1
    call_command("rotate_audit_key")
    anchor = AuditAnchor.objects.get(kind=AuditAnchor.Kind.ROTATION)
    assert (anchor.sequence, anchor.key_version, anchor.rotated_to) == (3, 1, 2)
    assert "continues under version 2" in capsys.readouterr().out
    rotated = AuditEntry.objects.get(action="credit_portal.audit_key.rotated")
    assert (rotated.sequence, rotated.chain_key_version, rotated.detail["to_version"]) == (4, 2, 2)
    _entries(2)
    audit.record_read("archives.subject.viewed", subject_ref="8")
    audit.chain_pending()
    assert set(AuditEntry.objects.filter(sequence__gt=3).values_list("chain_key_version", flat=True)) == {2}
    assert set(AuditEntry.objects.filter(sequence__lte=3).values_list("chain_key_version", flat=True)) == {1}
    head = AuditChainHead.objects.get()
    assert head.key_version == 2
    result = audit.verify_chain()
    assert result.ok, result.message
    call_command("verify_audit_chain")
    # The rotation anchor goes to the platform like every anchor, in the exchange schema.
    event = OutboxEvent.objects.get(event_type="audit.anchored", payload__kind="rotation")
    assert (event.payload["key_version"], event.payload["rotated_to"]) == (1, 2)
    assert schema.problem(schema.envelope_for(event)) is None


def test_a_rewrite_after_rotation_with_the_retired_key_is_caught(two_keys) -> None:
    """Rotation is done because the old key may have leaked: whoever holds it rewrites an
    entry written after the rotation, all its MACs and the head under the old key."""
    _entries(2)
    rotation = rotate_key()
    _entries(2)
    held_by_platform = anchor_payload(rotation)
    statements: list[tuple[str, list[object]]] = []
    previous = None
    for entry in AuditEntry.objects.filter(sequence__isnull=False).order_by("sequence"):
        if entry.sequence > rotation.sequence:
            if entry.sequence == rotation.sequence + 2:
                entry.action = "test.innocent"
            entry.key_version = entry.chain_key_version = 1
            entry.prev_hash = previous
            entry.content_mac = audit.compute_content_mac(entry)
            entry.entry_hash = audit.compute_hash(entry)
            entry.chain_mac = audit.compute_chain_mac(entry)
            statements.append((
                "UPDATE credit_portal_auditentry SET action = %s, key_version = 1, chain_key_version = 1, "
                "prev_hash = %s, content_mac = %s, entry_hash = %s, chain_mac = %s WHERE id = %s",
                [entry.action, entry.prev_hash, entry.content_mac, entry.entry_hash, entry.chain_mac, entry.pk],
            ))
        previous, last = entry.entry_hash, entry.sequence
    statements.append((
        "UPDATE credit_portal_auditchainhead SET last_hash = %s, key_version = 1, mac = %s WHERE id = 1",
        [previous, audit.compute_head_mac(last, previous, 1)],
    ))
    _as_insider(statements)

    # The local rotation anchor says the chain went on under version 2.
    result = audit.verify_chain()
    assert (result.ok, result.reason, result.sequence) == (False, "key", rotation.sequence + 1)
    # Removing that anchor too does not help: the platform holds it.
    _as_insider([("DELETE FROM credit_portal_auditanchor", [])])
    result = audit.verify_chain_against(external_anchors=[held_by_platform])
    assert (result.ok, result.reason, result.sequence) == (False, "key", rotation.sequence + 1)


def test_a_rewrite_after_rotation_without_any_key_is_caught(two_keys) -> None:
    _entries(2)
    rotate_key()
    _entries(2)
    entry = AuditEntry.objects.get(sequence=4)
    _as_insider([("UPDATE credit_portal_auditentry SET action = 'test.innocent' WHERE id = %s", [entry.pk])])
    result = audit.verify_chain()
    assert (result.ok, result.reason, result.sequence) == (False, "mac", 4)


def test_a_missing_old_key_is_reported_clearly(two_keys, settings) -> None:
    _entries(2)
    rotate_key()
    settings.AUDIT_HMAC_KEY = f"2:{NEW_KEY}"  # version 1 dropped too early
    result = audit.verify_chain()
    assert (result.ok, result.reason) == (False, "key")
    assert "version 1 is not in AUDIT_HMAC_KEY" in result.message
    with pytest.raises(CommandError, match="version 1 is not in AUDIT_HMAC_KEY"):
        call_command("verify_audit_chain")


def test_an_entry_written_under_the_retired_key_after_rotation_is_left_unchained(two_keys, settings) -> None:
    old, _new = two_keys
    _entries(1)
    rotate_key()
    settings.AUDIT_HMAC_KEY = old  # a process not restarted with the new key
    audit.record_read("archives.subject.viewed", subject_ref="8")
    settings.AUDIT_HMAC_KEY = f"1:{old},2:{NEW_KEY}"
    assert audit.chain_pending() == 0
    assert AuditEntry.objects.filter(sequence__isnull=True).count() == 1


def test_rotation_is_refused_to_an_unknown_or_older_version(two_keys) -> None:
    with pytest.raises(RotationNotPossible, match="version 3 is not in AUDIT_HMAC_KEY"):
        rotate_key(to_version=3)
    rotate_key()
    with pytest.raises(CommandError, match="already under audit key version 2"):
        call_command("rotate_audit_key", to=2)
    assert AuditAnchor.objects.filter(kind=AuditAnchor.Kind.ROTATION).count() == 1


@pytest.mark.parametrize("value", ["1:abc", "0:" + "ab" * 16, "1:" + "ab" * 16 + ",1:" + "cd" * 16, "x:" + "ab" * 16])
def test_a_malformed_versioned_key_is_a_configuration_error(settings, value) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.AUDIT_HMAC_KEY = value
    with pytest.raises(ImproperlyConfigured, match="AUDIT_HMAC_KEY"):
        audit.audit_keys()
