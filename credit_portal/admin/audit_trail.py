"""The audit trail and its anchors: read-only for everyone; the auditor's maintenance page."""

from __future__ import annotations

from typing import Any

from celery.result import EagerResult
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from credit_portal import audit_anchor, tasks
from credit_portal.admin.base import ReadOnlyAdmin
from credit_portal.models import AuditAnchor, AuditEntry
from credit_portal.permissions import can_maintain_audit_trail

NOT_POSSIBLE = _("The purge could not delete entries: the database connection for audit maintenance is not "
                 "configured. Ask the system administrator to set it, then purge again. The purge anchor was kept and "
                 "the chain still verifies.")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "sequence",
        "created_at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "subject_ref",
        "ip_address",
    )
    list_filter = ("action",)
    # Exact match: object ids are looked up, not browsed.
    search_fields = ("=object_id",)
    ordering = ("-id",)
    date_hierarchy = "created_at"
    show_full_result_count = False


class AuditMaintenanceForm(forms.Form):
    """What the auditor asks for on the maintenance page; ``confirmed`` comes from the
    confirmation step, never from the first."""

    task = forms.ChoiceField(
        label=_("What to do"),
        choices=[("anchor", _("Anchor the audit chain now")), ("purge", _("Purge entries past retention"))],
        error_messages={"required": _("Choose what to do."), "invalid_choice": _("Choose what to do.")},
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


@admin.register(AuditAnchor)
class AuditAnchorAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "sequence", "head_hash", "created_at", "created_by")
    list_filter = ("kind",)
    ordering = ("-id",)
    change_list_template = "admin/credit_portal/auditanchor/change_list.html"

    def get_urls(self) -> list[Any]:
        return [
            path("maintenance/", self.admin_site.admin_view(self.maintenance_view),
                 name="credit_portal_auditanchor_maintenance"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "may_maintain": can_maintain_audit_trail(request.user)}
        return super().changelist_view(request, extra_context)

    def maintenance_view(self, request: HttpRequest) -> HttpResponse:
        """The audit administrator anchors the chain on demand or runs the retention purge,
        each after a confirmation step, through the services the commands call
        (``anchor_chain``, ``purge_expired``); the page lists the last anchors and purges."""
        if not can_maintain_audit_trail(request.user):
            raise PermissionDenied
        form = AuditMaintenanceForm(request.POST or None)
        context: dict[str, Any] = {
            **self.admin_site.each_context(request), "opts": self.opts, "title": _("Audit trail maintenance"),
            "form": form, "retention_days": settings.AUDIT_RETENTION_DAYS,
        }
        if request.method == "POST" and form.is_valid():
            task = form.cleaned_data["task"]
            if not form.cleaned_data["confirmed"]:
                through, count = audit_anchor.purge_preview() if task == "purge" else (0, 0)
                return TemplateResponse(request, "admin/credit_portal/auditanchor/maintenance_confirm.html", {
                    **context, "task": task, "through": through, "entries": count,
                    "title": _("Confirm: anchor the audit chain") if task == "anchor"
                    else _("Confirm: purge the audit trail"),
                })
            return self._run_maintenance(request, task)
        context.update(
            anchors=audit_anchor.recent_anchors(),
            purges=audit_anchor.recent_anchors(kinds=[AuditAnchor.Kind.PURGE]),
            refusal=audit_anchor.last_purge_refusal(),
            not_possible=NOT_POSSIBLE,
        )
        return TemplateResponse(request, "admin/credit_portal/auditanchor/maintenance.html", context)

    def _run_maintenance(self, request: HttpRequest, task: str) -> HttpResponse:
        back = HttpResponseRedirect(reverse("admin:credit_portal_auditanchor_maintenance"))
        if task == "anchor":
            anchor = audit_anchor.anchor_chain(kind=AuditAnchor.Kind.ON_DEMAND, by=request.user)
            messages.success(request, _("The audit chain was anchored at entry %(sequence)s and sent to the "
                                        "municipal platform.") % {"sequence": anchor.sequence})
            return back
        # A task, not this request: at a city's scale the purge takes minutes (credit_portal.tasks).
        # Where tasks run in-process (the embedded profile) its outcome is known at once.
        result = tasks.purge_audit_trail.delay(request.user.pk)
        if not isinstance(result, EagerResult):
            messages.info(request, _(
                "The purge runs in the background: at a city's scale it takes minutes. When it is done, it appears "
                "under Retention purges below; if it cannot purge, the reason appears at the top of this page."))
            return back
        outcome = result.result
        if outcome["outcome"] == "refused":
            messages.error(request, _(
                "Nothing was purged: the table check (manage.py verify_tables) finds %(count)s difference(s) between "
                "the tables and the audit trail, and the entries the purge would delete may be their only evidence. "
                "First: %(first)s"
            ) % {"count": outcome["differences"], "first": outcome["first"]})
        elif outcome["outcome"] == "not_possible":
            messages.error(request, NOT_POSSIBLE)
        elif outcome["outcome"] == "nothing":
            messages.info(request, _("No entry is older than %(days)s days: nothing was purged.")
                          % {"days": settings.AUDIT_RETENTION_DAYS})
        elif outcome["outcome"] == "purged":
            messages.success(request, _("Entries up to %(sequence)s were purged; the chain now starts from the "
                                        "purge anchor.") % {"sequence": outcome["sequence"]})
        else:  # the permission was taken away between the check above and the task
            raise PermissionDenied
        return back
