"""Writing the trail: :func:`record` (chained at once), :func:`record_read` (chained later
by :func:`chain_pending`), :func:`record_many` (bulk imports), and the chain head they share."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from credit_portal import scheduler
from credit_portal.audit.content import _clean_detail, _refuse_personal_data, _short
from credit_portal.audit.hashing import (
    GENESIS_HASH,
    compute_chain_mac,
    compute_content_mac,
    compute_hash,
    compute_head_mac,
)
from credit_portal.audit.keys import audit_keys, current_key_version
from credit_portal.http import client_ip
from credit_portal.inserts import CompiledInsert, insert_together, reserve_pk
from credit_portal.logging import redact
from credit_portal.models import AuditChainHead, AuditEntry, UnchainableEntry, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from credit_portal.audit_verify import VerificationResult

logger = logging.getLogger("credit_portal.audit")

_ACTOR_LABEL_MAX = AuditEntry._meta.get_field("actor_label").max_length


def _lock_head() -> AuditChainHead:
    """The chain head, locked until the caller's transaction ends.

    The head row is created by migration 0002. A flushed test database has none; it is
    recreated at the genesis, but only while no entry is chained: a missing head next
    to chained entries means tampering and must not silently restart the chain.
    """
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    # Concurrent writers race to create it; the primary key lets one win and the
    # others wait for it, then find it (get_or_create retries the read).
    version = current_key_version()
    _head, created = AuditChainHead.objects.get_or_create(
        pk=1,
        defaults={
            "sequence": 0,
            "last_hash": GENESIS_HASH,
            "key_version": version,
            "mac": compute_head_mac(0, GENESIS_HASH, version),
        },
    )
    if created and AuditEntry.objects.filter(sequence__isnull=False).exists():
        raise RuntimeError("The audit chain head was missing while entries exist; run verify_audit_chain.")
    return AuditChainHead.objects.select_for_update().get(pk=1)


def _link(entry: AuditEntry, head: AuditChainHead) -> None:
    """Give ``entry`` the next place after ``head`` and move the head (not saved)."""
    entry.sequence = head.sequence + 1
    entry.prev_hash = head.last_hash
    entry.entry_hash = compute_hash(entry)
    entry.chain_key_version = head.key_version
    entry.chain_mac = compute_chain_mac(entry)
    head.sequence = entry.sequence
    head.last_hash = entry.entry_hash
    head.mac = compute_head_mac(head.sequence, head.last_hash, head.key_version)


def _new_entry(
    action: str,
    *,
    actor: User | AnonymousUser | None,
    target: models.Model | None,
    subject_ref: str,
    detail: dict[str, Any] | None,
    request: HttpRequest | None,
) -> AuditEntry:
    if not action:
        raise ValueError("Audit action is required.")
    _short("action", action)
    _short("subject_ref", subject_ref)
    _refuse_personal_data("subject_ref", subject_ref)
    clean_detail = _clean_detail(detail)

    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if actor is not None and not actor.is_authenticated:
        actor = None
    actor_id = actor.pk if actor is not None else None
    # A username may be a phone number (citizens sign up with theirs): mask it.
    actor_label = redact(actor.get_username())[:_ACTOR_LABEL_MAX] if actor is not None else ""

    object_type = object_id = ""
    if target is not None:
        if target.pk is None:
            raise ValueError("Audit target must be saved before it is recorded.")
        object_type = _short("object_type", target._meta.label_lower)
        object_id = _short("object_id", str(target.pk))

    entry = AuditEntry(
        version=2,
        uid=uuid.uuid4().hex,
        created_at=timezone.now(),
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        subject_ref=subject_ref,
        ip_address=client_ip(request) if request is not None else None,
        detail=clean_detail,
        key_version=current_key_version(),
    )
    entry.content_mac = compute_content_mac(entry)
    return entry


def record(
    action: str,
    *,
    actor: User | AnonymousUser | None = None,
    target: models.Model | None = None,
    subject_ref: str = "",
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry for a change, chained at once, and return it.

    Call it from inside the service's ``transaction.atomic()`` block, after the change:
    the entry then commits or rolls back with the change, and a rolled-back change
    leaves neither an entry nor a gap in the sequence.

    ``action`` is ``<app>.<object>.<verb>`` such as ``archives.record.published``;
    ``actor`` the user who acted (default: ``request.user`` when signed in; None for
    the system); ``target`` the model instance acted on; ``subject_ref`` the subject id
    of the person whose record was written; ``detail`` small JSON facts, never personal
    data (ID or phone numbers raise ``ValueError``); ``request`` supplies the client IP
    (``credit_portal.http.client_ip``).

    Duty: DESIGN §8 (等保2.0 GB/T 22239-2019 security audit; entries kept at least
    184 days, Cybersecurity Law art. 21).
    """
    entry = _new_entry(action, actor=actor, target=target, subject_ref=subject_ref, detail=detail, request=request)
    # savepoint=False: join the caller's transaction outright, so an error here
    # dooms the caller's change too instead of leaving it committed without its entry.
    with transaction.atomic(savepoint=False):
        head = _lock_head()
        _link(entry, head)
        entry.save(force_insert=True)
        head.save(update_fields=["sequence", "last_hash", "mac"])
    return entry


