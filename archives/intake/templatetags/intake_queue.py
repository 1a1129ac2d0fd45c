"""The review queue shows yearly findings next to records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template

from archives.intake import permissions, selectors

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from archives.scope import Scope
    from credit_portal.models import User

register = template.Library()


@register.inclusion_tag("archives/intake/queue_findings.html")
def findings_awaiting_signature(user: User | AnonymousUser, scope: Scope | None = None) -> dict[str, Any]:
    """Draft findings a reviewer may sign (not drafted by them) and draft batches;
    ``scope``: the page's ``archives.scope.scope_of(user)``, when it has read it."""
    if not permissions.can_draft_batches(user):
        return {"findings": [], "batches": []}
    return {
        "findings": list(selectors.draft_findings_to_sign(user, scope=scope)[:100]),
        "batches": list(selectors.batches_awaiting_signature(user)[:50]),
    }
