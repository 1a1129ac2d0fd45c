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
The package by subject: :mod:`.keys` (the versioned key and the keyed MAC),
:mod:`.hashing` (the exact bytes hashed and MACed), :mod:`.content` (what an entry may
hold), :mod:`.trail` (writing and chaining). Callers use the names below, as
``from credit_portal import audit; audit.record(...)``.
"""

from __future__ import annotations

from credit_portal.audit.hashing import (
    GENESIS_HASH,
    GENESIS_SEED,
    _iso,
    canonical_json,
    compute_chain_mac,
    compute_content_mac,
    compute_hash,
    compute_head_mac,
    content_payload,
    entry_payload,
)
from credit_portal.audit.keys import MissingAuditKey, audit_keys, current_key_version, keyed_mac
from credit_portal.audit.trail import (
    PlannedEntry,
    _lock_head,
    chain_pending,
    record,
    record_many,
    record_read,
    verify_chain,
    verify_chain_against,
)

# The PostgreSQL role the append-only triggers let through (see above; migration 0004).
MAINTENANCE_ROLE = "credit_portal_audit_maintenance"

__all__ = [
    "GENESIS_HASH",
    "GENESIS_SEED",
    "MAINTENANCE_ROLE",
    "MissingAuditKey",
    "PlannedEntry",
    "_iso",
    "_lock_head",
    "audit_keys",
    "canonical_json",
    "chain_pending",
    "compute_chain_mac",
    "compute_content_mac",
    "compute_hash",
    "compute_head_mac",
    "content_payload",
    "current_key_version",
    "entry_payload",
    "keyed_mac",
    "record",
    "record_many",
    "record_read",
    "verify_chain",
    "verify_chain_against",
]