# An audited read's INSERT compiled once per process (credit_portal.inserts): what
# ``entry.save(force_insert=True)`` runs, without compiling it on every read.
_INSERT_ENTRY = CompiledInsert(AuditEntry)


def record_read(
    action: str,
    *,
    actor: User | AnonymousUser | None = None,
    target: models.Model | None = None,
    subject_ref: str = "",
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    insert_target: CompiledInsert | None = None,
    insert_first: tuple[CompiledInsert, models.Model] | None = None,
) -> AuditEntry | None:
    """Append one entry for an audited read (or a sign-in event) without taking the chain head.

    The one function for every read of a person's data (DESIGN §6: "every read of a
    person's record logged"): a page or API that shows a person's data calls it with
    ``subject_ref`` and the object read, e.g.
    ``record_read("archives.finding.viewed", target=finding, subject_ref=str(subject.pk), request=request)``.
    Arguments as :func:`record`. The entry is written with its keyed content MAC and
    chained later by :func:`chain_pending`, so concurrent readers on any number of web
    hosts never wait for one another. Inside a transaction it commits with it.

    ``insert_target``: ``target`` is new, and this compiled INSERT writes it here, with its
    entry: on PostgreSQL in the same statement (``inserts.insert_together``; the query
    API's log), elsewhere just before it. Either both are written or neither.
    ``insert_first`` (with ``insert_target``): a new row the target refers to, written
    before it (in the same statement where the target and entry are) unless one of its
    unique values is taken already (the query's report and its random number): then
    nothing is written and None is returned, for the caller to try again.
    """
    if insert_first is not None and insert_target is None:
        raise ValueError("record_read: insert_first goes with insert_target")
    if insert_target is not None and not reserve_pk(target):
        # Without its id ahead (not PostgreSQL) the new rows are written first, on their own.
        if insert_first is not None and not insert_first[0].insert_unless_taken(insert_first[1]):
            return None
        insert_target.insert(target)
        insert_target = insert_first = None
    entry = _new_entry(action, actor=actor, target=target, subject_ref=subject_ref, detail=detail, request=request)
    if insert_target is not None:
        together = ((insert_first,) if insert_first is not None else ()) + ((insert_target, target), (_INSERT_ENTRY, entry))
        if not insert_together(*together, unless_taken=insert_first is not None):
            return None
    else:
        _INSERT_ENTRY.insert(entry)
    if settings.CELERY_TASK_ALWAYS_EAGER and not scheduler.running():
        # The embedded profile has no beat: chain right after the commit instead, once
        # per transaction however many reads it holds. Where the embedded scheduler runs
        # (the web process of the embedded profile) its chainer entry does that every
        # AUDIT_CHAIN_SECONDS, as beat does in production: chaining after every read
        # would take the head lock on every request, the serialization reads avoid.
        pending_hooks = transaction.get_connection().run_on_commit
        if not any(func is _chain_after_commit for _sids, func, _robust in pending_hooks):
            transaction.on_commit(_chain_after_commit, robust=True)
    return entry


def _chain_after_commit() -> None:
    chain_pending()


