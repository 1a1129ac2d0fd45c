"""Forms of the disclosure pages: they check what was typed; services check the rules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from archives import validators
from credit_portal.forms import GovukFormMixin, normalize_digits
from departments.models import Occupation, RecordCategory
from disclosure import conf, selectors
from disclosure.models import Institution, Purpose, QueryLog
from disclosure.services.mandatory import mandatory_by_purpose, missing_categories, missing_message


class IdNumberField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("ID number"))
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return validators.validate_id_number(value) if value else value


class NewPasswordPairForm(GovukFormMixin, forms.Form):
    """A form that sets a password typed twice (``password``, ``password_again``): the
    second must match the first, said beside the second field."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("The two passwords are not the same."))
        return data


class RegistrationForm(NewPasswordPairForm):
    error_names = {"password": _("Password"), "password_again": _("Password again")}

    name = forms.CharField(label=_("Full name"), max_length=50, help_text=_("As on your resident ID card."))
    id_number = IdNumberField(help_text=_("18 characters. The last one may be X."))
    phone = forms.CharField(
        label=_("Mobile phone number"), max_length=20,
        help_text=_("You sign in with this number. The verification code goes to the phone number your department has on file for you."),
    )
    password = forms.CharField(
        label=_("Create a password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not only digits."),
    )
    password_again = forms.CharField(
        label=_("Type the password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        self.fields["name"].widget.attrs.update({"autocomplete": "name"})

    def clean_phone(self) -> str:
        return normalize_digits(self.cleaned_data["phone"])


class CodeForm(GovukFormMixin, forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=10, help_text=_("The 6 digits in the text message."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "one-time-code"})

    def clean_code(self) -> str:
        return normalize_digits(self.cleaned_data["code"])


class PurposeFields(forms.Form):
    error_names = {"purpose": _("Purpose of the query"), "purpose_other": _("Other purpose")}
    purpose = forms.ChoiceField(label=_("What is the query for?"), choices=Purpose.choices, widget=forms.RadioSelect)
    purpose_other = forms.CharField(
        label=_("If other, what for?"), max_length=200, required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("purpose") == Purpose.OTHER and not (data.get("purpose_other") or "").strip():
            self.add_error("purpose_other", _("Say what the query is for."))
        return data


class MandatoryCategories(forms.Form):
    """A ``categories`` field that marks the categories some purposes make mandatory
    and refuses, with the rule's legal basis, a choice that leaves one out (the consent
    service checks the same again: ``services.mandatory``). Nothing is pre-ticked:
    choosing none keeps meaning "every kind", the widest scope."""

    def setup_mandatory(self) -> None:
        self.mandatory = mandatory_by_purpose()
        marked = {c.pk for rule in self.mandatory.values() for c in rule.categories}
        field = self.fields["categories"]
        field.label_from_instance = lambda category: (  # type: ignore[attr-defined]
            _("%(name)s (mandatory for some purposes, see above)") % {"name": category.name}
            if category.pk in marked else category.name
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        rule = self.mandatory.get(data.get("purpose") or "")
        if rule is not None and "categories" in data:
            missing = missing_categories(rule, data["categories"])
            if missing:
                self.add_error("categories", missing_message(rule, missing))
        return data


def _limit_days_and_uses(form: forms.Form) -> None:
    """The ``days`` and ``max_uses`` of an authorization, given or asked for: the limits
    and the default the settings hold (the service checks the same limits again)."""
    max_days = conf.get("DISCLOSURE_AUTHORIZATION_MAX_DAYS")
    form.fields["days"].validators.append(_max(max_days))
    form.fields["days"].help_text = _("At most %(max)s days.") % {"max": max_days}
    form.fields["days"].initial = conf.get("DISCLOSURE_AUTHORIZATION_DEFAULT_DAYS")
    form.fields["max_uses"].validators.append(_max(conf.get("DISCLOSURE_AUTHORIZATION_MAX_USES")))
    for name in ("days", "max_uses"):
        form.fields[name].widget = forms.TextInput(attrs={"inputmode": "numeric"})


class AuthorizationForm(GovukFormMixin, MandatoryCategories, PurposeFields):
    """What the citizen grants: grantee, purpose, scope, period, uses."""

    ANYONE = "anyone"

    grantee = forms.ChoiceField(
        label=_("Who may query?"), widget=forms.RadioSelect,
        help_text=_("Find the institution with the search above, by its name or its unified social credit code, then choose it here."),
    )
    occupations = forms.ModelMultipleChoiceField(
        label=_("Which archives?"), queryset=Occupation.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Choose none to include all your archives."),
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Which kinds of information?"), queryset=RecordCategory.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose none to include every kind. You may add kinds, but not take away those the law makes mandatory for your purpose (see above)."),
    )
    days = forms.IntegerField(label=_("For how many days?"), min_value=1)
    max_uses = forms.IntegerField(label=_("How many times may the code be used?"), min_value=1, initial=1)
    include_points = forms.BooleanField(
        label=_("Include my integrity points (pilot)"), required=False,
        help_text=_("Without this, the institution never sees your points. They go only with a report of every "
                    "category, since each line names the record it counts."),
    )

    field_order = ["grantee", "purpose", "purpose_other", "occupations", "categories", "days", "max_uses",
                   "include_points"]
    error_names = {
        **PurposeFields.error_names, "grantee": _("Who may query"), "occupations": _("Archives"),
        "categories": _("Kinds of information"), "days": _("Number of days"), "max_uses": _("Number of uses"),
    }

    def __init__(
        self, *args: Any, occupations: Any, categories: Any, institutions: Iterable[Institution] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # The institutions offered are the search's matches, not the whole register (it may
        # hold thousands), plus the one already chosen so a search never loses the choice.
        shown = list(institutions)
        chosen = selectors.active_institution(
            self.data.get("grantee") if self.is_bound else (self.initial or {}).get("grantee")
        )
        if chosen is not None and all(i.pk != chosen.pk for i in shown):
            shown.insert(0, chosen)
        self.fields["grantee"].choices = [
            (str(i.pk), i.name + pgettext("a note after a value", " ({})").format(i.credit_code)) for i in shown
        ] + [(self.ANYONE, _("Anyone I give the code to"))]
        self.fields["occupations"].queryset = occupations
        self.fields["categories"].queryset = categories
        self.setup_mandatory()
        _limit_days_and_uses(self)
        from archives.levels.points import is_pilot_on

        if not is_pilot_on():
            del self.fields["include_points"]

    def grantee_institution(self) -> Institution | None:
        value = self.cleaned_data["grantee"]
        return None if value == self.ANYONE else Institution.objects.get(pk=value)

    def to_session(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "grantee": data["grantee"], "purpose": data["purpose"], "purpose_other": data.get("purpose_other", ""),
            "occupations": [o.pk for o in data["occupations"]], "categories": [c.pk for c in data["categories"]],
            "days": data["days"], "max_uses": data["max_uses"], "include_points": bool(data.get("include_points")),
        }


def _max(limit: int) -> Any:
    def check(value: int) -> None:
        if value is not None and value > limit:
            # Coded like Django's MaxValueValidator, so the field's own message names it.
            raise ValidationError(
                _("Enter a number no greater than %(max)s.") % {"max": limit},
                code="max_value", params={"limit_value": limit},
            )

    return check


class InstitutionSearchForm(GovukFormMixin, forms.Form):
    """The search above the grant form: a name or a unified social credit code."""

    q = forms.CharField(
        label=_("Find the institution"), max_length=100, required=False,
        help_text=_("Type part of its name, or its unified social credit code (18 characters)."),
    )


class RevokeForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=200, required=False)


class QueryForm(GovukFormMixin, PurposeFields):
    """The institution's query: who, with which code, for what."""

    name = forms.CharField(label=_("Person's full name"), max_length=50)
    id_number = IdNumberField(label=_("Person's ID number"))
    code = forms.CharField(label=_("Authorization code"), max_length=30, help_text=_("The code the person gave you, like ABCD-EFGH-JKMN."))

    field_order = ["name", "id_number", "code", "purpose", "purpose_other"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})


class RequestForm(GovukFormMixin, MandatoryCategories, PurposeFields):
    """An institution asks a person for an authorization."""

    name = forms.CharField(label=_("Person's full name"), max_length=50)
    id_number = IdNumberField(label=_("Person's ID number"))
    categories = forms.ModelMultipleChoiceField(
        label=_("Which kinds of information?"), queryset=RecordCategory.objects.order_by("sort_order"),
        required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose none to ask for every kind. Kinds the law makes mandatory for the purpose cannot be left out."),
    )
    days = forms.IntegerField(label=_("For how many days?"), min_value=1)
    max_uses = forms.IntegerField(label=_("How many queries?"), min_value=1, initial=1)

    field_order = ["name", "id_number", "purpose", "purpose_other", "categories", "days", "max_uses"]
    error_names = {
        **PurposeFields.error_names, "categories": _("Kinds of information"), "days": _("Number of days"),
        "max_uses": _("Number of queries"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit_days_and_uses(self)
        self.setup_mandatory()


class VerifyReportForm(GovukFormMixin, forms.Form):
    number = forms.CharField(label=_("Report number"), max_length=30)
    code = forms.CharField(label=_("Verification code"), max_length=30, help_text=_("Printed on the report, like 1A2B-3C4D-5E6F."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("number", "code"):
            self.fields[name].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})


class ListSearchForm(GovukFormMixin, forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=50, help_text=_("The person's full name, exactly."))


class PasswordResetStartForm(GovukFormMixin, forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone number"), max_length=20,
        help_text=_("The number you sign in with."),
        error_messages={"required": _("Enter the mobile phone number you sign in with")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean_phone(self) -> str:
        from disclosure.phones import normalize_phone

        try:
            return normalize_phone(self.cleaned_data["phone"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["phone"]) from None


class PasswordResetCompleteForm(NewPasswordPairForm):
    code = forms.CharField(
        label=_("Verification code"), max_length=10, help_text=_("The 6 digits in the text message."),
        error_messages={"required": _("Enter the verification code")},
    )
    password = forms.CharField(
        label=_("New password"), max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not only digits."),
        error_messages={"required": _("Enter a new password")},
    )
    password_again = forms.CharField(
        label=_("Type the new password again"), max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Type the new password again")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "one-time-code"})

    def clean_code(self) -> str:
        return normalize_digits(self.cleaned_data["code"])


class GreenChannelForm(GovukFormMixin, forms.Form):
    """A department's green channel check (绿色通道, 001 §四; 004 item 23): who, and for
    which procedure. The ID number is POSTed, never put in a URL."""

    error_names = {"matter": _("Procedure"), "detail": _("Application")}

    name = forms.CharField(label=_("Person's full name"), max_length=50)
    id_number = IdNumberField(label=_("Person's ID number"))
    matter = forms.ChoiceField(label=_("Which procedure is the check for?"), choices=QueryLog.Matter.choices,
                               widget=forms.RadioSelect)
    detail = forms.CharField(
        label=_("Which application?"), max_length=200,
        help_text=_("The application's name or number, as in your department's records. The person sees it in their query log."),
    )
