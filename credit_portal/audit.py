"""The tamper-evident audit trail (DESIGN §8; the design and its proof: docs/audit.md).

Two ways in, one trail:

* :func:`record` — the writes. A service calls it inside its transaction, after the
  change; the entry is chained at once under the chain-head lock (``SELECT ... FOR
  UPDATE`` on PostgreSQL, the IMMEDIATE write lock on SQLite), so it commits or rolls
  back with the change and concurrent writers cannot fork the chain.
* :func:`record_read` — the audited reads of a person's data (and sign-in events). The
  entry is inserted *unchained*, without touching the chain head, so reads never wait
  for one another; one background chainer (:func:`chain_pending`, a beat task every
  ``AUDIT_CHAIN_SECONDS``; in the embedded profile on commit) gives unchained entries
  their place in the chain, in the order they were written.

Every entry carries ``content_mac``, HMAC-SM3 (GB/T 32905-2016 in RFC 2104's HMAC)
keyed with ``settings.AUDIT_HMAC_KEY``, a key held outside the database, over its
content (the key is versioned, ``"1:<hex>,2:<hex>"``; each entry records the version of
its content MAC and of its chain MAC, and :func:`credit_portal.audit_anchor.rotate_key`
moves the chain to a new version); a chained entry also carries ``entry_hash`` (SM3 of content, content MAC,
sequence and previous hash: the public chain) and ``chain_mac`` (HMAC-SM3 of its place
and hash). The head row carries a MAC too, and :mod:`credit_portal.audit_anchor`
signs the head and delivers it to the municipal platform through the outbox. Someone
who can write to the database but does not hold the key can neither alter, insert,
reorder nor drop entries, nor cut the tail, without :func:`verify_chain` noticing.

Append-only on PostgreSQL: triggers refuse UPDATE, DELETE and TRUNCATE of the trail and
the anchors unless the statement runs as the database role
``credit_portal_audit_maintenance`` (``current_user``), which the application's role
does not hold; the one UPDATE they allow is the chainer setting the chain fields of an
unchained entry once, its content unchanged. The retention purge
(:func:`credit_portal.audit_anchor.purge_expired`) deletes through a connection as that
role.

What an entry must not hold: ``detail`` is for identifiers and small facts (a state, a
count, a reason code), never personal data. It is checked with the patterns of the log
redaction filter (``credit_portal.logging``), here bounded by letters too (see
``_ID_NUMBER``): a value that looks like a resident ID number or a mobile number is
refused with ``ValueError``. The person concerned is referenced by ``subject_ref``
(their subject id), never by name or ID number. Action names are
``<app>.<object>.<verb>``, e.g. ``archives.record.published``.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from credit_portal.crypto import sm3_hexdigest
from credit_portal.http import client_ip
from credit_portal.logging import redact
from credit_portal.models import AuditChainHead, AuditEntry

if TYPE_CHECKING:
    from credit_portal.audit_verify import VerificationResult

logger = logging.getLogger(__name__)

# The first entry links to the hash of this fixed string. Migration 0002 writes the
# same value into the chain head; keep the two in step (a test checks they are).
GENESIS_SEED = "credit_portal audit chain genesis v1"
GENESIS_HASH = sm3_hexdigest(GENESIS_SEED.encode("utf-8"))

# The PostgreSQL role the append-only triggers let through (see above; migration 0004).
MAINTENANCE_ROLE = "credit_portal_audit_maintenance"

# The patterns of credit_portal.logging, bounded by any letter or digit rather than by
# digits only: a hex digest (evidence files) often holds a run of 18 decimal digits
# between letters, and refusing it would fail one upload in a few hundred. An ID or
# phone number written in text stands between spaces, punctuation or Chinese characters.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")

_ACTOR_LABEL_MAX = AuditEntry._meta.get_field("actor_label").max_length
_SHORT_FIELD_MAX = 64  # action, object_type, object_id, subject_ref


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


class MissingAuditKey(ImproperlyConfigured):
    """An entry, anchor or the head was MACed under a key version that is not configured."""

    def __init__(self, version: int) -> None:
        self.version = version
        super().__init__(
            f"Audit key version {version} is not in AUDIT_HMAC_KEY; it is needed as long as anything MACed "
            f'with it is kept: add it back as "{version}:<its 64 hex digits>" (docs/audit.md, "Key rotation").'
        )


def audit_keys() -> dict[int, bytes]:
    """``AUDIT_HMAC_KEY`` by version: ``"1:<hex>,2:<hex>"`` like ``FIELD_ENCRYPTION_KEYS``;
    a bare hex key (the format before rotation existed) is version 1."""
    raw = settings.AUDIT_HMAC_KEY
    if not isinstance(raw, str) or not raw.strip():
        raise ImproperlyConfigured("AUDIT_HMAC_KEY is missing.")
    keys: dict[int, bytes] = {}
    for part in raw.split(","):
        version_text, sep, hex_key = part.strip().rpartition(":")
        try:
            version = int(version_text) if sep else 1
            key = bytes.fromhex(hex_key)
        except ValueError:
            version, key = 0, b""
        if version < 1 or version in keys or len(key) < 16:
            raise ImproperlyConfigured(
                'AUDIT_HMAC_KEY must be "1:<hex>,2:<hex>" (or one bare key, version 1): positive distinct '
                "versions, each key at least 32 hexadecimal digits (64 recommended)."
            )
        keys[version] = key
    return keys


def current_key_version() -> int:
    """The version new entries' content MACs use: the highest configured."""
    return max(audit_keys())


