"""Anchors of the audit chain outside the database, and the retention purge (docs/audit.md).

An anchor is a copy of the chain head (sequence and hash) MACed with ``AUDIT_HMAC_KEY``,
kept in ``AuditAnchor`` and delivered to the municipal platform as an ``audit.anchored``
event through the outbox (``exchange.outbox.emit``, DESIGN §9): at a fixed interval by
the beat (``AUDIT_ANCHOR_MINUTES``) and on demand (``manage.py anchor_audit_chain``).
Once the platform holds a head, nobody who rewrites this database — even holding the
key — can present a chain that disagrees with it: ``verify_audit_chain`` compares.

The retention purge removes entries older than ``AUDIT_RETENTION_DAYS`` (at least 184:
Cybersecurity Law art. 21(3), network logs kept "不少于六个月"). It is the audit
administrator's act (permission ``credit_portal.purge_auditentry``, the auditor role).
It first writes a ``purge`` anchor naming the last entry it removes, delivers it like
any anchor and records the purge in the trail, then deletes through the database role
``credit_portal_audit_maintenance``. The remaining chain starts from that anchor, so the
verifier still proves it, and the platform holds the point where it starts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from credit_portal import audit, trail_checks
from credit_portal.models import AuditAnchor, AuditEntry
from exchange.outbox import emit

if TYPE_CHECKING:
    from credit_portal.models import User

EVENT_TYPE = "audit.anchored"


class PurgeNotPossible(Exception):
    """The purge cannot delete: the maintenance role is not reachable from here."""


class PurgeRefused(Exception):
    """``verify_tables`` names a difference between a table and the trail: the entries the
    purge would delete may be its evidence (and the purge carries forward only what the
    trail still vouches for), so nothing is purged until it is resolved."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:5]) + (" …" if len(problems) > 5 else "")
        super().__init__(f"verify_tables names {len(problems)} difference(s): {shown}")


def anchor_mac(anchor: AuditAnchor) -> str:
    """HMAC-SM3 of the anchor under its own key version (a rotation anchor: the old key,
    over the version the chain continues under as well)."""
    content: dict[str, Any] = {
        "kind": anchor.kind,
        "sequence": anchor.sequence,
        "head_hash": anchor.head_hash,
        "created_at": audit._iso(anchor.created_at),
    }
    if anchor.kind == AuditAnchor.Kind.ROTATION:
        content["rotated_to"] = anchor.rotated_to
    return audit.keyed_mac("anchor", audit.canonical_json(content).encode("utf-8"), version=anchor.key_version)


def anchor_payload(anchor: AuditAnchor) -> dict[str, Any]:
    """The ``audit.anchored`` event's payload (docs/exchange/schema-v1.json)."""
    return {
        "anchor_id": anchor.pk,
        "kind": anchor.kind,
        "sequence": anchor.sequence,
        "head_hash": anchor.head_hash,
        "anchored_at": anchor.created_at.isoformat(),
        "mac": anchor.mac,
        "key_version": anchor.key_version,
        **({"rotated_to": anchor.rotated_to} if anchor.kind == AuditAnchor.Kind.ROTATION else {}),
    }


def _write_anchor(
    kind: str, *, sequence: int, head_hash: str, by: User | None, key_version: int, rotated_to: int | None = None
) -> AuditAnchor:
    anchor = AuditAnchor(
        kind=kind, sequence=sequence, head_hash=head_hash, created_at=timezone.now(),
        created_by_id=by.pk if by is not None else None, key_version=key_version, rotated_to=rotated_to,
    )
    anchor.mac = anchor_mac(anchor)
    anchor.save(force_insert=True)
    emit(EVENT_TYPE, aggregate=anchor, payload=anchor_payload(anchor))
    return anchor


