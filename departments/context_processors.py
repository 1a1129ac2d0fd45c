"""What the navigation and the home page offer the signed-in user.

Flags only: each page still enforces its own rule in its view or selector. The nav
shows a link only where the page would let the user in (DESIGN §10: link only to what
exists and fits).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from credit_portal.roles import ROLE_PERMISSIONS, Role
from departments.scope import has_role, is_credit_office, role_names

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from credit_portal.models import User


def _role_grants(user: User | AnonymousUser, permission: str) -> bool:
    """Whether one of ``user``'s role groups carries ``permission`` by the role table in
    code: read from the cached role set, where ``has_perm`` loads every permission of
    the user and their groups (two queries on every page). A flag only: the page
    itself checks ``has_perm``."""
    return getattr(user, "is_superuser", False) or any(
        permission in ROLE_PERMISSIONS.get(name, ()) for name in role_names(user)
    )


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            # From the role groups (one cached query shared with every other role check);
            # the pages themselves scope by membership.
            "department_staff": has_role(user, Role.DEPARTMENT_CLERK) or has_role(user, Role.DEPARTMENT_REVIEWER),
            "credit_office": is_credit_office(user),
            "citizen": has_role(user, Role.CITIZEN),
            "institution": has_role(user, Role.INSTITUTION),
            "exchange_operations": _role_grants(user, "exchange.view_outboxevent"),
            "coverage": _role_grants(user, "departments.view_coverageentry"),
            # The admin site's own rule, so the link and the site never disagree.
            "administration": admin.site.has_permission(request),
        }
    }