def _key(version: int) -> bytes:
    try:
        return audit_keys()[version]
    except KeyError:
        raise MissingAuditKey(version) from None


def keyed_mac(purpose: str, data: bytes, *, version: int) -> str:
    """HMAC-SM3 with version ``version`` of ``AUDIT_HMAC_KEY``, domain-separated by ``purpose``."""
    mac = crypto_hmac.HMAC(_key(version), hashes.SM3())
    mac.update(b"credit_portal.audit.v2\x00" + purpose.encode("ascii") + b"\x00" + data)
    return mac.finalize().hex()


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


def _strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings_in(item)
    elif isinstance(value, str | int) and not isinstance(value, bool):
        # An 11-digit int is a phone number just as much as the string is.
        yield str(value)


def _refuse_personal_data(field: str, value: Any) -> None:
    for text in _strings_in(value):
        if _ID_NUMBER.search(text) or _MOBILE.search(text):
            # The message names the field only: repeating the value would leak it
            # into whatever logs the exception.
            raise ValueError(
                f"Audit {field} must not contain an ID number or a phone number (DESIGN §8); "
                "reference the person by subject_ref."
            )


def _clean_detail(detail: dict[str, Any] | None) -> dict[str, Any]:
    if detail is None:
        return {}
    if not isinstance(detail, dict):
        raise TypeError("Audit detail must be a dict.")
    _refuse_personal_data("detail", detail)
    try:
        # Store exactly what is hashed: the JSON round trip turns tuples into lists
        # and refuses values JSON cannot hold (dates, Decimals, NaN) instead of
        # letting the database's JSON type alter them after hashing.
        return json.loads(canonical_json(detail))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"Audit detail must hold JSON values only: {exc}") from None


def _short(field: str, value: str) -> str:
    if len(value) > _SHORT_FIELD_MAX:
        raise ValueError(f"Audit {field} is longer than {_SHORT_FIELD_MAX} characters.")
    return value


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
        defaults={"sequence": 0, "last_hash": GENESIS_HASH, "key_version": version,
                  "mac": compute_head_mac(0, GENESIS_HASH, version)},
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
    actor: Any,
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
    actor: Any = None,
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


def record_read(
    action: str,
    *,
    actor: Any = None,
    target: models.Model | None = None,
    subject_ref: str = "",
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry for an audited read (or a sign-in event) without taking the chain head.

    The one function for every read of a person's data (DESIGN §6: "every read of a
    person's record logged"): a page or API that shows a person's data calls it with
    ``subject_ref`` and the object read, e.g.
    ``record_read("archives.finding.viewed", target=finding, subject_ref=str(subject.pk), request=request)``.
    Arguments as :func:`record`. The entry is written with its keyed content MAC and
    chained later by :func:`chain_pending`, so concurrent readers on any number of web
    hosts never wait for one another. Inside a transaction it commits with it.
    """
    entry = _new_entry(action, actor=actor, target=target, subject_ref=subject_ref, detail=detail, request=request)
    entry.save(force_insert=True)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # The embedded profile has no beat: chain right after the commit instead, once
        # per transaction however many reads it holds.
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
        pending = AuditEntry.objects.filter(sequence__isnull=True).order_by("id")[:limit]
        for entry in pending:
            if entry.key_version < head.key_version or entry.key_version not in keys:
                # Written by a process still on a retired key (restart it with the new
                # one); chaining it would put a retired key's MAC after the rotation.
                logger.error("audit: unchained entry id %s is MACed under key version %s, not chainable under %s",
                             entry.pk, entry.key_version, head.key_version)
                continue
            if entry.version != 2 or entry.content_mac != compute_content_mac(entry):
                logger.error("audit: unchained entry id %s has a wrong content MAC and is left unchained", entry.pk)
                continue
            _link(entry, head)
            chained.append(entry)
        if chained:
            AuditEntry.objects.bulk_update(
                chained, ["sequence", "prev_hash", "entry_hash", "chain_key_version", "chain_mac"]
            )
            head.save(update_fields=["sequence", "last_hash", "mac"])
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


def record_many(entries: list[PlannedEntry], *, actor: Any, batch_size: int = 2000) -> int:
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
            planned.action, actor=actor, target=planned.target, subject_ref=planned.subject_ref,
            detail=planned.detail, request=None,
        )
        _link(entry, head)
        rows.append(entry)
    AuditEntry.objects.bulk_create(rows, batch_size=batch_size)
    head.save(update_fields=["sequence", "last_hash", "mac"])
    return len(rows)
