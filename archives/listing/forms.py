"""Forms of the listing pages: shape only; the rules come back from the services as
``ValidationError``s the views put on these forms (DESIGN §10)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from archives.listing.models import ListingCategory
from archives.models import CreditRecord
from credit_portal.forms import GovukFormMixin


class RecordChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: CreditRecord) -> str:
        return f"{obj.title}（{obj.decision_number or '—'}，{obj.decided_on:%Y-%m-%d}）"


class ProposeForm(GovukFormMixin, forms.Form):
    # Not required here: the service's message says what a listing needs ("at least one
    # effective serious negative record"), one wording for page and service alike.
    records = RecordChoiceField(
        label=_("Records the listing rests on"), queryset=CreditRecord.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Effective serious negative records of this archive."),
    )
    category = forms.ChoiceField(
        label=_("Category of serious dishonesty"), choices=ListingCategory.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose the category of serious dishonesty.")},
    )
    facts = forms.CharField(
        label=_("Facts"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Enter the facts of the serious dishonesty.")},
        help_text=_("What the person did, when, and what the decision found. The person reads this in the notice."),
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Enter the legal basis for the listing.")},
        help_text=_("The law, regulation or document and its article, by official title."),
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["records"].queryset = candidates


class AnswerForm(GovukFormMixin, forms.Form):
    answer = forms.CharField(
        label=_("Answer to the person's statement"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Enter the answer to the person's statement.")},
    )


class DecisionForm(GovukFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[("publish", _("List the person as seriously dishonest")), ("reject", _("Do not list"))],
        error_messages={"required": _("Choose whether to list the person.")},
    )
    reason = forms.CharField(
        label=_("Reasons for the decision"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give the reasons for the decision.")},
        help_text=_("Say how the person's statement was taken into account, if they made one."),
    )


class RemovalForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for removal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the listing is removed.")},
    )


class FeedbackForm(GovukFormMixin, forms.Form):
    applied = forms.ChoiceField(
        label=_("Response"), widget=forms.RadioSelect,
        choices=[("yes", _("The measure is applied")), ("no", _("The measure does not apply to this person"))],
        error_messages={"required": _("Choose whether the measure is applied.")},
    )
    feedback = forms.CharField(
        label=_("Feedback"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Describe what your department did.")},
    )


class CorrectedForm(GovukFormMixin, forms.Form):
    outcome = forms.CharField(
        label=_("How the conduct was corrected"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say how the conduct was corrected.")},
    )


class FileInput(forms.FileInput):
    """Several files in one input; named ``FileInput`` so the shared field template styles it."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = FileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        items = data if isinstance(data, (list, tuple)) else [data]
        return [single(item, initial) for item in items if item]


class StatementForm(GovukFormMixin, forms.Form):
    """The person's statement and defence (陈述申辩)."""

    text = forms.CharField(
        label=_("Your statement and defence"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Enter your statement and defence.")},
        help_text=_("Say which facts are wrong or incomplete, and why you should not be listed."),
    )
    files = MultipleFileField(
        label=_("Supporting files (optional)"), required=False,
        help_text=_("PDF, PNG or JPEG. You can choose several files."),
    )
