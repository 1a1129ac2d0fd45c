"""Every page form's error messages: written for the field, in Chinese, never Django's defaults.

The forms are found by introspection (every form class in the project's apps), so a new
form is checked without being listed here. Each is bound to several kinds of bad input
(nothing, 100,000 characters, words where numbers belong, numbers out of range, choices
that do not exist, half and impossible dates) and its error summary is rendered with the
shared components. Each line must:
- not be one of Django's default messages (the translated wording, parameters as wildcards);
- be Chinese: CJK text and no English word but the few allowed names (PNG, JPEG, PDF);
- be different from every other line of the same summary (two bad dates once gave two
  identical lines that named no field);
- link to an element that is on the page.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import engines
from django.utils import translation

from archives.models import CreditRecord
from credit_portal import form_messages
from credit_portal.forms import DateField, GovukFormMixin
from departments.models import Department, Occupation, RecordCategory

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("credit_portal", "departments", "archives", "disclosure", "repair", "exchange")
ALLOWED_LATIN = {"PNG", "JPEG", "PDF", "X", "xlsx", "Excel"}  # file types, the ID check letter
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _import_form_modules() -> None:
    """Import every module of the apps that may define a form (forms, views, otp, any depth)."""
    for app in PROJECT_APPS:
        package = importlib.import_module(apps.get_app_config(app).name)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
            if module.name.rsplit(".", 1)[-1] in ("forms", "otp", "views") and ".migrations" not in module.name:
                importlib.import_module(module.name)


def _subclasses(klass: type) -> set[type]:
    found: set[type] = set()
    for sub in klass.__subclasses__():
        found.add(sub)
        found |= _subclasses(sub)
    return found


def _project_forms() -> list[type[forms.BaseForm]]:
    _import_form_modules()
    return sorted(
        (
            klass for klass in _subclasses(forms.BaseForm)
            if klass.__module__.split(".")[0] in PROJECT_APPS
            and "admin" not in klass.__module__  # Django's admin: its own forms and messages
            and not klass.__module__.startswith("tests")
        ),
        key=lambda klass: f"{klass.__module__}.{klass.__qualname__}",
    )


def _page_forms() -> list[type[forms.BaseForm]]:
    return [klass for klass in _project_forms() if issubclass(klass, GovukFormMixin)]


def test_the_introspection_finds_the_forms_of_every_app() -> None:
    modules = {klass.__module__.split(".")[0] for klass in _page_forms()}
    assert {"credit_portal", "departments", "archives", "disclosure", "repair"} <= modules
    assert len(_page_forms()) >= 30


def test_every_form_of_the_apps_renders_through_the_shared_mechanism() -> None:
    """A form class is either a page form (GovukFormMixin) or a mixin some page form is built from."""
    page_forms = _page_forms()
    strays = [
        f"{klass.__module__}.{klass.__qualname__}" for klass in _project_forms()
        if klass not in page_forms and not any(issubclass(page_form, klass) for page_form in page_forms)
    ]
    assert not strays, f"forms that bypass GovukFormMixin (its error messages and rendering): {strays}"


# --- binding each form to bad input --------------------------------------------------------


def _constructor_kwargs(klass: type[forms.BaseForm]) -> dict[str, Any]:
    """Values for the keyword arguments page forms take besides the data."""
    factories = {
        "case": lambda: _demo_case(klass),
        "departments": lambda: Department.objects.filter(pk__in=Department.objects.values("pk")[:3]),
        "department_ids": lambda: frozenset(Department.objects.values_list("id", flat=True)[:3]),
        "categories": lambda: RecordCategory.objects.filter(pk__in=RecordCategory.objects.values("pk")[:5]),
        # The listing proposal's basis records (archives.listing), from the demo data.
        "candidates": lambda: CreditRecord.objects.filter(
            pk__in=CreditRecord.objects.filter(pk=_demo_case(forms.Form).record_id).values("pk")
        ),
        "occupations": lambda: Occupation.objects.filter(pk__in=Occupation.objects.values("pk")[:5]),
        "officers": lambda: get_user_model().objects.all(),
        # A unit's responsible persons (archives.units), from the demo data; none ticked.
        "people": lambda: _demo_unit_people(),
        "default": lambda: [],
        "request": lambda: None,
        "user": lambda: get_user_model().objects.get_or_create(username="form-messages")[0],
    }
    kwargs: dict[str, Any] = {}
    for klass_in_mro in klass.__mro__:
        init = vars(klass_in_mro).get("__init__")
        if init is None:
            continue
        for name, parameter in inspect.signature(init).parameters.items():
            if parameter.kind is not inspect.Parameter.KEYWORD_ONLY or name in kwargs:
                continue
            if parameter.default is inspect.Parameter.empty:
                assert name in factories, f"{klass.__qualname__} needs `{name}`: add a factory to this test"
                kwargs[name] = factories[name]()
    return kwargs


def _demo_unit_people() -> list[Any]:
    from archives.units.models import Unit
    from archives.units.selectors import people_of

    _demo_case(forms.Form)  # loads the demo data, which registers a unit with three persons
    unit = Unit.objects.first()
    assert unit is not None, "the demo data should register a unit"
    return people_of(unit)


def _demo_case(klass: type[forms.BaseForm]) -> Any:
    """An objection or repair application from the demo data, whichever the form takes."""
    from repair.models import Objection, RepairApplication

    if not Objection.objects.exists():
        from io import StringIO

        from django.core.management import call_command

        call_command("load_demo_data", stdout=StringIO())
    parameter = inspect.signature(klass.__init__).parameters.get("case")
    annotation = str(parameter.annotation) if parameter is not None else ""
    model = RepairApplication if "RepairApplication" in annotation else Objection
    return model.objects.select_related("record__archive").first()


def _bad_inputs(form: forms.BaseForm) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(data, files) pairs, each one kind of mistake in every field at once."""
    long_text: dict[str, Any] = {}
    words: dict[str, Any] = {}
    low: dict[str, Any] = {}
    high: dict[str, Any] = {}
    files: dict[str, Any] = {}
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if isinstance(field, DateField):
            long_text.update({f"{key}_year": "2026", f"{key}_month": "", f"{key}_day": ""})
            words.update({f"{key}_year": "二〇二六", f"{key}_month": "x", f"{key}_day": "1"})
            low.update({f"{key}_year": "26", f"{key}_month": "1", f"{key}_day": "1"})
            high.update({f"{key}_year": "2026", f"{key}_month": "2", f"{key}_day": "30"})
        elif isinstance(field, forms.FileField):
            files[key] = SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf")
        elif isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            for data in (long_text, words, low, high):
                data[key] = ["no-such-choice"]
        elif isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
            for data in (long_text, words, low, high):
                data[key] = "no-such-choice"
        elif isinstance(field, forms.BooleanField):
            continue  # an unticked box is the "required" case of the empty form
        else:
            long_text[key] = "x" * 100_000
            words[key] = "twelve"
            low[key] = "-99999"
            high[key] = "99999999999"
    return [({}, {}), (long_text, {}), (words, files), (low, {}), (high, {})]


