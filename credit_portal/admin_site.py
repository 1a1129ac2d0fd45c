"""The portal's admin site: Django's, with one guard in front of every admin view.

Admin list pages pass query-string values (the search box, filters) straight to the
database. A 100,000-character search is more than SQLite's LIKE accepts ("pattern too
complex") and a NUL character is refused by PostgreSQL's driver: both were a 500.
Every admin view is wrapped here, so no model admin of any app has to remember it; the
person gets the list page back with a message naming the problem.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

# Date-hierarchy lookups of the list pages: Django builds a date from them and does not
# catch OverflowError (a 20-digit year was a 500).
_DATE_PARTS = {"__year": 9999, "__month": 12, "__day": 31}

# Longer than any search term or filter value anyone types; well under SQLite's
# 50,000-byte LIKE pattern limit even in four-byte characters.
MAX_QUERY_VALUE_LENGTH = 200


def query_problem(request: HttpRequest) -> str | None:
    """A message naming what is wrong with the query string, or None."""
    for key, values in request.GET.lists():
        for value in [key, *values]:
            if "\x00" in value:
                return _("The search or filter contains a character that cannot be used. Type it again.")
            # The list's filters carried through an edit, URL-encoded: checked when the
            # list page receives them again.
            if len(value) > MAX_QUERY_VALUE_LENGTH and key != "_changelist_filters":
                return _("The search text is too long: use at most %(limit)s characters.") % {
                    "limit": MAX_QUERY_VALUE_LENGTH
                }
        for suffix, highest in _DATE_PARTS.items():
            if key.endswith(suffix) and not all(
                value.isascii() and value.isdigit() and 1 <= int(value) <= highest for value in values
            ):
                return _("The date chosen in the filter does not exist. Choose it again from the list.")
    return None


def _guard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        problem = query_problem(request)
        if problem is not None:
            messages.error(request, problem)
            return HttpResponseRedirect(request.path)
        return view(request, *args, **kwargs)

    return guarded


class PortalAdminSite(admin.AdminSite):
    def admin_view(self, view: Callable[..., HttpResponse], cacheable: bool = False) -> Callable[..., HttpResponse]:
        # Inside Django's wrapper: the sign-in check and CSRF protection come first.
        return super().admin_view(_guard(view), cacheable)


class PortalAdminConfig(AdminConfig):
    default_site = "credit_portal.admin_site.PortalAdminSite"
