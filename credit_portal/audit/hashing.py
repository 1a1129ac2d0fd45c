"""What is hashed and MACed for an entry, the chain and its head: the exact bytes of each
format. Changing a format invalidates every stored hash: add a new version instead."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from credit_portal.audit.keys import keyed_mac
from credit_portal.crypto import sm3_hexdigest
from credit_portal.models import AuditEntry

# The first entry links to the hash of this fixed string. Migration 0002 writes the
# same value into the chain head; keep the two in step (a test checks they are).
GENESIS_SEED = "credit_portal audit chain genesis v1"
GENESIS_HASH = sm3_hexdigest(GENESIS_SEED.encode("utf-8"))


def canonical_json(value: Any) -> str:
    """Canonical JSON: sorted keys, no whitespace, UTF-8 text as is, no NaN."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _iso(moment: datetime) -> str:
    # Always UTC and always with microseconds, so the text is the same before the
    # save and after the database round trip (which returns UTC datetimes).
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def entry_payload(
    *,
    sequence: int,
    created_at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    subject_ref: str,
    ip_address: str | None,
    detail: dict[str, Any],
    prev_hash: str,
) -> bytes:
    """The exact bytes hashed for one entry: canonical JSON of its content, UTF-8.

    Keys: ``sequence, created_at (UTC ISO 8601 with microseconds), actor_id,
    actor_label, action, object_type, object_id, subject_ref, ip, detail, prev_hash``.
    Changing this format invalidates every stored hash: add a new format version
    rather than edit this one.
    """
    return canonical_json(
        {
            "sequence": sequence,
            "created_at": _iso(created_at),
            "actor_id": actor_id,
            "actor_label": actor_label,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "subject_ref": subject_ref,
            "ip": ip_address,
            "detail": detail,
            "prev_hash": prev_hash,
        }
    ).encode("utf-8")


def content_payload(entry: AuditEntry) -> bytes:
    """The bytes of an entry's own content (format 2), MACed when it is written."""
    return canonical_json(
        {
            "uid": entry.uid,
            "created_at": _iso(entry.created_at),
            "actor_id": entry.actor_id,
            "actor_label": entry.actor_label,
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "subject_ref": entry.subject_ref,
            "ip": entry.ip_address,
            "detail": entry.detail,
        }
    ).encode("utf-8")


def compute_content_mac(entry: AuditEntry) -> str:
    if entry.version == 1:
        # Format 1 entries predate the key: migration 0004 MACed their stored hash.
        return keyed_mac("content-v1", (entry.entry_hash or "").encode("ascii"), version=entry.key_version)
    return keyed_mac("content", content_payload(entry), version=entry.key_version)


def compute_hash(entry: AuditEntry) -> str:
    """SM3 of ``entry``'s content and place in the chain, as stored (the public chain)."""
    if entry.version == 1:
        return sm3_hexdigest(
            entry_payload(
                sequence=entry.sequence,
                created_at=entry.created_at,
                actor_id=entry.actor_id,
                actor_label=entry.actor_label,
                action=entry.action,
                object_type=entry.object_type,
                object_id=entry.object_id,
                subject_ref=entry.subject_ref,
                ip_address=entry.ip_address,
                detail=entry.detail,
                prev_hash=entry.prev_hash,
            )
        )
    link = canonical_json(
        {"v": 2, "content_mac": entry.content_mac, "sequence": entry.sequence, "prev_hash": entry.prev_hash}
    )
    return sm3_hexdigest(content_payload(entry) + b"\n" + link.encode("utf-8"))


def compute_chain_mac(entry: AuditEntry) -> str:
    return keyed_mac("chain", f"{entry.sequence}:{entry.entry_hash}".encode("ascii"), version=entry.chain_key_version)


def compute_head_mac(sequence: int, last_hash: str, version: int) -> str:
    return keyed_mac("head", f"{sequence}:{last_hash}".encode("ascii"), version=version)
