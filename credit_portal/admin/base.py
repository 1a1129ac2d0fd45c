"""What the admins of the base app share: the audited save and delete, and read-only lists."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from credit_portal import audit


class AuditedAdminMixin:
    """Every add, change and delete made in this admin is an audit entry
    ``<app>.<model>.created|changed|deleted`` in the same transaction as the change,
    those made in its inlines too (each inline row its own entry, under the row's model:
    a responsible department added on an occupation's page is
    ``departments.occupationdepartment.created``, not a change of no fields)."""

    # Rules and catalogue rows (no personal data): the entry keeps each changed field's
    # value before and after, so "change it, use it, change it back" shows as such. True
    # for every field, or the names of the fields whose values are kept.
    audit_values: bool | tuple[str, ...] = False

    def _kept(self, name: str) -> bool:
        return self.audit_values is True or (bool(self.audit_values) and name in self.audit_values)

    def _audit_action(self, obj: models.Model, verb: str) -> str:
        return f"{obj._meta.app_label}.{obj._meta.model_name}.{verb}"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            fields = sorted(form.changed_data) if form is not None else []
            detail: dict[str, Any] = {"fields": fields}
            if self.audit_values and form is not None:
                detail["values"] = {
                    name: [_plain(form.initial.get(name)) if change else None, _plain(form.cleaned_data.get(name))]
                    for name in fields if self._kept(name)
                }
            audit.record(self._audit_action(obj, "changed" if change else "created"), target=obj,
                         detail=detail, request=request)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        with transaction.atomic():
            # Deleted rows are recorded first, while they still have their ids.
            for row in formset.deleted_forms:
                if row.instance.pk is not None:
                    audit.record(self._audit_action(row.instance, "deleted"), target=row.instance,
                                 detail=self._row_detail(row.instance), request=request)
            # A changed row's values before, read from its form (the instance is updated by
            # then): by the row's primary key.
            before = {
                row.instance.pk: {name: _plain(row.initial.get(name)) for name in row.changed_data}
                for row in formset.initial_forms if row.has_changed() and row not in formset.deleted_forms
            } if self.audit_values else {}
            super().save_formset(request, form, formset, change)  # type: ignore[misc]
            for obj in formset.new_objects:
                audit.record(self._audit_action(obj, "created"), target=obj, detail=self._row_detail(obj),
                             request=request)
            for obj, fields in formset.changed_objects:
                detail: dict[str, Any] = {"fields": sorted(fields)}
                if self.audit_values:
                    old = before.get(obj.pk, {})
                    detail["values"] = {name: [old.get(name), _plain(_field_value(obj, name))]
                                        for name in sorted(fields) if self._kept(name)}
                audit.record(self._audit_action(obj, "changed"), target=obj, detail=detail, request=request)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit.record(self._audit_action(obj, "deleted"), target=obj, detail=self._row_detail(obj),
                         request=request)
            super().delete_model(request, obj)  # type: ignore[misc]

    def _row_detail(self, obj: models.Model) -> dict[str, Any]:
        """A row added or deleted: with ``audit_values``, every value it has (catalogue
        rows: which department was made responsible for which occupation, and undone)."""
        if not self.audit_values:
            return {}
        return {"values": {
            field.name: _plain(_field_value(obj, field.name))
            for field in obj._meta.concrete_fields if not field.primary_key and self._kept(field.name)
        }}

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        # One by one, so that each deleted object has its entry.
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


def _field_value(obj: models.Model, name: str) -> Any:
    """A field's value as a form gives it: a foreign key's id, not the related row."""
    field = obj._meta.get_field(name)
    return getattr(obj, field.attname) if getattr(field, "attname", None) else getattr(obj, name)


def _plain(value: Any) -> Any:
    """A form value as the audit entry's JSON keeps it."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set) or hasattr(value, "__iter__") and not isinstance(value, bytes):
        return [_plain(item) for item in value]
    return str(value)


class AuditedReadAdminMixin:
    """People's data read in the admin is an audited read, as on the staff pages: an
    object's page names the object and its person (``subject_of``), a list page says how
    many rows and whether it was searched (the search text may be a name: not kept).
    The admin is the superusers' (DESIGN §10); what they read of a person is in the trail
    like what anyone else reads."""

    def subject_of(self, obj: Any) -> object:
        """The person ``obj`` is about (their subject id), for the entry's subject_ref."""
        return getattr(obj, "subject_id", "")

    def _read_action(self, verb: str) -> str:
        opts = self.model._meta  # type: ignore[attr-defined]
        return f"{opts.app_label}.{opts.model_name}.{verb}"

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        shown = getattr(response, "context_data", None) or {}
        if request.method == "GET" and shown.get("original") is not None:
            obj = shown["original"]
            audit.record_read(self._read_action("viewed_in_admin"), actor=request.user, target=obj,
                              subject_ref=str(self.subject_of(obj) or ""), request=request)
        return response

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        listed = (getattr(response, "context_data", None) or {}).get("cl")
        if listed is not None:
            audit.record_read(self._read_action("listed_in_admin"), actor=request.user,
                              detail={"rows": len(listed.result_list), "searched": bool(listed.query)}, request=request)
        return response


class ReadOnlyAdminMixin:
    """Nobody adds, changes or deletes here, superusers included: the rows are written
    by code (role groups at every migrate, codes and the audit trail by services)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass
