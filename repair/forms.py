"""Forms of the repair pages. They only check the shape of what was typed; every rule
(who may act, states, deadlines, file checks) lives in ``repair.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from archives.models import CreditRecord
from credit_portal.forms import GovukFormMixin
from repair.models import Objection, Rating


class FileInput(forms.FileInput):
    """A file input that takes several files. Named ``FileInput`` on purpose: the shared
    field template picks its GOV.UK style from the widget's class name ("file")."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; optional unless ``required``."""

    widget = FileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, (list, tuple)):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        return files


class ObjectionForm(GovukFormMixin, forms.Form):
    error_names = {"reasons": _("What is wrong with the record")}

    reasons = forms.CharField(
        label=_("What is wrong with this record?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Say what is wrong with the record")},
        help_text=_("Say which facts are wrong and what the correct facts are."),
    )
    evidence = MultipleFileField(
        label=_("Evidence (optional)"), required=False,
        help_text=_("PDF, PNG or JPEG, for example a court judgment or a receipt. You can choose several files."),
    )


class StatementForm(GovukFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Your personal statement"), max_length=2000, widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Enter your statement")},
        help_text=_("It is shown with the record wherever the record is shown. At most 2,000 characters."),
    )


class RepairForm(GovukFormMixin, forms.Form):
    error_names = {"fulfilment": _("How you fulfilled the obligations")}

    fulfilment = forms.CharField(
        label=_("How did you fulfil the obligations set by the decision?"), max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Say how you fulfilled the obligations")},
        help_text=_("For example: the fine was paid in full on 3 May 2026."),
    )
    proof = MultipleFileField(
        label=_("Proof of fulfilment"), required=True,
        error_messages={"required": _("Add proof that the obligations are fulfilled")},
        help_text=_("PDF, PNG or JPEG, for example the payment receipt."),
    )
    extra_actions = forms.CharField(
        label=_("Training, volunteering or charity (optional)"), max_length=5000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Anything else you have done to rebuild trust, for example credit training or volunteer work."),
    )
    extra_files = MultipleFileField(label=_("Proof of training, volunteering or charity (optional)"), required=False)


class CommitmentForm(GovukFormMixin, forms.Form):
    confirm = forms.BooleanField(
        label=_("I have read the credit commitment and I make it"),
        error_messages={"required": _("Confirm the credit commitment: a repair needs it")},
    )


class RatingForm(GovukFormMixin, forms.Form):
    error_names = {"score": _("Rating")}

    score = forms.TypedChoiceField(
        label=_("How satisfied are you with how your case was handled?"), coerce=int,
        choices=[(value, label) for value, label in reversed(Rating.Score.choices)], widget=forms.RadioSelect,
        error_messages={"required": _("Choose a rating")},
    )
    comment = forms.CharField(
        label=_("Comments"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required if you are dissatisfied: tell us what went wrong so that it can be put right."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("score") in Rating.POOR and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Tell us what went wrong so that it can be put right"))
        return data


class ReasonForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give the reason")},
    )


class AssignForm(GovukFormMixin, forms.Form):
    officer = forms.ModelChoiceField(
        label=_("Officer in charge"), queryset=None, empty_label=_("Choose an officer"),
        error_messages={"required": _("Choose an officer")},
    )

    def __init__(self, *args: Any, officers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers
        self.fields["officer"].label_from_instance = lambda user: user.get_full_name() or user.get_username()


class ConcludeForm(GovukFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Outcome"), choices=Objection.Proposal.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose the outcome")},
    )
    reason = forms.CharField(
        label=_("Written answer to the citizen"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write the answer")},
    )


class DecideRepairForm(GovukFormMixin, forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"), coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        choices=[("yes", _("Approve the repair")), ("no", _("Reject the application"))],
        error_messages={"required": _("Choose the decision")},
    )
    reason = forms.CharField(
        label=_("Written answer to the citizen"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write the answer")},
    )


class ChangesMixin(forms.Form):
    """The fields a correction may change (``repair.services.CORRECTABLE_FIELDS``)."""

    title = forms.CharField(label=_("Corrected title"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Corrected description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    severity = forms.ChoiceField(
        label=_("Corrected severity"), required=False,
        choices=[("", _("No change")), *CreditRecord.Severity.choices],
    )
    decision_number = forms.CharField(label=_("Corrected decision number"), max_length=100, required=False)
    deciding_body = forms.CharField(label=_("Corrected deciding body"), max_length=200, required=False)

    def changes(self) -> dict[str, Any]:
        names = ("title", "description", "severity", "decision_number", "deciding_body")
        return {name: self.cleaned_data[name] for name in names if self.cleaned_data.get(name)}


class ProposalForm(GovukFormMixin, ChangesMixin):
    error_names = {"proposal": _("What to do with the record")}

    proposal = forms.ChoiceField(
        label=_("What should happen to the record?"), choices=Objection.Proposal.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose what should happen to the record")},
    )
    reason = forms.CharField(
        label=_("Findings of the verification"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give the findings")},
    )

    field_order = ["proposal", "reason", "title", "description", "severity", "decision_number", "deciding_body"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("proposal") == Objection.Proposal.CORRECT and not self.changes():
            self.add_error("title", _("Say what the corrected record should say: change at least one field"))
        return data


class InitiativeForm(GovukFormMixin, ChangesMixin):
    error_names = {"action": _("What to do with the record")}

    action = forms.ChoiceField(
        label=_("What do you want to do?"), widget=forms.RadioSelect,
        choices=[("correct", _("Correct the record")), ("withdraw", _("Withdraw the record"))],
        error_messages={"required": _("Choose to correct or to withdraw the record")},
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give the reason")},
    )

    field_order = ["action", "reason", "title", "description", "severity", "decision_number", "deciding_body"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "correct" and not self.changes():
            self.add_error("title", _("Change at least one field"))
        return data


class FollowUpForm(GovukFormMixin, forms.Form):
    note = forms.CharField(
        label=_("What was done"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what was done")},
    )


class ConfirmForm(GovukFormMixin, forms.Form):
    """No questions: the send button of a check-your-answers page. It carries the
    service's refusal (e.g. a second open objection) to the error summary."""
