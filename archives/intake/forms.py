"""Forms of the intake pages (shape only; the rules are in the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from archives.intake.models import ImportJob
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