def anchor_chain(*, kind: str = AuditAnchor.Kind.ON_DEMAND, by: User | None = None) -> AuditAnchor:
    """Chain what is pending, sign the head and send it to the platform; return the anchor.

    Who: the beat (``kind=periodic``, no user) or anyone who may read the trail, on
    demand (the command; an anchor discloses nothing but a hash). A periodic anchor of a
    head that has not moved since the last one is not repeated.
    """
    if by is not None and not by.has_perm("credit_portal.view_auditentry"):
        raise PermissionDenied
    audit.chain_pending()
    with transaction.atomic():
        head = audit._lock_head()
        if kind == AuditAnchor.Kind.PERIODIC:
            last = AuditAnchor.objects.filter(kind__in=[AuditAnchor.Kind.PERIODIC, AuditAnchor.Kind.ON_DEMAND]
                                              ).order_by("-id").first()
            if last is not None and last.sequence == head.sequence and last.head_hash == head.last_hash:
                return last
        anchor = _write_anchor(kind, sequence=head.sequence, head_hash=head.last_hash, by=by,
                               key_version=head.key_version)
        if by is not None:
            audit.record("credit_portal.audit.anchored", actor=by, target=anchor, detail={"sequence": anchor.sequence})
    return anchor


class RotationNotPossible(Exception):
    """The audit key cannot be rotated as asked (the message says why)."""


def rotate_key(*, to_version: int | None = None, by: User | None = None) -> AuditAnchor:
    """Move the audit chain to another version of ``AUDIT_HMAC_KEY``; return the rotation anchor.

    In one transaction under the chain-head lock: chain what is pending, anchor the head
    under the old key (kind ``rotation``, naming the new version; delivered to the
    platform like every anchor), re-MAC the head under the new key, and record
    ``credit_portal.audit_key.rotated``, the first entry chained under it. From then on
    the chainer takes only entries whose content MAC is of the new version or later, so
    every process must run with the new key before the rotation (docs/audit.md, "Key
    rotation"). ``to_version`` defaults to the highest configured. Run from the server's
    console (``manage.py rotate_audit_key``), where the key is; ``by`` is recorded when given.
    """
    keys = audit.audit_keys()
    target = to_version if to_version is not None else max(keys)
    if target not in keys:
        raise RotationNotPossible(f"Audit key version {target} is not in AUDIT_HMAC_KEY.")
    audit.chain_pending()
    with transaction.atomic():
        head = audit._lock_head()
        old = head.key_version
        if target <= old:
            raise RotationNotPossible(
                f"The chain is already under audit key version {old}; rotate to a higher version only."
            )
        if old not in keys:
            raise RotationNotPossible(str(audit.MissingAuditKey(old)))
        anchor = _write_anchor(AuditAnchor.Kind.ROTATION, sequence=head.sequence, head_hash=head.last_hash, by=by,
                               key_version=old, rotated_to=target)
        head.key_version = target
        head.mac = audit.compute_head_mac(head.sequence, head.last_hash, target)
        head.save(update_fields=["key_version", "mac"])
        audit.record("credit_portal.audit_key.rotated", actor=by, target=anchor,
                     detail={"from_version": old, "to_version": target, "sequence": anchor.sequence})
    return anchor


