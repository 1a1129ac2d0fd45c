"""Template helpers of the clerk and reviewer pages."""

from __future__ import annotations

from django import template

from departments.models import Membership
from departments.scope import department_ids

register = template.Library()


@register.simple_tag
def is_reviewer(user: object) -> bool:
    """Whether ``user`` reviews for a department (memberships are cached per request)."""
    return bool(department_ids(user, role=Membership.Role.REVIEWER))
