"""The official calendar in the admin: the working-day calendar's days (each edit audited), and
the one-form page to enter a year of it: paste the dates of the State Council notice (holidays
and make-up working days), check, save through ``credit_portal.workdays.enter_official_year``
(validated, audited)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credit_portal import workdays
from credit_portal.admin.base import AuditedAdminMixin
from credit_portal.models import CalendarDay


class OfficialYearForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    source = forms.CharField(
        label=gettext_lazy("Notice"), max_length=200,
        help_text=gettext_lazy("The title of the notice, e.g. 国务院办公厅关于2027年部分节假日安排的通知."),
        error_messages={"required": gettext_lazy("Name the notice the dates come from.")},
    )
    holidays = forms.CharField(
        label=gettext_lazy("Public holidays"), widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "One holiday a line: its name, then its dates or a range, e.g. 春节 2027-02-06至2027-02-12. Dates "
            "falling on a weekend are rest days anyway."
        ),
        error_messages={"required": gettext_lazy("Paste the holidays of the notice.")},
    )
    workdays = forms.CharField(
        label=gettext_lazy("Make-up working days"), widget=forms.Textarea(attrs={"rows": 5}), required=False,
        help_text=gettext_lazy("Weekend days worked in exchange (调休上班), one holiday a line, e.g. 春节 2027-02-14."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ("holidays", "workdays"):
            if name in data:
                try:
                    data[f"{name}_dates"] = workdays.parse_dates(data[name])
                except ValueError as exc:
                    line = str(exc).split(":", 1)[0].removeprefix("line ")
                    self.add_error(name, _("Line %(line)s: write each date like 2027-01-01 (ranges with 至).")
                                   % {"line": line})
        return data


_MESSAGES = {
    "outside": gettext_lazy("%(date)s is not in the year entered."),
    "empty": gettext_lazy("A notice has at least one holiday."),
    "both": gettext_lazy("%(date)s is both a holiday and a make-up working day."),
    "weekday": gettext_lazy("%(date)s is a weekday: a make-up working day is a Saturday or a Sunday."),
    "source": gettext_lazy("Name the notice the dates come from."),
}


def enter_year_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    if not model_admin.has_add_permission(request) or not model_admin.has_delete_permission(request):
        raise PermissionDenied
    form = OfficialYearForm(request.POST or None, initial={"year": timezone.localdate().year + 1})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            stored = workdays.enter_official_year(
                year=data["year"], holidays=data["holidays_dates"], workdays=data.get("workdays_dates", []),
                source=data["source"], by=request.user,
            )
        except workdays.CalendarNoticeError as exc:
            for field, codes in exc.messages.items():
                for code in codes:
                    kind, _sep, day = code.partition(":")
                    form.add_error(field, _MESSAGES[kind] % {"date": day})
        else:
            messages.success(request, _("%(count)s days of %(year)s are entered.") % {
                "count": stored, "year": data["year"],
            })
            return redirect("admin:credit_portal_calendarday_changelist")
    context = {
        **model_admin.admin_site.each_context(request), "form": form, "opts": model_admin.model._meta,
        "title": _("Enter a year's notice"), "warning": workdays.calendar_warning(),
    }
    return TemplateResponse(request, "admin/credit_portal/calendarday/enter_year.html", context)


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdminMixin, admin.ModelAdmin):
    # Working days count the legal deadlines: a day's kind turned and turned back shows as such.
    audit_values = True
    # A year is entered in one form from the State Council's notice (enter_year_view above).
    change_list_template = "admin/credit_portal/calendarday/change_list.html"
    # The model field is verbose_name "name", which zh_Hans renders as 姓名 (a person's
    # name); here it is the name of a holiday.
    list_display = ("date", "kind", "holiday_name", "source")
    list_filter = ("kind",)
    search_fields = ("name",)
    date_hierarchy = "date"

    @admin.display(description=gettext_lazy("Holiday name"), ordering="name")
    def holiday_name(self, day: CalendarDay) -> str:
        return day.name

    def get_form(self, request: HttpRequest, obj: CalendarDay | None = None, **kwargs: object):  # type: ignore[override]
        form = super().get_form(request, obj, **kwargs)
        if "name" in form.base_fields:
            form.base_fields["name"].label = gettext_lazy("Holiday name")
        return form

    def get_urls(self):  # noqa: ANN201 - list of URL patterns
        own = [path("enter-year/", self.admin_site.admin_view(lambda request: enter_year_view(self, request)),
                    name="credit_portal_calendarday_enter_year")]
        return own + super().get_urls()
