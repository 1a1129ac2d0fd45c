"""Forms of the departments app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from credit_portal.forms import GovukFormMixin
from departments.models import CoverageEntry


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
