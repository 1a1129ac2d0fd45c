"""``{% field %}`` from the renderings kept per process (credit_portal.field_rendering):
the same HTML as the templates give (which is what DEBUG renders: nothing is kept), for
every kind of text input, value, label, hint, language and the error state; no value
typed is ever part of a key; a recording is reused."""

from __future__ import annotations

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation
from django.utils.safestring import mark_safe

from archives.forms import FindByIdNumberForm, FindByNameForm
from credit_portal import field_rendering
from credit_portal.forms import GovukFormMixin
from disclosure.forms import ListSearchForm


class _Inputs(GovukFormMixin, forms.Form):
    title = forms.CharField(label="标题", max_length=200, help_text="Long text: a character count.")
    email = forms.EmailField(label="Email <b>", required=False)
    number = forms.IntegerField(label=mark_safe("<i>Number</i>"), required=False)  # noqa: S308 - a test label
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    shown = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    phone = forms.CharField(required=False, max_length=20)
    note = forms.CharField(widget=forms.Textarea, required=False, max_length=500)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel", "data-x": True})


def _render(form: forms.Form, name: str, options: str = "") -> str:
    return Template("{% load portal %}{% field form." + name + " " + options + " %}").render(Context({"form": form}))


VALUES = ["", "王大明", " a&b <c> \"d\" 'e' ", "\ue000value\ue000", "0", None]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_kept_fields_are_what_the_templates_render(settings, language) -> None:
    cases = []
    for value in VALUES:
        data = None if value is None else {
            "title": value, "email": value, "number": value, "secret": value, "shown": value, "phone": value,
            "note": value, "name": value, "name-name": value, "id-id_number": value,
        }
        cases += [
            (_Inputs(data), name, options) for name in ("title", "email", "number", "secret", "shown", "phone", "note")
            for options in ("", 'input_class="govuk-input--width-10" label_class="govuk-label--m"', 'hint="另一提示"')
        ]
        cases += [(ListSearchForm(data), "name", 'input_class="govuk-input--width-10"'),
                  (FindByNameForm(data, prefix="name"), "name", ""),
                  (FindByIdNumberForm(data, prefix="id"), "id_number", 'input_class="govuk-input--width-20"')]
    with translation.override(language):
        for form, _name, _options in cases:
            if form.is_bound:
                form.is_valid()  # some with errors: those are never kept
        settings.DEBUG = True
        want = [_render(form, name, options) for form, name, options in cases]
        settings.DEBUG = False
        for _ in range(2):  # recorded, then from what was kept
            assert [_render(form, name, options) for form, name, options in cases] == want
    kinds = {key[0] for key, rendering in field_rendering._kept.items() if rendering}  # noqa: SLF001
    assert kinds == {"field", "input"}
    kept = repr(list(field_rendering._kept))  # noqa: SLF001
    assert "王大明" not in kept
    assert "a&b" not in kept


def test_a_kept_field_is_not_rendered_again(settings, monkeypatch) -> None:
    settings.DEBUG = False
    form = ListSearchForm({"name": "张三"})
    form.is_valid()
    first = _render(form, "name")
    renders = []
    from credit_portal.forms import PortalFormRenderer

    original = PortalFormRenderer.get_template
    monkeypatch.setattr(PortalFormRenderer, "get_template", lambda self, name: renders.append(name) or original(self, name))
    other = ListSearchForm({"name": "李四"})
    other.is_valid()
    second = _render(other, "name")
    assert renders == []
    assert second == first.replace("张三", "李四")
    assert 'value="李四"' in second


def test_a_field_with_errors_is_rendered_by_the_template_and_never_kept(settings) -> None:
    settings.DEBUG = False
    form = ListSearchForm({"name": ""})
    assert not form.is_valid()
    html = _render(form, "name")
    assert "govuk-error-message" in html
    assert "govuk-form-group--error" in html
    assert not any(key[0] == "field" for key in field_rendering._kept)  # noqa: SLF001


def test_nothing_is_kept_under_debug(settings) -> None:
    settings.DEBUG = True
    form = ListSearchForm({"name": "张三"})
    form.is_valid()
    _render(form, "name")
    assert field_rendering._kept == {}  # noqa: SLF001
