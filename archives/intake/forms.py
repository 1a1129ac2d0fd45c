"""Forms of the intake pages (shape only; the rules are in the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from archives.intake.models import ImportJob
from archives.models import Archive
from credit_portal.forms import GovukFormMixin
from departments.models import Department, Occupation


class UploadForm(GovukFormMixin, forms.Form):
    department = forms.ModelChoiceField(queryset=Department.objects.none(), label=_("Department"))
    occupation = forms.ModelChoiceField(queryset=Occupation.objects.none(), label=_("Occupation"))
    file = forms.FileField(label=_("Filled-in template (.xlsx)"))
    mode = forms.ChoiceField(
        choices=ImportJob.Mode.choices, initial=ImportJob.Mode.ALL_OR_NOTHING, widget=forms.RadioSelect,
        label=_("When some rows have errors"),
    )

    def __init__(self, *args: Any, departments: Any, occupations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["occupation"].queryset = occupations
        if departments.count() == 1:
            self.fields["department"].initial = departments.first()
            self.fields["department"].widget = forms.HiddenInput()


class BatchForm(GovukFormMixin, forms.Form):
    department = forms.ModelChoiceField(queryset=Department.objects.none(), label=_("Department"))
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    occupation = forms.ModelChoiceField(queryset=Occupation.objects.none(), required=False,
                                        label=_("Occupation"), empty_label=_("Any"))
    employer = forms.CharField(required=False, max_length=200, label=_("Unit"),
                               help_text=_("The employer exactly as written in the archives."))

    def __init__(
        self, *args: Any, departments: QuerySet[Department], occupations: QuerySet[Occupation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["occupation"].queryset = occupations


YES_NO = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]


class ArchiveFilterForm(GovukFormMixin, forms.Form):
    occupation = forms.ModelChoiceField(queryset=Occupation.objects.none(), required=False,
                                        label=_("Occupation"), empty_label=_("Any"))
    employer = forms.CharField(required=False, max_length=100, label=_("Employer contains"))
    state = forms.ChoiceField(choices=[("", _("Any")), *Archive.State.choices], required=False,
                              label=_("State"))
    negative = forms.ChoiceField(choices=YES_NO, required=False, label=_("Has negative records"))
    finding_year = forms.IntegerField(required=False, min_value=1990, max_value=2100,
                                      label=_("Has a signed finding for the year"))
    overdue = forms.ChoiceField(choices=YES_NO, required=False, label=_("Overdue for update"))

    def __init__(self, *args: Any, occupations: QuerySet[Occupation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occupation"].queryset = occupations
