"""Forms of the unit pages: shape only; the rules (credit code, adult representative with
an archive, record content) come back from the services as ``ValidationError``s the views
put on these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from archives.forms import NoRequiredAttributeForm, ReasonForm
from credit_portal.forms import DateField
from departments.models import Department


class UnitForm(NoRequiredAttributeForm):
    department = forms.ModelChoiceField(
        label=_("Keeping department"),
        queryset=Department.objects.none(),
        empty_label=None,
        error_messages={
            "required": _("Choose the keeping department."),
            "invalid_choice": _("Choose one of your departments."),
        },
    )
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        help_text=_("The unit's 18-character unified social credit code."),
        error_messages={"required": _("Enter the unit's unified social credit code.")},
    )
    name = forms.CharField(
        label=_("Unit name"),
        max_length=200,
        error_messages={"required": _("Enter the unit's name.")},
    )
    # Posted, never put in a URL: an ID number is personal data (DESIGN §8).
    representative = forms.CharField(
        label=_("Legal representative's ID number"),
        max_length=30,
        help_text=_(
            "An adult with an archive your department keeps (enterprise legal representatives and responsible persons)."
        ),
        error_messages={"required": _("Enter the legal representative's ID number.")},
    )

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class DishonestyForm(NoRequiredAttributeForm):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        error_messages={"required": _("Enter a title.")},
        help_text=_("The unit's serious dishonesty, as the decision names it."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    decision_number = forms.CharField(label=_("Decision number"), required=False, max_length=100)
    deciding_body = forms.CharField(label=_("Deciding body"), required=False, max_length=200)
    occurred_on = DateField(
        label=_("Date of the conduct"), error_messages={"required": _("Enter the date of the conduct.")}
    )
    decided_on = DateField(
        label=_("Date of the decision"), error_messages={"required": _("Enter the date of the decision.")}
    )
    is_penalty = forms.BooleanField(
        label=_("This is an administrative penalty decision (the credit repair notice is sent with it)"),
        required=False,
    )
    file = forms.FileField(
        label=_("Evidence"),
        help_text=_("The decision on the unit: a PDF, PNG or JPEG file."),
        error_messages={"required": _("Choose a file."), "empty": _("The file is empty.")},
    )


class DecisionForm(NoRequiredAttributeForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            ("approve", _("Approve: write it into the representative's archive")),
            ("return", _("Return it to the clerk")),
        ],
        error_messages={
            "required": _("Choose whether to approve or return it."),
            "invalid_choice": _("Choose whether to approve or return it."),
        },
    )
    reason = forms.CharField(
        label=_("Reason (when returning)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class WithdrawalForm(ReasonForm):
    pass
