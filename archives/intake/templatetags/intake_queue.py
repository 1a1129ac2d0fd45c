"""The review queue shows yearly findings next to records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template

from archives.intake.batches import batches_awaiting_signature
from archives.intake.models import FindingBatch
from archives.models import AnnualFinding
from archives.selectors import archives_visible_to
from departments.models import Membership
from departments.scope import department_ids

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from credit_portal.models import User

register = template.Library()


@register.inclusion_tag("archives/intake/queue_findings.html")
def findings_awaiting_signature(user: User | AnonymousUser) -> dict[str, Any]:
    """Draft findings a reviewer may sign (not drafted by them) and draft batches."""
    if not department_ids(user, role=Membership.Role.REVIEWER):
        return {"findings": [], "batches": []}
    in_batch = FindingBatch.findings.through.objects.values("annualfinding_id")
    findings = (
        AnnualFinding.objects.filter(state=AnnualFinding.State.DRAFT, archive__in=archives_visible_to(user).values("id"))
        .exclude(created_by=user).exclude(pk__in=in_batch)
        .select_related("archive__subject", "archive__occupation", "created_by").order_by("created_at")[:100]
    )
    return {"findings": list(findings), "batches": list(batches_awaiting_signature(user)[:50])}
