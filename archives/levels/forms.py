"""Forms of the credit level pages (GOV.UK rendering, messages naming the field)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from archives.levels.models import Condition, FindingStatus, Level, PointRule, Severity
from credit_portal.forms import GovukFormMixin
from departments.models import Department, Occupation


class LevelFilterForm(GovukFormMixin, forms.Form):
    level = forms.ChoiceField(choices=[("", _("Any")), *Level.choices], required=False, label=_("Credit level"))
    department = forms.ModelChoiceField(queryset=Department.objects.none(), required=False,
                                        label=_("Responsible department"), empty_label=_("Any"))
    occupation = forms.ModelChoiceField(queryset=Occupation.objects.none(), required=False,
                                        label=_("Occupation"), empty_label=_("Any"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.order_by("name")
        self.fields["occupation"].queryset = Occupation.objects.order_by("sort_order", "name")


class LevelRuleForm(GovukFormMixin, forms.Form):
    level = forms.ChoiceField(choices=Level.choices, label=_("Credit level the rule gives"))
    condition = forms.ChoiceField(choices=Condition.choices, label=_("Condition"))
    severity = forms.ChoiceField(
        choices=[("", _("Not applicable")), *Severity.choices], required=False, label=_("Lowest severity"),
        help_text=_("For record and clean-year conditions: the lowest severity of negative information that counts."),
    )
    finding_status = forms.ChoiceField(
        choices=[("", _("Not applicable")), *FindingStatus.choices], required=False, label=_("Finding status"),
        help_text=_("For finding conditions only."),
    )
    years = forms.IntegerField(
        min_value=0, max_value=20, initial=0, label=_("Years"),
        help_text=_("Records: decided within this many years (0: while the record is effective). Findings: of the "
                    "last this many years. Clean years: how many years."),
    )
    source = forms.CharField(
        max_length=500, required=False, label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The law or policy document this rule rests on, with its article."),
    )


class PointRuleEditForm(GovukFormMixin, forms.Form):
    """The points and the source of a scoring rule (the fact is fixed once in force)."""

    points = forms.IntegerField(
        min_value=-1000, max_value=1000, label=_("Points"),
        help_text=_("Positive information and a trustworthy finding add points (a positive number); negative "
                    "information and adverse findings take points away (a negative number)."),
    )
    source = forms.CharField(
        max_length=500, required=False, label=_("Source"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The policy document or the pilot decision this rule rests on."),
    )


class PointRuleForm(GovukFormMixin, forms.Form):
    kind = forms.ChoiceField(choices=PointRule.Kind.choices, label=_("Fact the rule scores"))
    severity = forms.ChoiceField(
        choices=[("", _("Not applicable")), *Severity.choices], required=False, label=_("Severity"),
        help_text=_("For negative records only."),
    )
    finding_status = forms.ChoiceField(
        choices=[("", _("Not applicable")), *PointRule.Status.choices], required=False, label=_("Finding status"),
        help_text=_("For findings only."),
    )
    points = PointRuleEditForm.base_fields["points"]
    source = PointRuleEditForm.base_fields["source"]
