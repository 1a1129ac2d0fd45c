"""Forms of the unit pages: shape only; the rules (credit code, adult responsible persons
with an archive, record content) come back from the services as ``ValidationError``s the views
put on these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from archives.forms import NoRequiredAttributeForm, ReasonForm
from archives.units.models import UnitPerson
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
    # Filled from the unit's responsible persons (current and former) by the view; the
    # service checks that each belongs to the unit.
    people = forms.MultipleChoiceField(
        label=_("Recorded against"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The legal representative and the principal person in charge are named by default; "
            "name the other persons directly responsible for this conduct."
        ),
        error_messages={
            "required": _("Name at least one person it is recorded against."),
            "invalid_choice": _("Choose among the unit's responsible persons."),
        },
    )
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


    def __init__(self, *args: Any, people: list[Any], default: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = [(str(p.pk), person_label(p)) for p in people]
        self.fields["people"].initial = [str(p.pk) for p in default]


def person_label(person: Any) -> str:
    label = f"{person.get_role_display()}：{person.masked_name}（{person.archive.occupation.name}）"
    if person.ended_at is not None:
        label += str(_("(no longer in the role since %(day)s)") % {"day": timezone.localdate(person.ended_at).isoformat()})
    return label


class PersonForm(NoRequiredAttributeForm):
    role = forms.ChoiceField(
        label=_("Role"),
        widget=forms.RadioSelect,
        choices=UnitPerson.Role.choices,
        help_text=_(
            "A new legal representative or principal person in charge replaces the current one; "
            "directly responsible persons are added."
        ),
        error_messages={
            "required": _("Choose the role."),
            "invalid_choice": _("Choose the role."),
        },
    )
    # Posted, never put in a URL: an ID number is personal data (DESIGN §8).
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        help_text=_(
            "An adult with an archive your department keeps (enterprise legal representatives and responsible persons)."
        ),
        error_messages={"required": _("Enter the person's ID number.")},
    )


class DecisionForm(NoRequiredAttributeForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            ("approve", _("Approve: write it into the named persons' archives")),
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