def chain_pending(*, limit: int = 5000) -> int:
    """Chain unchained entries in the order they were written; return how many.

    The background chainer (beat task ``credit_portal.tasks.chain_audit_entries``).
    It holds the chain-head lock for one batch, so two chainers (or a chainer and a
    writer) never fork the chain. Only committed entries are visible to it; an entry
    whose transaction commits later is chained in a later run. An unchained entry whose
    content MAC is wrong (written by someone without the key) is never chained: it is
    logged here and reported by :func:`verify_chain` once it is older than the grace.
    """
    chained: list[AuditEntry] = []
    with transaction.atomic():
        head = _lock_head()
        keys = audit_keys()
        # No entry waits unchained for the whole retention (the verifier reports one
        # unchained past the grace): one written before it is a purged entry put back,
        # whose uid is free again and whose content MAC still verifies. Chained, it would
        # be the newest word on its role, seat or finding (backdated); left out of the
        # batch (where thousands of them would stop the chainer), the verifier and the
        # table checks name it.
        stale = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
        # Entries found unchainable before are left out too (``UnchainableEntry``):
        # otherwise the oldest ones, read first, filled every batch for good.
        pending = (
            AuditEntry.objects.filter(sequence__isnull=True, created_at__gte=stale)
            .exclude(pk__in=UnchainableEntry.objects.values("entry_id")).order_by("id")[:limit]
        )
        unchainable: list[UnchainableEntry] = []
        for entry in pending:
            if entry.key_version < head.key_version or entry.key_version not in keys:
                if entry.key_version < head.key_version:
                    # A retired key for good; a newer one this process does not know yet
                    # is chained by a chainer restarted with it.
                    unchainable.append(UnchainableEntry(entry_id=entry.pk, reason="retired key"))
                # Written by a process still on a retired key (restart it with the new
                # one); chaining it would put a retired key's MAC after the rotation.
                logger.error(
                    "audit: unchained entry id %s is MACed under key version %s, not chainable under %s",
                    entry.pk,
                    entry.key_version,
                    head.key_version,
                )
                continue
            if entry.version != 2 or entry.content_mac != compute_content_mac(entry):
                logger.error("audit: unchained entry id %s has a wrong content MAC and is left unchained", entry.pk)
                unchainable.append(UnchainableEntry(entry_id=entry.pk, reason="mac"))
                continue
            _link(entry, head)
            chained.append(entry)
        linked = ["sequence", "prev_hash", "entry_hash", "chain_key_version", "chain_mac"]
        if len(chained) == 1:
            # The usual batch of the after-commit chainer (one read per request): a plain
            # UPDATE of one row, where bulk_update compiles a CASE per column (a third
            # of an audited page's chaining CPU).
            chained[0].save(update_fields=linked)
        elif chained:
            AuditEntry.objects.bulk_update(chained, linked)
        if chained:
            head.save(update_fields=["sequence", "last_hash", "mac"])
        if unchainable:
            UnchainableEntry.objects.bulk_create(unchainable, ignore_conflicts=True)
    return len(chained)


def verify_chain(*, chunk_size: int = 2000) -> VerificationResult:
    """See :func:`credit_portal.audit_verify.verify_chain`."""
    return verify_chain_against(chunk_size=chunk_size)


def verify_chain_against(
    *, chunk_size: int = 2000, external_anchors: list[dict[str, Any]] | None = None
) -> VerificationResult:
    """:func:`verify_chain`, also against anchors held outside this database."""
    from credit_portal.audit_verify import verify_chain as _verify

    return _verify(chunk_size=chunk_size, external_anchors=external_anchors)


@dataclass(frozen=True)
class PlannedEntry:
    """One entry for :func:`record_many`: what ``record()`` takes, minus the request."""

    action: str
    target: models.Model
    subject_ref: str = ""
    detail: dict[str, Any] | None = None


def record_many(entries: list[PlannedEntry], *, actor: User | AnonymousUser | None, batch_size: int = 2000) -> int:
    """Append many entries by one actor in one go (bulk imports): the same content,
    checks, keyed MACs and chain as :func:`record`, with the chain head locked once and
    the rows written with ``bulk_create`` instead of one INSERT and head UPDATE each.

    Must run inside the caller's transaction, like ``record``. Returns how many were written.
    """
    if not entries:
        return 0
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_many() must run inside the transaction of the change it describes.")
    head = _lock_head()
    rows: list[AuditEntry] = []
    for planned in entries:
        entry = _new_entry(
            planned.action,
            actor=actor,
            target=planned.target,
            subject_ref=planned.subject_ref,
            detail=planned.detail,
            request=None,
        )
        _link(entry, head)
        rows.append(entry)
    AuditEntry.objects.bulk_create(rows, batch_size=batch_size)
    head.save(update_fields=["sequence", "last_hash", "mac"])
    return len(rows)
