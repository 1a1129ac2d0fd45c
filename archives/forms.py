"""Forms of the clerk and reviewer pages.

Forms only parse and check the shape of what was typed; the rules (which categories
an occupation holds, severity only for negative information, dates not in the future…)
live in ``archives.services`` and come back as ``ValidationError``s that the views put
on these forms. Every form renders through the shared GOV.UK field component
(``credit_portal.forms.GovukFormMixin``): no browser-native validation pop-ups (DESIGN §10).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from archives import validators
from archives.models import AnnualFinding, CreditRecord, Education, PoliticalStatus
from credit_portal.forms import DateField, GovukFormMixin, normalize_digits
from departments.models import Department, Domain, Occupation, RecordCategory


class NoRequiredAttributeForm(GovukFormMixin, forms.Form):
    """Rendered through the shared field component; no browser-native validation."""


def _text(label: str, *, required: bool = True, max_length: int | None = None, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length, **kwargs)


# --- finding people --------------------------------------------------------------------


class FindByIdNumberForm(NoRequiredAttributeForm):
    """Exact look-up. Posted, never put in a URL: an ID number is personal data (DESIGN §8)."""

    id_number = _text(
        _("ID number"), max_length=30,
        help_text=_("The 18-character resident ID number."),
        error_messages={"required": _("Enter the ID number.")},
    )

    def clean_id_number(self) -> str:
        return validators.validate_id_number(self.cleaned_data["id_number"])


class FindByNameForm(NoRequiredAttributeForm):
    name = _text(
        _("Name"), max_length=50,
        help_text=_("The full name. Only people kept by your department are searched."),
        error_messages={"required": _("Enter the name.")},
    )


# --- subjects and archives -------------------------------------------------------------


class SubjectFieldsMixin(NoRequiredAttributeForm):
    name = _text(_("Name"), max_length=50, error_messages={"required": _("Enter the person's name.")})
    phone = _text(_("Phone"), required=False, max_length=20)
    political_status = forms.ChoiceField(
        label=_("Political status"), required=False, choices=[("", "—"), *PoliticalStatus.choices]
    )
    education = forms.ChoiceField(label=_("Education"), required=False, choices=[("", "—"), *Education.choices])

    def clean_phone(self) -> str:
        phone = normalize_digits(self.cleaned_data.get("phone", "")).replace(" ", "").replace("-", "")
        if phone and not phone.isdigit():
            raise ValidationError(_("Enter the phone number in digits."))
        return phone


class SubjectEditForm(SubjectFieldsMixin):
    pass


class ArchiveFieldsMixin(NoRequiredAttributeForm):
    employer = _text(_("Employer"), max_length=200, error_messages={"required": _("Enter the employer.")})
    title = _text(_("Professional title"), required=False, max_length=100)
    post = _text(_("Post"), required=False, max_length=100)
    practice_start = DateField(label=_("Start of practice"), required=False)
    duties = _text(_("Duties"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ArchiveEditForm(ArchiveFieldsMixin):
    pass


class OpenArchiveForm(ArchiveFieldsMixin):
    """Open an archive for a subject already found. ``departments`` are the user's own;
    the occupations offered are those those departments are responsible for."""

    occupation = forms.ModelChoiceField(
        label=_("Occupation"), queryset=Occupation.objects.none(), empty_label="—",
        error_messages={"required": _("Choose the occupation.")},
    )
    department = forms.ModelChoiceField(
        label=_("Responsible department"), queryset=Department.objects.none(), empty_label=None,
        error_messages={"required": _("Choose the department.")},
    )
    field_order = ["occupation", "department", "employer", "title", "post", "practice_start", "duties"]

    def __init__(self, *args: Any, department_ids: frozenset[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(id__in=department_ids)
        self.fields["occupation"].queryset = Occupation.objects.filter(
            is_active=True, occupationdepartment__department_id__in=department_ids
        ).distinct()


class RegisterPersonForm(SubjectFieldsMixin, OpenArchiveForm):
    """A person not yet kept here: register them (or find them by ID number) and open
    their first archive with this department, in one step."""

    id_number = _text(
        _("ID number"), max_length=30, help_text=_("The 18-character resident ID number."),
        error_messages={"required": _("Enter the ID number.")},
    )
    field_order = [
        "name", "id_number", "phone", "political_status", "education",
        "occupation", "department", "employer", "title", "post", "practice_start", "duties",
    ]

    def clean_id_number(self) -> str:
        return validators.validate_id_number(self.cleaned_data["id_number"])


class ReasonForm(NoRequiredAttributeForm):
    reason = _text(
        _("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Enter the reason.")},
    )


class RevealForm(NoRequiredAttributeForm):
    """Show the ID number or phone in full: an audited read."""

    field = forms.ChoiceField(label=_("What to show in full"), choices=(("id_number", "id_number"), ("phone", "phone")))


# --- records ---------------------------------------------------------------------------


def _quoted(basis: str) -> str:
    """The seed's words of a basis written as ``000 §二（一）…「words」``."""
    start, end = basis.find("「"), basis.rfind("」")
    return basis[start + 1:end] if 0 <= start < end else basis