def _django_default_patterns() -> list[re.Pattern[str]]:
    messages = [str(message) for message in form_messages.django_default_messages()]
    for klass in _subclasses(forms.BaseForm):
        if klass.__module__.startswith("django."):
            messages.extend(str(message) for message in vars(klass).get("error_messages", {}).values())
    patterns = []
    for message in set(messages):
        # Django's own wordings, with their parameters as wildcards ("确保该值大于或等于.*").
        parts = re.split(r"%\((\w+)\)[sd]|%[sd]", message)
        pattern = ".*".join(re.escape(part) for part in parts[::2])
        patterns.append(re.compile(rf"^{pattern}$"))
    return patterns


SUMMARY = engines["django"].from_string(
    "{% load portal %}{% error_summary form %}{% for bound in form %}{% field bound %}{% endfor %}"
)


def _summary_problems(form: forms.BaseForm, defaults: list[re.Pattern[str]]) -> list[str]:
    problems = []
    lines = form.error_list()  # type: ignore[attr-defined]
    html = SUMMARY.render({"form": form})
    seen: dict[str, str] = {}
    for anchor, message in lines:
        where = f"{type(form).__qualname__} [{anchor}] {message!r}"
        if any(pattern.match(message) for pattern in defaults):
            problems.append(f"{where}: Django's default message")
        if not CJK.search(message) or set(LATIN_WORD.findall(message)) - ALLOWED_LATIN:
            problems.append(f"{where}: not (only) Chinese")
        if message in seen and seen[message] != anchor:
            problems.append(f"{where}: the same line as for [{seen[message]}]: it does not name its field")
        seen[message] = anchor
        if f'id="{anchor}"' not in html:
            problems.append(f"{where}: the summary links to an element that is not on the page")
    return problems


