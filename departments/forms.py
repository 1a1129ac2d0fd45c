"""Forms of the departments app."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credit_portal.forms import DateField, GovukFormMixin, normalize_digits
from departments.models import CoverageEntry, Department, DepartmentEvaluation, RuleFiling


class CoverageEntryForm(GovukFormMixin, forms.Form):
    """One unit's row of the coverage table (000 annex).

    The annex heads 下步打算 with "是否建立均须填写": whether or not the archive is set
    up, both the answer and the next steps are required.
    """

    error_names = {"archive_established": _("Whether the archives are set up")}

    archive_established = forms.TypedChoiceField(
        label=_("Has the unit set up credit archives for its key occupation groups?"),
        choices=(("yes", _("Yes")), ("no", _("No"))),
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Select whether the unit has set up the archives")},
    )
    policy_document = forms.CharField(
        label=_("Title of the policy document issued"),
        help_text=_("Leave empty if no document has been issued yet."),
        max_length=CoverageEntry._meta.get_field("policy_document").max_length,
        required=False,
    )
    next_steps = forms.CharField(
        label=_("Next steps"),
        help_text=_("Required whether or not the archives are set up."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Enter the next steps")},
    )
    remarks = forms.CharField(label=_("Remarks"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    @staticmethod
    def initial_for(entry: CoverageEntry) -> dict[str, object]:
        established = {True: "yes", False: "no"}.get(entry.archive_established)  # type: ignore[arg-type]
        return {
            "archive_established": established,
            "policy_document": entry.policy_document,
            "next_steps": entry.next_steps,
            "remarks": entry.remarks,
        }


class RuleFilingForm(GovukFormMixin, forms.Form):
    """A department's rules filed with the credit office (备案; 001 §五)."""

    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), empty_label=None,
        error_messages={"required": _("Select the department"), "invalid_choice": _("Select the department")},
    )
    title = forms.CharField(
        label=_("Title of the document"), max_length=RuleFiling._meta.get_field("title").max_length,
        error_messages={"required": _("Enter the title of the document")},
    )
    document_number = forms.CharField(
        label=_("Document number"), required=False,
        max_length=RuleFiling._meta.get_field("document_number").max_length,
        help_text=_("As printed on the document, for example 示教〔2026〕3号. Leave empty if it has none."),
    )
    issued_on = DateField(
        label=_("Date the document was issued"), max_date=None,
        error_messages={"required": _("Enter the date the document was issued")},
    )
    summary = forms.CharField(
        label=_("What the rules cover"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        max_length=RuleFiling._meta.get_field("summary").max_length,
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        if len(departments) == 1:
            self.fields["department"].initial = departments[0].pk

    def clean_issued_on(self) -> date:
        issued_on = self.cleaned_data["issued_on"]
        if issued_on > timezone.localdate():
            raise forms.ValidationError(_("The date the document was issued must be today or in the past."))
        return issued_on


class EvaluationForm(GovukFormMixin, forms.Form):
    """The credit office's yearly evaluation of a department (002 §三1; 004 item 30)."""

    grade = forms.ChoiceField(
        label=_("Grade"), choices=DepartmentEvaluation.Grade.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Select a grade"), "invalid_choice": _("Select a grade")},
    )
    score = forms.CharField(
        label=_("Score"), help_text=_("From 0 to 100."),
        error_messages={"required": _("Enter a score from 0 to 100")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
    )
    notes = forms.CharField(
        label=_("Findings of the evaluation"), widget=forms.Textarea(attrs={"rows": 6}),
        max_length=DepartmentEvaluation._meta.get_field("notes").max_length,
        error_messages={"required": _("Enter the findings of the evaluation")},
    )

    def clean_score(self) -> int:
        value = normalize_digits(self.cleaned_data["score"])
        if not re.fullmatch(r"[0-9]{1,3}", value) or int(value) > 100:
            raise forms.ValidationError(_("Enter a score from 0 to 100"))
        return int(value)
