"""The portal's admin site: Django's, with one guard in front of every admin view.

Admin list pages pass query-string values (the search box, filters) straight to the
database. A 100,000-character search is more than SQLite's LIKE accepts ("pattern too
complex") and a NUL character is refused by PostgreSQL's driver: both were a 500.
Every admin view is wrapped here, so no model admin of any app has to remember it; the
person gets the list page back with a message naming the problem.

The same holds for the choice of a related object on an add or change form (a raw id
box, an autocomplete select): Django looks the typed value up as given, and a value
that is not a number was a ``ValueError`` when the form was shown again, a 20-digit one
an ``OverflowError`` in SQLite. Every model admin registered on this site builds its
forms through :class:`HostileInputAdminMixin`, which turns such a value into one that
matches no object, so the form answers with Django's "select a valid choice" error on
that field instead.

Every list page joins only the foreign keys its columns show
(:class:`ListedForeignKeysAdminMixin`), not Django's default of every foreign key
followed to the end, and sorts only by the columns it offers
(:class:`SortableColumnsAdminMixin`), whatever the address asks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.views.main import ChangeList
from django.db import models
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


# No object has this primary key: a value that cannot be one becomes it.
_NO_OBJECT = "0"
# Up to 18 digits always fits a 64-bit integer column.
_MAX_ID_DIGITS = 18


def _usable_id(value: str) -> bool:
    return value == "" or (value.isascii() and value.isdigit() and len(value) <= _MAX_ID_DIGITS)


def _integer_key(field: forms.ModelChoiceField) -> bool:
    model = field.queryset.model
    key = model._meta.get_field(field.to_field_name) if field.to_field_name else model._meta.pk
    return isinstance(key, models.IntegerField | models.AutoField)


def guarded_form(form_class: type[forms.BaseForm]) -> type[forms.BaseForm]:
    """``form_class`` whose bound data holds, for every choice of a related object with an
    integer key, only values that can be such a key (others become one matching nothing)."""

    class Guarded(form_class):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if not self.is_bound:
                return
            data = self.data.copy()
            for name, field in self.fields.items():
                if isinstance(field, forms.ModelChoiceField) and _integer_key(field):
                    key = self.add_prefix(name)
                    values = data.getlist(key) if hasattr(data, "getlist") else [data.get(key)]
                    if any(isinstance(v, str) and not _usable_id(v) for v in values):
                        cleaned = [v if not isinstance(v, str) or _usable_id(v) else _NO_OBJECT for v in values]
                        if hasattr(data, "setlist"):
                            data.setlist(key, cleaned)
                        else:
                            data[key] = cleaned[0]
            self.data = data

    Guarded.__name__ = Guarded.__qualname__ = form_class.__name__
    return Guarded


class HostileInputAdminMixin:
    """Mixed into every model admin registered on :class:`PortalAdminSite` (see above)."""

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        return guarded_form(super().get_form(request, obj, change=change, **kwargs))  # type: ignore[misc]


class ListedForeignKeysAdminMixin:
    """Mixed into every model admin registered on :class:`PortalAdminSite`: a list page
    joins only the foreign keys its columns show.

    With a foreign key among ``list_display`` and ``list_select_related`` left False,
    Django's list calls ``select_related()`` without fields: every non-null foreign key,
    followed to the end. For an objection that is its record, the record's archive, the
    person, the occupation, the department... joined for every page: 2.0 s for the
    objections' list at 1,000,000 people (10,000 objections joined to 11,000,000 records).
    An admin that names its own ``list_select_related`` keeps it."""

    def get_list_select_related(self, request: HttpRequest) -> Any:
        chosen = super().get_list_select_related(request)  # type: ignore[misc]
        if chosen is not False:
            return chosen
        fields = {field.name: field for field in self.model._meta.get_fields()}  # type: ignore[attr-defined]
        return tuple(
            name for name in self.list_display  # type: ignore[attr-defined]
            if isinstance(name, str) and (field := fields.get(name)) is not None
            and (field.many_to_one or field.one_to_one) and field.concrete
        )


class SortableColumnsChangeList(ChangeList):
    """Django's list hides the sort of a column left out of ``sortable_by`` but still
    sorts by it when the address asks (``?o=2``): a crafted link would sort 11,000,000
    records for each page. Here a column the admin does not offer is never sorted by."""

    def get_ordering_field(self, field_name: Any) -> Any:
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None  # get_ordering() skips it, as an invalid column
        return super().get_ordering_field(field_name)


class SortableColumnsAdminMixin:
    """Mixed into every model admin registered on :class:`PortalAdminSite`: sorts only
    by the columns ``sortable_by`` offers (:class:`SortableColumnsChangeList`)."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return SortableColumnsChangeList


class PortalAdminSite(admin.AdminSite):
    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        admin_class = admin_class or admin.ModelAdmin
        mixins = tuple(m for m in (HostileInputAdminMixin, ListedForeignKeysAdminMixin, SortableColumnsAdminMixin)
                       if not issubclass(admin_class, m))
        if mixins:
            admin_class = type(admin_class.__name__, (*mixins, admin_class), {
                "__module__": admin_class.__module__, "__doc__": admin_class.__doc__,
            })
        super().register(model_or_iterable, admin_class, **options)

    def admin_view(self, view: Callable[..., HttpResponse], cacheable: bool = False) -> Callable[..., HttpResponse]:
        # Inside Django's wrapper: the sign-in check and CSRF protection come first.
        return super().admin_view(_guard(view), cacheable)


class PortalAdminConfig(AdminConfig):
    default_site = "credit_portal.admin_site.PortalAdminSite"