def test_every_error_of_every_page_form_is_written_for_its_field_in_chinese() -> None:
    defaults = _django_default_patterns()
    problems: list[str] = []
    checked = 0
    with translation.override("zh-hans"):
        for klass in _page_forms():
            kwargs = _constructor_kwargs(klass)
            for data, files in _bad_inputs(klass(**kwargs)):
                form = klass(data, files, **kwargs)
                form.is_valid()
                checked += len(form.error_list())  # type: ignore[attr-defined]
                problems.extend(_summary_problems(form, defaults))
    assert checked > 200, "the bad inputs should have produced many errors"
    assert not problems, "\n".join(sorted(set(problems)))


def test_the_issue_examples_now_name_their_fields() -> None:
    from archives.forms import FindingForm, RecordForm

    with translation.override("zh-hans"):
        finding = FindingForm({"year": "1900", "status": "", "basis": ""})
        record = RecordForm(
            {"title": "x" * 100_000, "occurred_on_year": "2026", "decided_on_year": "26", "decided_on_month": "1",
             "decided_on_day": "1"},
            categories=[],
        )
        assert not finding.is_valid()
        assert not record.is_valid()
        year = finding.errors["year"][0]
        title = record.errors["title"][0]
        occurred = record.errors["occurred_on"][0]
        decided = record.errors["decided_on"][0]
    assert "1990" in year
    assert "确保" not in year
    assert title.startswith("标题")
    assert "200" in title
    assert "100000" in title
    assert occurred != decided
    assert occurred.startswith("行为发生日期")
    assert decided.startswith("决定日期")


def test_a_message_written_by_the_form_is_kept() -> None:
    class Form(GovukFormMixin, forms.Form):
        name = forms.CharField(label="Name", error_messages={"required": "Enter the person's name"})
        other = forms.CharField(label="Other", max_length=3)

    with translation.override("en"):
        form = Form({"other": "abcd"})
        assert not form.is_valid()
        assert form.errors["name"] == ["Enter the person's name"]
        assert form.errors["other"] == ["Other must be 3 characters or fewer (you have entered 4)"]


def test_a_plain_django_form_still_has_django_messages() -> None:
    """The replacement is per form instance, for page forms only (the admin keeps Django's)."""

    class Form(forms.Form):
        name = forms.CharField(label="Name")

    with translation.override("en"):
        form = Form({})
        form.is_valid()
        assert form.errors["name"] == ["This field is required."]



def test_a_failed_sign_in_is_explained_without_django_wording() -> None:
    from django.test import RequestFactory

    from credit_portal.forms import LoginForm
    from tests.factories import make_user

    make_user("clerk-messages")
    request = RequestFactory().post("/accounts/login/")
    with translation.override("zh-hans"):
        form = LoginForm(request, {"username": "clerk-messages", "password": "wrong password"})
        assert not form.is_valid()
        lines = form.error_list()
    assert lines == [("id_username", "用户名或密码不正确，请检查后重试（区分大小写）")]
    assert not any(pattern.match(lines[0][1]) for pattern in _django_default_patterns())


def test_text_fields_with_a_max_length_show_a_character_count() -> None:
    from credit_portal.forms import LoginForm
    from repair.forms import StatementForm

    class Form(GovukFormMixin, forms.Form):
        title = forms.CharField(label="标题", max_length=200)
        code = forms.CharField(label="验证码", max_length=10)
        notes = forms.CharField(label="备注", widget=forms.Textarea)

    with translation.override("zh-hans"):
        html = engines["django"].from_string("{% load portal %}{{ form }}").render({"form": Form()})
        statement = engines["django"].from_string("{% load portal %}{{ form }}").render(
            {"form": StatementForm({"text": "字" * 2001})}
        )
    with translation.override("zh-hans"):
        login = engines["django"].from_string("{% load portal %}{{ form }}").render({"form": LoginForm()})
    assert "govuk-character-count" not in login, "a user name (150 characters allowed) is not composed: no count"
    # The long text input counts down; the short code and the unlimited textarea do not.
    assert html.count('data-module="govuk-character-count"') == 1
    assert 'data-maxlength="200"' in html
    assert 'aria-describedby="id_title-info"' in html
    assert '<div id="id_title-info" class="govuk-hint govuk-character-count__message">最多可输入200个字</div>' in html
    assert 'data-i18n.characters-over-limit.other="超出%{count}个字"' in html
    assert 'maxlength="10"' in html
    assert " maxlength=\"200\"" not in html, "no maxlength attribute: pasted text must not be cut off silently"
    # A textarea with a limit counts too, and its error names the field.
    assert 'data-maxlength="2000"' in statement
    assert "govuk-js-character-count" in statement
    assert "您的个人声明不能超过2000个字（现在是2001个字）" in statement

