"""The tamper-evident audit trail (DESIGN §8; issue 2, deliverable 5).

Every write, and every read of a person's record, appends one ``AuditEntry`` through
:func:`record`. Each entry carries ``entry_hash``, the SM3 digest (GB/T 32905-2016) of
its canonical content including ``prev_hash``, the previous entry's hash, so editing
or deleting any entry breaks the chain from there on; :func:`verify_chain` (and
``manage.py verify_audit_chain``) walks the chain and names the first broken entry.

Writers serialize on the single ``AuditChainHead`` row (``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite the settings use IMMEDIATE transactions, which take the
database write lock at BEGIN), so concurrent writers cannot fork the chain.

Append-only on PostgreSQL: migration ``0002_audit_append_only`` installs triggers that
refuse UPDATE, DELETE and TRUNCATE of the table. They allow one explicit maintenance
bypass, ``SET LOCAL credit_portal.audit_maintenance = 'on'`` in the same transaction.
Production code never sets it. It exists for two jobs only: the retention purge of
entries older than the legal minimum of 184 days (six months, Cybersecurity Law of the
PRC art. 21(3)), run by the audit administrator, and the test runner's table flush
between transactional tests (tests/conftest.py).

What an entry must not hold: ``detail`` is for identifiers and small facts (a state, a
count, a reason code), never personal data. It is checked with the patterns of the log
redaction filter (``credit_portal.logging``), here bounded by letters too (see
``_ID_NUMBER``): a value that looks like a resident ID number or a mobile number is
refused with ``ValueError``. The person concerned is referenced by ``subject_ref``
(their subject id), never by name or ID number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from credit_portal.crypto import sm3_hexdigest
from credit_portal.http import client_ip
from credit_portal.logging import redact
from credit_portal.models import AuditChainHead, AuditEntry

# The first entry links to the hash of this fixed string. Migration 0002 writes the
# same value into the chain head; keep the two in step (a test checks they are).
GENESIS_SEED = "credit_portal audit chain genesis v1"
GENESIS_HASH = sm3_hexdigest(GENESIS_SEED.encode("utf-8"))

# The PostgreSQL setting that lets the append-only triggers through (see above).
MAINTENANCE_SETTING = "credit_portal.audit_maintenance"

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


def compute_hash(entry: AuditEntry) -> str:
    """SM3 of ``entry``'s canonical content, as stored."""
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
    recreated at the genesis, but only while the table is empty: a missing head next
    to existing entries means tampering and must not silently restart the chain.
    """
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    # Concurrent writers race to create it; the primary key lets one win and the
    # others wait for it, then find it (get_or_create retries the read).
    _head, created = AuditChainHead.objects.get_or_create(pk=1, defaults={"sequence": 0, "last_hash": GENESIS_HASH})
    if created and AuditEntry.objects.exists():
        raise RuntimeError("The audit chain head was missing while entries exist; run verify_audit_chain.")
    return AuditChainHead.objects.select_for_update().get(pk=1)


def record(
    action: str,
    *,
    actor: Any = None,
    target: models.Model | None = None,
    subject_ref: str = "",
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry to the audit trail and return it.

    Call it from inside the service's ``transaction.atomic()`` block, after the change:
    the entry then commits or rolls back with the change, and a rolled-back change
    leaves neither an entry nor a gap in the sequence. A read of a person's record
    outside any transaction gets its own transaction here.

    ``action`` is a dotted verb such as ``archives.record.published``; ``actor`` the
    user who acted (default: ``request.user`` when signed in; None for the system);
    ``target`` the model instance acted on; ``subject_ref`` the subject id of the
    person whose record was read or written; ``detail`` small JSON facts, never
    personal data (ID or phone numbers raise ``ValueError``); ``request`` supplies the
    client IP (``credit_portal.http.client_ip``).

    Duty: DESIGN §8 (等保2.0 GB/T 22239-2019 security audit; entries kept at least
    184 days, Cybersecurity Law art. 21).
    """
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

    ip_address = client_ip(request) if request is not None else None

    # savepoint=False: join the caller's transaction outright, so an error here
    # dooms the caller's change too instead of leaving it committed without its entry.
    with transaction.atomic(savepoint=False):
        head = _lock_head()
        # Taken under the lock, so time order follows sequence order.
        created_at = timezone.now()
        entry = AuditEntry(
            sequence=head.sequence + 1,
            created_at=created_at,
            actor_id=actor_id,
            actor_label=actor_label,
            action=action,
            object_type=object_type,
            object_id=object_id,
            subject_ref=subject_ref,
            ip_address=ip_address,
            detail=clean_detail,
            prev_hash=head.last_hash,
        )
        entry.entry_hash = compute_hash(entry)
        entry.save(force_insert=True)
        head.sequence = entry.sequence
        head.last_hash = entry.entry_hash
        head.save(update_fields=["sequence", "last_hash"])
    return entry


@dataclass(frozen=True)
class VerificationResult:
    """The outcome of :func:`verify_chain`.

    When broken, ``sequence`` and ``entry_id`` name the first broken entry (None when
    what broke is the chain head or the table's end), ``reason`` is one of ``hash``
    (content altered), ``link`` (``prev_hash`` does not match the previous entry),
    ``gap`` (entries missing before this one), ``head`` (the chain head disagrees with
    the last entry: entries missing at the end, or the head altered), and ``message``
    says it in a sentence.
    """

    ok: bool
    count: int
    sequence: int | None = None
    entry_id: int | None = None
    reason: str | None = None
    message: str = ""

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


