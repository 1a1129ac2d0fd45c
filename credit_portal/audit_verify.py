"""Verification of the audit trail (``manage.py verify_audit_chain``; proof in docs/audit.md).

The verifier holds ``AUDIT_HMAC_KEY`` and checks, in one snapshot:

1. every anchor's MAC, and the purge anchor the chain starts from when the start was purged;
2. every chained entry in sequence order: no gap, ``prev_hash`` = the previous hash,
   ``entry_hash`` = SM3 of its content and link, ``content_mac`` and ``chain_mac`` =
   HMAC-SM3 under the key, and the hash every anchor recorded at its sequence;
3. the chain head: its MAC, and that it points at the last entry; no anchor lies beyond it;
4. unchained entries: none with a wrong MAC, none older than
   ``AUDIT_UNCHAINED_GRACE_MINUTES`` (the chainer must have taken it by then);
5. anchors held by the platform (the embedded platform's ledger, or a list exported from
   the real one): each must match the chain at its sequence;
6. key versions: each MAC is checked under the ``AUDIT_HMAC_KEY`` version its row records;
   the chain's version changes only right after a rotation anchor (local or the
   platform's), to the version it names; no entry's content MAC is of a version older
   than its chain's. A version that is not configured is reported as ``key``, naming it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from credit_portal import audit
from credit_portal.models import AuditAnchor, AuditChainHead, AuditEntry


@dataclass(frozen=True)
class VerificationResult:
    """The outcome of :func:`verify_chain`.

    When broken, ``sequence`` and ``entry_id`` name the first broken entry (None when
    what broke is the head, an anchor or the table's end), ``reason`` is one of
    ``hash`` (content altered), ``mac`` (a keyed MAC does not match: written or altered
    without the key), ``link`` (``prev_hash`` does not match the previous entry),
    ``gap`` (entries missing before this one), ``head`` (the head disagrees with the
    last entry or its MAC), ``anchor`` (an anchor is forged or the chain disagrees with
    one), ``unchained`` (an entry the chainer should have taken long ago), and
    ``message`` says it in a sentence.
    """

    ok: bool
    count: int
    sequence: int | None = None
    entry_id: int | None = None
    reason: str | None = None
    message: str = ""
    pending: int = 0
    anchors: int = 0

    def __bool__(self) -> bool:
        return self.ok


def _broken(count: int, reason: str, message: str, entry: AuditEntry | None = None) -> VerificationResult:
    return VerificationResult(
        ok=False,
        count=count,
        sequence=entry.sequence if entry is not None else None,
        entry_id=entry.pk if entry is not None else None,
        reason=reason,
        message=message,
    )


def platform_anchors() -> list[dict[str, Any]]:
    """The anchors the embedded platform's ledger received (empty without one)."""
    try:
        ledger = apps.get_model("exchange", "PlatformLedgerEntry")
    except LookupError:
        return []
    return [
        {key: payload.get(key) for key in ("sequence", "head_hash", "kind", "key_version", "rotated_to")}
        for payload in ledger.objects.filter(event_type="audit.anchored").values_list("payload", flat=True)
    ]


def verify_chain(
    *, chunk_size: int = 2000, now: datetime | None = None, external_anchors: Iterable[dict[str, Any]] | None = None
) -> VerificationResult:
    """Check the whole trail (see the module docstring); stop at the first break.

    Outside a transaction it reads one PostgreSQL REPEATABLE READ snapshot, so writers
    and the chainer working meanwhile neither block nor confuse it. ``external_anchors``
    are ``{"sequence", "head_hash"}`` dicts held outside this database; the embedded
    platform's ledger is always consulted as well.
    """
    own_transaction = not connection.in_atomic_block
    with transaction.atomic():
        if own_transaction and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        outside = [*platform_anchors(), *(external_anchors or [])]
        return _walk(chunk_size, now or timezone.now(), outside)


def _walk(chunk_size: int, now: datetime, outside: list[dict[str, Any]]) -> VerificationResult:
    try:
        return _walk_with_keys(chunk_size, now, outside)
    except audit.MissingAuditKey as exc:
        # Raised where a MAC is recomputed; the walk stops there, like at any break.
        return _broken(0, "key", str(exc))


def _rotation_points(anchors: list[AuditAnchor], outside: list[dict[str, Any]]) -> dict[int, tuple[int, int]]:
    """``{sequence: (old version, new version)}`` of every key rotation, local or held by the platform."""
    points = {
        a.sequence: (a.key_version, a.rotated_to or 0) for a in anchors if a.kind == AuditAnchor.Kind.ROTATION
    }
    for item in outside:
        seq, old, new = item.get("sequence"), item.get("key_version"), item.get("rotated_to")
        if item.get("kind") == "rotation" and all(isinstance(v, int) for v in (seq, old, new)):
            points.setdefault(seq, (old, new))
    return points


def _walk_with_keys(chunk_size: int, now: datetime, outside: list[dict[str, Any]]) -> VerificationResult:
    anchors = list(AuditAnchor.objects.order_by("id"))
    from credit_portal.audit_anchor import anchor_mac

    for anchor in anchors:
        if anchor.mac != anchor_mac(anchor):
            return _broken(0, "anchor", f"Audit anchor {anchor.pk} (#{anchor.sequence}): its MAC does not match.")
    rotations = _rotation_points(anchors, outside)
    expected_at: dict[int, tuple[str, str]] = {}
    for anchor in anchors:
        expected_at.setdefault(anchor.sequence, (anchor.head_hash, f"anchor {anchor.pk}"))
    for item in outside:
        seq, digest = item.get("sequence"), item.get("head_hash")
        if isinstance(seq, int) and isinstance(digest, str):
            known = expected_at.get(seq)
            if known is not None and known[0] != digest:
                return _broken(0, "anchor", f"The platform's anchor at #{seq} disagrees with the local anchor.")
            expected_at.setdefault(seq, (digest, "the platform's anchor"))
    purges = {a.sequence: a.head_hash for a in anchors if a.kind == AuditAnchor.Kind.PURGE}

    count = 0
    previous: AuditEntry | None = None
    chained = AuditEntry.objects.filter(sequence__isnull=False).order_by("sequence")
    for entry in chained.iterator(chunk_size=chunk_size):
        where = f"Audit entry #{entry.sequence} (id {entry.pk})"
        if previous is None:
            if entry.sequence == 1:
                expected_sequence, expected_prev = 1, audit.GENESIS_HASH
            elif entry.sequence - 1 in purges:
                expected_sequence, expected_prev = entry.sequence, purges[entry.sequence - 1]
            else:
                return _broken(0, "gap", f"{where}: entries before it are missing and no purge anchor explains it.", entry)
        else:
            expected_sequence, expected_prev = previous.sequence + 1, previous.entry_hash
        if entry.sequence != expected_sequence:
            missing = (
                f"#{expected_sequence}"
                if entry.sequence == expected_sequence + 1
                else f"#{expected_sequence} to #{entry.sequence - 1}"
            )
            return _broken(count, "gap", f"{where}: entries {missing} before it are missing.", entry)
        rotated = rotations.get(entry.sequence - 1)
        expected_key = rotated[1] if rotated is not None else (
            previous.chain_key_version if previous is not None else entry.chain_key_version
        )
        if rotated is not None and previous is not None and previous.chain_key_version != rotated[0]:
            return _broken(count, "key", f"{where}: the key rotation anchored at #{previous.sequence} left key "
                                         f"version {rotated[0]}, but that entry is under version "
                                         f"{previous.chain_key_version}.", entry)
        if entry.chain_key_version != expected_key:
            return _broken(count, "key", f"{where}: chained under audit key version {entry.chain_key_version} where "
                                         f"version {expected_key} is in force (no rotation anchor explains it).", entry)
        if entry.key_version < entry.chain_key_version:
            return _broken(count, "key", f"{where}: its content MAC is under retired key version {entry.key_version}.",
                           entry)
        if entry.prev_hash != expected_prev:
            before = f"entry #{previous.sequence}" if previous is not None else "the genesis or purge anchor"
            return _broken(count, "link", f"{where}: link broken, prev_hash does not match {before}.", entry)
        if entry.content_mac != audit.compute_content_mac(entry):
            return _broken(count, "mac", f"{where}: its keyed MAC does not match, its content was altered.", entry)
        if audit.compute_hash(entry) != entry.entry_hash:
            return _broken(count, "hash", f"{where}: hash mismatch, its content was altered.", entry)
        if entry.chain_mac != audit.compute_chain_mac(entry):
            return _broken(count, "mac", f"{where}: its keyed chain MAC does not match, the chain was rewritten.", entry)
        anchored = expected_at.get(entry.sequence)
        if anchored is not None and anchored[0] != entry.entry_hash:
            return _broken(count, "anchor", f"{where}: disagrees with {anchored[1]}, the chain was rewritten.", entry)
        count += 1
        previous = entry

    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None:
        return _broken(count, "head", "The audit chain head row is missing.")
    last_sequence = previous.sequence if previous is not None else max(purges, default=0)
    last_hash = previous.entry_hash if previous is not None else purges.get(last_sequence, audit.GENESIS_HASH)
    if head.mac != audit.compute_head_mac(head.sequence, head.last_hash, head.key_version):
        return _broken(count, "head", "The chain head's keyed MAC does not match: the head was rewritten.")
    if previous is not None:
        head_key = rotations[last_sequence][1] if last_sequence in rotations else previous.chain_key_version
        if head.key_version != head_key:
            return _broken(count, "key", f"The chain head is under audit key version {head.key_version}, "
                                         f"the chain under version {head_key}.")
    if head.sequence != last_sequence or head.last_hash != last_hash:
        if head.sequence > last_sequence:
            message = (
                f"The chain head is at #{head.sequence} but the last entry is #{last_sequence}: "
                f"entries #{last_sequence + 1} to #{head.sequence} are missing."
            )
        else:
            message = f"The chain head (#{head.sequence}) does not match the last entry #{last_sequence}."
        return _broken(count, "head", message, previous)
    beyond = [seq for seq in expected_at if seq > last_sequence]
    if beyond:
        return _broken(count, "anchor", f"An anchor is at #{max(beyond)}, past the last entry #{last_sequence}: "
                                        "entries at the end were removed.")

    grace = now - timedelta(minutes=settings.AUDIT_UNCHAINED_GRACE_MINUTES)
    pending = 0
    for entry in AuditEntry.objects.filter(sequence__isnull=True).order_by("id").iterator(chunk_size=chunk_size):
        where = f"Unchained audit entry id {entry.pk}"
        if entry.content_mac != audit.compute_content_mac(entry) or entry.version != 2:
            return _broken(count, "mac", f"{where}: its keyed MAC does not match, it was not written by the portal.", entry)
        if entry.created_at < grace:
            return _broken(count, "unchained", f"{where}: written at {entry.created_at:%Y-%m-%d %H:%M} and still "
                                                "not chained; is the chainer (beat) running?", entry)
        pending += 1
    note = f" {pending} recent entries wait for the chainer." if pending else ""
    return VerificationResult(
        ok=True, count=count, pending=pending, anchors=len(anchors),
        message=f"Audit chain intact: {count} entries, {len(anchors)} anchors.{note}",
    )
