"""Forms of the repair pages. They only check the shape of what was typed; every rule
(who may act, states, deadlines, file checks) lives in ``repair.services``."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from archives.models import CreditRecord
from credit_portal.forms import DateField, GovukFormMixin, normalize_digits
from credit_portal.models import User
from departments.models import RecordCategory
from repair.models import Objection, Rating, RepairApplication


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


class AddFilesForm(GovukFormMixin, forms.Form):
    files = MultipleFileField(
        label=_("Add material"), required=True,
        error_messages={"required": _("Choose at least one file")},
        help_text=_("PDF, PNG or JPEG. The credit office and the department see it with your case."),
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

    def __init__(self, *args: Any, officers: QuerySet[User], **kwargs: Any) -> None:
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

    def __init__(self, *args: Any, case: Objection, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"decision": case.proposal})
        super().__init__(*args, **kwargs)
        self.case = case

    def outcome(self) -> str:
        return str(dict(Objection.Proposal.choices).get(self.cleaned_data.get("decision"), ""))

    def changes_shown(self) -> dict[str, Any]:
        return self.case.proposed_changes if self.cleaned_data.get("decision") == Objection.Proposal.CORRECT else {}


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

    def __init__(self, *args: Any, case: RepairApplication, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case

    def outcome(self) -> str:
        return str(_("Approve the repair") if self.cleaned_data.get("approve") else _("Reject the application"))

    def changes_shown(self) -> dict[str, Any]:
        return {}


class AnswerForm(GovukFormMixin, forms.Form):
    """The department's answer. The correction fields start from the record as it is;
    whatever differs is the proposed correction (every field, dates included)."""

    proposal = forms.ChoiceField(
        label=_("What should happen to the record?"), choices=Objection.Proposal.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose what should happen to the record")},
    )
    reason = forms.CharField(
        label=_("Findings of the verification"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give the findings")},
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=None, required=False)
    polarity = forms.ChoiceField(label=_("Kind of information"), choices=CreditRecord.Polarity.choices, required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("Not negative")), *CreditRecord.Severity.choices],
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    decision_number = forms.CharField(label=_("Decision number"), max_length=100, required=False)
    deciding_body = forms.CharField(label=_("Deciding body"), max_length=200, required=False)
    occurred_on = DateField(label=_("Date of the conduct"), required=False)
    decided_on = DateField(label=_("Date of the decision"), required=False)
    domain = forms.ModelChoiceField(label=_("Key domain"), queryset=None, required=False)
    unit_name = forms.CharField(label=_("Unit name"), max_length=200, required=False)
    unit_credit_code = forms.CharField(label=_("Unit's unified social credit code"), max_length=18, required=False)
    is_penalty = forms.TypedChoiceField(
        label=_("Is it an administrative penalty?"), required=False, coerce=lambda v: v == "yes",
        empty_value=None, widget=forms.RadioSelect, choices=[("yes", _("Yes")), ("no", _("No"))],
    )

    RECORD_FIELDS = (
        "category", "polarity", "severity", "title", "description", "decision_number", "deciding_body",
        "occurred_on", "decided_on", "domain", "unit_name", "unit_credit_code", "is_penalty",
    )

    def __init__(self, *args: Any, case: Objection, **kwargs: Any) -> None:
        from archives.services import categories_for
        from departments.models import Domain

        record = case.record
        initial = {name: getattr(record, name) for name in self.RECORD_FIELDS}
        initial["is_penalty"] = "yes" if record.is_penalty else "no"
        initial.update({"proposal": case.proposal or None, "reason": case.proposal_reason})
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.record = record
        self.fields["category"].queryset = RecordCategory.objects.filter(
            pk__in=[c.pk for c in categories_for(record.archive)]
        )
        self.fields["domain"].queryset = Domain.objects.all()
        for name in ("category", "domain"):
            self.fields[name].label_from_instance = lambda obj: obj.name

    def changes(self) -> dict[str, Any]:
        """The record fields whose answer differs from the record (empty unless correcting)."""
        if self.cleaned_data.get("proposal") != Objection.Proposal.CORRECT:
            return {}
        out = {}
        for name in self.RECORD_FIELDS:
            if self.fields[name].widget.value_omitted_from_data(self.data, self.files, self.add_prefix(name)):
                continue  # not sent: unchanged (the page always sends every field)
            value = self.cleaned_data.get(name)
            current = getattr(self.record, name)
            if name in ("occurred_on", "decided_on", "is_penalty") and value is None:
                continue  # an emptied date keeps the record's date
            if isinstance(current, str):
                value = value or ""
            if value != current:
                out[name] = value
        return out


class ClosedCaseSearchForm(GovukFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of case"), required=False, widget=forms.RadioSelect,
        choices=[("objection", _("Objections")), ("application", _("Credit repair applications"))],
    )
    q = forms.CharField(
        label=_("Reference or record title"), required=False, max_length=100,
        help_text=_("For example YY-20261128 or 有偿补课. Never search by ID number or phone."),
    )

    def clean_q(self) -> str:
        value = (self.cleaned_data.get("q") or "").strip()
        # Personal data never goes into a URL (and so into logs and the history).
        if re.search(r"\d{11,}|\d{6}(?:19|20)\d{2}", normalize_digits(value)):
            raise ValidationError(_("Search by case reference or record title, never by ID number or phone."))
        return value


class FollowUpForm(GovukFormMixin, forms.Form):
    note = forms.CharField(
        label=_("What was done"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what was done")},
    )


class ConfirmForm(GovukFormMixin, forms.Form):
    """No questions: the send button of a check-your-answers page. It carries the
    service's refusal (e.g. a second open objection) to the error summary."""
