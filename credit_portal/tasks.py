"""Periodic jobs of the audit trail (beat schedule in credit_portal/celery.py)."""

from __future__ import annotations

from celery import shared_task

from credit_portal import audit
from credit_portal.audit_anchor import anchor_chain
from credit_portal.models import AuditAnchor


@shared_task(name="credit_portal.tasks.chain_audit_entries")
def chain_audit_entries() -> int:
    """The background chainer: chain every committed unchained entry. Safe to run twice
    at once (both take the chain-head lock; the second finds nothing left)."""
    total = 0
    while True:
        done = audit.chain_pending()
        total += done
        if done == 0:
            return total


@shared_task(name="credit_portal.tasks.anchor_audit_chain")
def anchor_audit_chain() -> int:
    """Sign the chain head and send it to the platform (skipped if the head has not moved)."""
    return anchor_chain(kind=AuditAnchor.Kind.PERIODIC).pk