def purgeable_through(*, now: datetime | None = None) -> int:
    """The last sequence the purge may remove: every entry up to it is past retention."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    chained = AuditEntry.objects.filter(sequence__isnull=False)
    first_young = chained.filter(created_at__gte=cutoff).order_by("sequence").values_list("sequence", flat=True).first()
    if first_young is not None:
        return first_young - 1
    return chained.order_by("-sequence").values_list("sequence", flat=True).first() or 0


def purge_expired(*, by: User | None, now: datetime | None = None) -> AuditAnchor | None:
    """Remove the entries past retention, leaving a purge anchor; None if there were none.

    Who: the audit administrator (``credit_portal.purge_auditentry``); anyone else gets
    ``PermissionDenied``. Refused (``PurgeRefused``) while ``verify_tables`` names a
    difference: the entries to delete may be its only evidence. The anchor and the trail
    entry are committed before anything is deleted: if the delete fails, the chain is
    still whole and verifiable.
    """
    if by is None or not by.has_perm("credit_portal.purge_auditentry"):
        raise PermissionDenied
    if problems := [problem for check in trail_checks.run_all() for problem in check.problems]:
        raise PurgeRefused(problems)
    audit.chain_pending()
    # Before the lock: every entry up to ``through`` is past retention and no longer
    # changes, so what the bulk carriers read of them holds when the lock is taken.
    through = purgeable_through(now=now)
    try:
        plan = trail_checks.plan_bulk_carry(through) if through >= 1 else []
    except trail_checks.CarryChanged as exc:  # a row changed since the check above
        raise PurgeRefused(exc.problems) from None
    with transaction.atomic():
        head = audit._lock_head()
        done = AuditAnchor.objects.filter(kind=AuditAnchor.Kind.PURGE).order_by("-sequence").first()
        if through < 1 or (done is not None and done.sequence >= through):
            return None
        last = AuditEntry.objects.get(sequence=through)
        anchor = _write_anchor(AuditAnchor.Kind.PURGE, sequence=through, head_hash=last.entry_hash or "", by=by,
                               key_version=head.key_version)
        audit.record(
            "credit_portal.audit.purged",
            actor=by,
            target=anchor,
            detail={"through_sequence": through, "retention_days": settings.AUDIT_RETENTION_DAYS},
        )
        # Roles and seats still held whose granting entries go now get an entry of their
        # own first, and the query log and findings their bulk entries
        # (credit_portal.trail_checks), so verify_tables still explains them.
        trail_checks.carry_forward(through, by=by)
        trail_checks.write_carried(plan, by=by)
    _delete_through(through)
    return anchor


def _delete_through(sequence: int) -> None:
    if connection.vendor != "postgresql":
        # No triggers outside PostgreSQL (the embedded profile): a plain delete.
        AuditEntry.objects.filter(sequence__lte=sequence).delete()
        return
    statement = "DELETE FROM credit_portal_auditentry WHERE sequence <= %s"
    url = settings.AUDIT_MAINTENANCE_DATABASE_URL
    if url:
        import psycopg2

        with psycopg2.connect(url) as conn, conn.cursor() as cursor:
            cursor.execute(f"SET ROLE {audit.MAINTENANCE_ROLE}")
            cursor.execute(statement, [sequence])
        conn.close()
        return
    from django.db import DatabaseError

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {audit.MAINTENANCE_ROLE}")
            try:
                cursor.execute(statement, [sequence])
            finally:
                # Inside an outer transaction SET LOCAL would outlive this block.
                cursor.execute("RESET ROLE")
    except DatabaseError as exc:
        raise PurgeNotPossible(
            f"The application's database role cannot act as {audit.MAINTENANCE_ROLE} (as it should not): "
            "set AUDIT_MAINTENANCE_DATABASE_URL to a login role that is a member of it and run the purge again."
        ) from exc


def recent_anchors(*, kinds: list[str] | None = None, limit: int = 10) -> list[AuditAnchor]:
    """The latest anchors (newest first), of the given kinds, with who requested them."""
    queryset = AuditAnchor.objects.select_related("created_by").order_by("-id")
    if kinds is not None:
        queryset = queryset.filter(kind__in=kinds)
    return list(queryset[:limit])


def last_purge_refusal() -> AuditEntry | None:
    """The background purge's last refusal (``credit_portal.tasks.purge_audit_trail``), when
    no purge has succeeded since: what the maintenance page shows at its top."""
    refusal = AuditEntry.objects.filter(action="credit_portal.audit.purge_refused").order_by("-id").first()
    if refusal is None:
        return None
    done = AuditAnchor.objects.filter(kind=AuditAnchor.Kind.PURGE).order_by("-sequence").first()
    return refusal if done is None or done.created_at < refusal.created_at else None


def purge_preview(*, now: datetime | None = None) -> tuple[int, int]:
    """What the purge would remove now: ``(through sequence, number of entries)``; (0, 0) for nothing."""
    through = purgeable_through(now=now)
    done = AuditAnchor.objects.filter(kind=AuditAnchor.Kind.PURGE).order_by("-sequence").first()
    if through < 1 or (done is not None and done.sequence >= through):
        return 0, 0
    return through, AuditEntry.objects.filter(sequence__isnull=False, sequence__lte=through).count()