class RecordForm(NoRequiredAttributeForm):
    """A credit record's content. The categories offered are the occupation's
    (``archives.services.categories_for``, 000 §二)."""

    category = forms.ModelChoiceField(
        label=_("Category"), queryset=RecordCategory.objects.none(), empty_label="—",
        error_messages={"required": _("Choose the category.")},
    )
    polarity = forms.ChoiceField(
        label=_("Kind of information"), choices=CreditRecord.Polarity.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether the information is positive, neutral or negative.")},
    )
    severity = forms.ChoiceField(
        label=_("Severity (negative information only)"), required=False,
        choices=CreditRecord.Severity.choices, widget=forms.RadioSelect,
        help_text=_("Minor, general or serious (国办发〔2025〕22号)."),
    )
    title = _text(_("Title"), max_length=200, error_messages={"required": _("Enter a title.")})
    description = _text(_("Description"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    decision_number = _text(_("Decision number"), required=False, max_length=100, help_text=_("For example 某教罚〔2026〕12号."))
    deciding_body = _text(_("Deciding body"), required=False, max_length=200)
    occurred_on = DateField(label=_("Date of the conduct"), error_messages={"required": _("Enter the date of the conduct.")})
    decided_on = DateField(
        label=_("Date of the decision"), help_text=_("The display period is counted from this date."),
        error_messages={"required": _("Enter the date of the decision.")},
    )
    domain = forms.ModelChoiceField(label=_("Key domain"), queryset=Domain.objects.all(), required=False, empty_label="—")
    source_type = forms.ChoiceField(
        label=_("Where the information comes from"), choices=CreditRecord.SourceType.choices, widget=forms.RadioSelect,
        help_text=_("The activity that produced it (001 §三(五))."), required=False,
        error_messages={"invalid_choice": _("Choose where the information comes from.")},
    )
    unit_credit_code = _text(
        _("Unit's unified social credit code"), required=False, max_length=30,
        help_text=_("Only when a unit's serious dishonesty is recorded against its legal representative or responsible person."),
    )
    unit_name = _text(_("Unit name"), required=False, max_length=200)
    is_penalty = forms.BooleanField(
        label=_("This is an administrative penalty decision (the credit repair notice is sent with it)"), required=False
    )

    def __init__(self, *args: Any, categories: list[RecordCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        field.queryset = RecordCategory.objects.filter(id__in=[c.pk for c in categories])
        # Items the seed says must be recorded (必须记入) are marked in the list, with the
        # seed's words under it (000 §二（一）: 纪检监察处分 of civil servants).
        must = {c.pk: c.must_record_basis for c in categories if getattr(c, "must_record_basis", None)}
        if must:
            field.label_from_instance = lambda obj: (  # type: ignore[method-assign]
                str(_("%(category)s (must be recorded)") % {"category": obj.name}) if obj.pk in must else obj.name
            )
            # The page shows the seed's words, not its internal reference (file and section).
            field.help_text = _("Must be recorded: %(items)s") % {
                "items": "；".join(_quoted(must[c.pk]) for c in categories if c.pk in must),
            }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Severity and penalty belong to negative information only: switching to positive
        # or neutral after choosing them clears them instead of trapping the form.
        if cleaned.get("polarity") and cleaned["polarity"] != CreditRecord.Polarity.NEGATIVE:
            cleaned["severity"] = ""
            cleaned["is_penalty"] = False
        return cleaned

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("reason", None)
        return data

    @staticmethod
    def initial_for(record: CreditRecord) -> dict[str, Any]:
        return {
            name: getattr(record, name)
            for name in (
                "category", "polarity", "severity", "title", "description", "decision_number", "deciding_body",
                "occurred_on", "decided_on", "domain", "unit_credit_code", "unit_name", "is_penalty", "source_type",
            )
        }


class CorrectionForm(RecordForm):
    reason = _text(
        _("Why is the record corrected?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the record is corrected.")},
    )


# --- findings and evidence -------------------------------------------------------------


class FindingForm(NoRequiredAttributeForm):
    year = forms.IntegerField(
        label=_("Year"), min_value=1990, max_value=2100, error_messages={"required": _("Enter the year."), "invalid": _("Enter the year in numbers.")}
    )
    status = forms.ChoiceField(
        label=_("Credit status"), choices=AnnualFinding.Status.choices, widget=forms.RadioSelect,
        help_text=_("Trustworthy unless evidence shows otherwise (Anyang county credit office notice, annex, note 1)."),
        error_messages={"required": _("Choose the credit status.")},
    )
    basis = _text(
        _("Basis of the finding"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example: 根据法律法规，依法认定××为守信人员."),
        error_messages={"required": _("Enter the basis of the finding.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.input_type = "text"
        self.fields["year"].widget.attrs.update({"inputmode": "numeric"})


class EvidenceForm(NoRequiredAttributeForm):
    file = forms.FileField(
        label=_("File"), help_text=_("A PDF, PNG or JPEG file."),
        error_messages={"required": _("Choose a file."), "empty": _("The file is empty.")},
    )
    description = _text(_("Description"), required=False, max_length=200)


class OverdueFilterForm(GovukFormMixin, forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, label=_("Department"), empty_label=_("Any"),
    )
    occupation = forms.ModelChoiceField(
        queryset=Occupation.objects.none(), required=False, label=_("Occupation"), empty_label=_("Any"),
    )
    kind = forms.ChoiceField(
        choices=[("", _("Any")), *Occupation.Cadence.choices], required=False, label=_("Update cadence"),
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], occupations: QuerySet[Occupation],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["occupation"].queryset = occupations
