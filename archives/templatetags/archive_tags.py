"""Template helpers of the clerk and reviewer pages: they ask ``archives.permissions``
and decide nothing themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template

from archives import permissions

if TYPE_CHECKING:
    from archives.permissions import Actor

register = template.Library()


@register.simple_tag
def may_use_review_queue(user: Actor) -> bool:
    return permissions.can_use_review_queue(user)


@register.simple_tag
def may_enter_records(user: Actor) -> bool:
    """Clerks see their own items (drafts, submitted, returned)."""
    return permissions.is_clerk(user)
