"""Template helpers of the clerk and reviewer pages: they ask ``archives.permissions``
and decide nothing themselves."""

from __future__ import annotations

from django import template

from archives import permissions

register = template.Library()


@register.simple_tag
def may_use_review_queue(user: object) -> bool:
    return permissions.can_use_review_queue(user)  # type: ignore[arg-type]


@register.simple_tag
def may_enter_records(user: object) -> bool:
    """Clerks see their own items (drafts, submitted, returned)."""
    return permissions.is_clerk(user)  # type: ignore[arg-type]
