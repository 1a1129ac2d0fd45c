"""Who may do what with the departments' catalogue and coverage table: plain predicates
asked by the services (which refuse), the views (403) and the templates (flags).

The coverage table of 000's annex is the credit office's oversight of the departments
(DESIGN §4); reading and editing it are Django model permissions held by the credit
office's role group, so an administrator grants them without code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from credit_portal.models import User


def may_view_coverage(user: User | AnonymousUser) -> bool:
    return user.has_perm("departments.view_coverageentry")


def may_change_coverage(user: User | AnonymousUser) -> bool:
    return user.has_perm("departments.change_coverageentry")
