"""Shared form pieces: GOV.UK-style rendering for every form, and the 年 / 月 / 日 date field.

Every page form inherits `GovukFormMixin` so its fields render through one template
(templates/components/field.html) and every error looks the same (DESIGN §10, "How pages
behave"). In a template, `{% load portal %}{% field form.name %}` renders one field and
`{{ form }}` renders them all.
"""

from __future__ import annotations

import datetime
import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import django.forms
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.renderers import BaseRenderer, EngineMixin
from django.template.backends.django import DjangoTemplates
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from credit_portal import field_rendering
from credit_portal.form_messages import name_field_errors

if TYPE_CHECKING:
    from credit_portal.models import User


def add_errors(form: forms.BaseForm, exc: Exception) -> None:
    """Put a service's refusal on the form: a ``ValidationError`` on the field it names
    when the form has it, otherwise above the form; any other refusal (a state or access
    refusal) above the form in its own words. Every page with a form uses this one."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc.messages)
    else:
        form.add_error(None, str(exc))


# Full-width digits (０-９, U+FF10-FF19), typed by Chinese input methods, count as digits.
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def normalize_digits(value: str) -> str:
    """Turn full-width digits into ASCII and drop surrounding (including full-width) spaces."""
    return value.translate(FULL_WIDTH_DIGITS).replace("\u3000", " ").strip()


class PortalFormRenderer(EngineMixin, BaseRenderer):
    """Renders forms, fields and widgets from the project's templates/ first.

    Django's own renderer looks only in apps' templates folders; this one puts
    templates/ (components/field.html, any override under templates/django/forms/)
    ahead of Django's built-in widget templates.
    """

    backend = DjangoTemplates
    form_template_name = "components/form_fields.html"
    field_template_name = "components/field.html"

    @property
    def engine(self) -> Any:  # type: ignore[override]
        return _renderer_engine()

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        # A text input from its rendering kept per process (credit_portal.field_rendering).
        if request is None:
            kept = field_rendering.render_input(template_name, context, super().render)
            if kept is not None:
                return kept
        return super().render(template_name, context, request)


@functools.lru_cache(maxsize=1)
def _renderer_engine() -> Any:
    # Forms instantiate their renderer each time; the engine (and its template cache)
    # is built once per process.
    return DjangoTemplates(
        {
            "APP_DIRS": True,
            "DIRS": [Path(settings.BASE_DIR) / "templates", Path(django.forms.__file__).parent / "templates"],
            "NAME": "portalforms",
            "OPTIONS": {},
        }
    )


class GovukFormMixin:
    """Makes a Django form render GOV.UK-style through the shared field template.

    - fields render through templates/components/field.html (label, hint, error, input);
    - no `required` attributes: pages use `novalidate` and the server's messages, never
      the browser's pop-ups (DESIGN §10);
    - no label suffix (GOV.UK labels have no colon);
    - every error message names its field (credit_portal.form_messages): no Django
      default message reaches a page.
    """

    default_renderer = PortalFormRenderer
    use_required_attribute = False
    # How error messages name a field whose label is a question (form_messages).
    error_names: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        # Subclasses that set up fields in their own __init__ (choices, querysets) keep the
        # same field objects, so naming the messages here covers them too.
        name_field_errors(self)  # type: ignore[arg-type]

    def error_list(self) -> list[tuple[str, str]]:
        """(anchor id, message) pairs for the error summary, in field order.

        Errors not tied to a field link to the first field, as GOV.UK advises.
        """
        form: forms.BaseForm = self  # type: ignore[assignment]
        items: list[tuple[str, str]] = []
        fields = [form[name] for name in form.fields]
        first_anchor = field_anchor(fields[0]) if fields else ""
        for message in form.non_field_errors():
            items.append((first_anchor, str(message)))
        for bound in fields:
            for message in bound.errors:
                items.append((field_anchor(bound), str(message)))
        return items


MULTI_INPUT_TYPES = {"radioselect", "checkboxselectmultiple", "date"}


def field_anchor(bound: forms.BoundField) -> str:
    """The id the error summary links to: the first input of a group, else the input."""
    if bound.widget_type in MULTI_INPUT_TYPES:
        return f"{bound.auto_id}_0"
    return bound.auto_id or bound.html_name


class DateInput(forms.MultiWidget):
    """Three text boxes, 年 / 月 / 日 (DESIGN §10: dates are entered as separate fields).

    Numeric keyboards on phones (`inputmode="numeric"`), no `type=number` (which drops
    leading zeros and full-width digits). Rendered by templates/components/field.html.
    """

    parts = ("year", "month", "day")

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = {
            part: forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}) for part in self.parts
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, datetime.date):
            return [value.year, value.month, value.day]
        return [None, None, None]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        return [data.get(f"{name}_{part}", "") or "" for part in self.parts]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return all(f"{name}_{part}" not in data for part in self.parts)


class DateField(forms.Field):
    """A date typed as year, month and day; accepts full-width digits (１２３).

    Errors follow the GOV.UK date pattern: say which part is missing, and say when the
    date does not exist (2月30日) rather than "invalid".
    """

    widget = DateInput
    default_error_messages = {
        "required": _("Enter a date"),
        "incomplete": _("The date must include a %(parts)s"),
        "not_numbers": _("The date must be in numbers, for example 2024 3 18"),
        "year_digits": _("The year must be 4 digits, for example 2024"),
        "invalid": _("The date must be a real date"),
        "before": _("The date must be on or after %(date)s"),
        "after": _("The date must be on or before %(date)s"),
    }
    part_names = {
        "year": pgettext_lazy("part of a date", "year"),
        "month": pgettext_lazy("part of a date", "month"),
        "day": pgettext_lazy("part of a date", "day"),
    }

    def __init__(
        self, *, min_date: datetime.date | None = None, max_date: datetime.date | None = None, **kwargs: Any
    ) -> None:
        self.min_date = min_date
        self.max_date = max_date
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime.date | None:
        if isinstance(value, datetime.date):
            return value
        if not value:
            return None
        parts = [normalize_digits(str(part or "")) for part in value]
        if not any(parts):
            return None
        missing = [self.part_names[name] for name, part in zip(DateInput.parts, parts, strict=True) if not part]
        if missing:
            # Joined with the language's list separator through the translation ("year and day").
            raise ValidationError(
                self.error_messages["incomplete"], code="incomplete", params={"parts": _join(missing)}
            )
        if not all(re.fullmatch(r"\d+", part) for part in parts):
            raise ValidationError(self.error_messages["not_numbers"], code="not_numbers")
        if len(parts[0]) != 4:
            raise ValidationError(self.error_messages["year_digits"], code="year_digits")
        try:
            return datetime.date(int(parts[0]), int(parts[1]), int(parts[2]))
        except (ValueError, OverflowError):  # 99999999999999999999 overflows a C int
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value: datetime.date | None) -> None:
        super().validate(value)
        if value is None:
            return
        if self.min_date and value < self.min_date:
            raise ValidationError(self.error_messages["before"], code="before", params={"date": self.min_date})
        if self.max_date and value > self.max_date:
            raise ValidationError(self.error_messages["after"], code="after", params={"date": self.max_date})

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != initial
        except ValidationError:
            return True


def _join(names: list[Any]) -> str:
    if len(names) == 1:
        return str(names[0])
    return str(_("%(first)s and %(last)s") % {"first": ", ".join(str(n) for n in names[:-1]), "last": names[-1]})


class LoginForm(GovukFormMixin, AuthenticationForm):
    """Django's log-in form, rendered GOV.UK-style (django-axes counts the failures).

    One box for everyone: staff type their user name, citizens the mobile number they
    registered with (found through its blind index, never stored in clear)."""

    # Django's wording ("请输入一个正确的 用户名 和密码。注意他们都是区分大小写的。") has
    # stray spaces and tells nobody what to do next.
    error_messages = {
        "invalid_login": _("The user name or password is not right. Check both and try again (capital letters matter)"),
        "inactive": _("This account is switched off. Ask the administrator of your department or the credit office"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # No autofocus: after a failed attempt the error summary must get the focus.
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["username"].label = _("Mobile phone number or user name")
        self.fields["username"].help_text = _(
            "Citizens: the mobile phone number you registered with. Staff and institutions: your user name."
        )
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})
        self.fields["username"].error_messages["required"] = _("Enter your mobile phone number or user name")
        self.fields["password"].error_messages["required"] = _("Enter your password")

    def clean_username(self) -> str:
        # NUL and other control characters cannot be in any user name; refusing them here
        # keeps them away from the database (PostgreSQL refuses NUL in text).
        value = self.cleaned_data.get("username") or ""
        return "".join(ch for ch in value if ch >= " ")


class PasswordChangeForm(GovukFormMixin, DjangoPasswordChangeForm):
    """Django's password change form (old password, new one twice), GOV.UK-style."""

    error_messages = {
        **DjangoPasswordChangeForm.error_messages,
        "password_incorrect": _("Your current password is not right. Enter it again."),
        "password_mismatch": _("The two passwords are not the same."),
    }

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        if user is None:
            # Only for introspection (the form-message tests): an account without a
            # usable password, so every old password is refused.
            from django.contrib.auth import get_user_model

            user = get_user_model()()
        super().__init__(user, *args, **kwargs)
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
        self.fields["old_password"].label = _("Current password")
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password1"].help_text = _("At least 10 characters, not only digits.")
        self.fields["new_password2"].label = _("Type the new password again")
        self.fields["old_password"].error_messages["required"] = _("Enter your current password")
        self.fields["new_password1"].error_messages["required"] = _("Enter a new password")
        self.fields["new_password2"].error_messages["required"] = _("Type the new password again")
        for name in ("old_password", "new_password1", "new_password2"):
            self.fields[name].max_length = 128
            self.fields[name].validators.append(MaxLengthValidator(128))