def verify_chain(*, chunk_size: int = 2000) -> VerificationResult:
    """Walk the whole trail in sequence order and check every hash and link.

    Checks, for each entry: its sequence follows the previous one by exactly 1 (the
    first is 1 and links to the genesis hash), its ``prev_hash`` equals the previous
    entry's stored ``entry_hash``, and its ``entry_hash`` equals the recomputed SM3 of
    its content. Then that the chain head points at the last entry. Stops at the first
    broken entry. Reads in chunks, so memory stays flat however long the trail is.

    Outside a transaction it reads one PostgreSQL REPEATABLE READ snapshot, so writers
    appending meanwhile neither block nor confuse it. (On SQLite the IMMEDIATE
    transaction holds writers back until it ends: fine for the embedded profile.)

    Known limit: a hash chain shows edits by anyone who cannot recompute every later
    hash. Someone with write access to the database who rewrites the tail consistently
    is caught only by comparing the head hash with a copy kept elsewhere.
    """
    # Only the block that opens the transaction may set its isolation level.
    own_transaction = not connection.in_atomic_block
    with transaction.atomic():
        if own_transaction and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _walk(chunk_size)


def _walk(chunk_size: int) -> VerificationResult:
    head = AuditChainHead.objects.filter(pk=1).first()
    count = 0
    previous: AuditEntry | None = None
    for entry in AuditEntry.objects.order_by("sequence").iterator(chunk_size=chunk_size):
        expected_sequence = previous.sequence + 1 if previous is not None else 1
        expected_prev = previous.entry_hash if previous is not None else GENESIS_HASH
        where = f"Audit entry #{entry.sequence} (id {entry.pk})"
        if entry.sequence != expected_sequence:
            missing = (
                f"#{expected_sequence}"
                if entry.sequence == expected_sequence + 1
                else f"#{expected_sequence} to #{entry.sequence - 1}"
            )
            return _broken(count, "gap", f"{where}: entries {missing} before it are missing.", entry)
        if entry.prev_hash != expected_prev:
            before = f"entry #{previous.sequence}" if previous is not None else "the genesis hash"
            return _broken(count, "link", f"{where}: link broken, prev_hash does not match {before}.", entry)
        if compute_hash(entry) != entry.entry_hash:
            return _broken(count, "hash", f"{where}: hash mismatch, its content was altered.", entry)
        count += 1
        previous = entry

    if head is None:
        return _broken(count, "head", "The audit chain head row is missing.")
    last_sequence = previous.sequence if previous is not None else 0
    last_hash = previous.entry_hash if previous is not None else GENESIS_HASH
    if head.sequence != last_sequence or head.last_hash != last_hash:
        if head.sequence > last_sequence:
            message = (
                f"The chain head is at #{head.sequence} but the last entry is #{last_sequence}: "
                f"entries #{last_sequence + 1} to #{head.sequence} are missing."
            )
        else:
            message = f"The chain head (#{head.sequence}) does not match the last entry #{last_sequence}."
        return _broken(count, "head", message, previous)
    return VerificationResult(ok=True, count=count, message=f"Audit chain intact: {count} entries.")


@dataclass(frozen=True)
class PlannedEntry:
    """One entry for :func:`record_many`: what ``record()`` takes, minus the request."""

    action: str
    target: models.Model
    subject_ref: str = ""
    detail: dict[str, Any] | None = None


def record_many(entries: list[PlannedEntry], *, actor: Any, batch_size: int = 2000) -> int:
    """Append many entries by one actor in one go (bulk imports): the same content,
    checks and hash chain as :func:`record`, with the chain head locked once and the
    rows written with ``bulk_create`` instead of one INSERT and head UPDATE each.

    Must run inside the caller's transaction, like ``record``. Returns how many were written.
    """
    if not entries:
        return 0
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_many() must run inside the transaction of the change it describes.")
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    actor_label = redact(actor.get_username())[:_ACTOR_LABEL_MAX] if actor_id is not None else ""
    head = _lock_head()
    created_at = timezone.now()
    sequence, prev_hash = head.sequence, head.last_hash
    rows: list[AuditEntry] = []
    for planned in entries:
        _short("action", planned.action)
        _short("subject_ref", planned.subject_ref)
        _refuse_personal_data("subject_ref", planned.subject_ref)
        if planned.target.pk is None:
            raise ValueError("Audit target must be saved before it is recorded.")
        sequence += 1
        entry = AuditEntry(
            sequence=sequence, created_at=created_at, actor_id=actor_id, actor_label=actor_label,
            action=planned.action, object_type=_short("object_type", planned.target._meta.label_lower),
            object_id=_short("object_id", str(planned.target.pk)), subject_ref=planned.subject_ref,
            ip_address=None, detail=_clean_detail(planned.detail), prev_hash=prev_hash,
        )
        entry.entry_hash = prev_hash = compute_hash(entry)
        rows.append(entry)
    AuditEntry.objects.bulk_create(rows, batch_size=batch_size)
    head.sequence, head.last_hash = sequence, prev_hash
    head.save(update_fields=["sequence", "last_hash"])
    return len(rows)
