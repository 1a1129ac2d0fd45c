"""The foundation's pages without a browser: language, log-in, elderly mode, error pages."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from credit_portal.context_processors import ELDERLY_COOKIE
from credit_portal.forms import DateField, GovukFormMixin
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _title(response) -> str:
    html = response.content.decode()
    return html[html.index("<title>") + 7 : html.index("</title>")]


def test_home_is_in_chinese_by_default(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert _title(response) == "首页 – 信用档案门户"
    assert "重点职业人群目录" in html
    assert 'href="/catalogue/"' in html
    assert 'href="/accounts/login/"' in html


def test_home_is_in_english_when_chosen(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    response = client.get("/")
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert _title(response) == "Home – Credit archive portal"
    assert "What you can do here" in html


def test_home_links_only_to_pages_that_exist_for_an_anonymous_user(client: Client) -> None:
    html = client.get("/").content.decode()
    assert "/catalogue/coverage/" not in html
    assert "/admin/" not in html
    assert "退出登录" not in html


def test_signed_in_user_sees_sign_out_not_sign_in(client: Client) -> None:
    client.force_login(make_user("citizen-pages"))
    html = client.get("/").content.decode()
    assert "退出登录" in html
    assert 'href="/accounts/login/"' not in html


def test_login_page_in_chinese_and_english(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert _title(response) == "登录 – 信用档案门户"
    assert "novalidate" in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert _title(client.get("/accounts/login/")) == "Sign in – Credit archive portal"


def test_failed_login_shows_error_summary_and_error_title(client: Client) -> None:
    make_user("clerk-pages")
    response = client.post("/accounts/login/", {"username": "clerk-pages", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert _title(response) == "错误：登录 – 信用档案门户"
    assert 'class="govuk-error-summary"' in html
    assert 'href="#id_username"' in html
    assert 'value="clerk-pages"' in html  # what was typed is kept
    assert "wrong" not in html  # never the password


def test_empty_login_names_each_missing_field(client: Client) -> None:
    html = client.post("/accounts/login/", {"username": "", "password": ""}).content.decode()
    assert "<a href=\"#id_username\">请输入手机号码或用户名</a>" in html
    assert '<a href="#id_password">请输入密码</a>' in html
    assert 'id="id_password-error"' in html
    assert "govuk-input--error" in html


def test_login_locks_out_after_the_failure_limit(client: Client, settings) -> None:
    make_user("locked-pages")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "locked-pages", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "locked-pages", "password": "test-password-123"})
    assert response.status_code == 429 or response.status_code == 403
    assert "账户已锁定" in response.content.decode()


def test_logout_view_shows_the_signed_out_page(rf) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    from credit_portal.views import LogoutView

    request = rf.post("/accounts/logout/")
    request._dont_enforce_csrf_checks = True
    request.session = SessionStore()
    request.user = make_user("leaving-pages")
    response = LogoutView.as_view()(request)
    response.render()
    assert response.status_code == 200
    assert "您已退出登录" in response.content.decode()
    assert isinstance(request.user, AnonymousUser)


def test_logout_through_the_url_ends_the_session(client: Client) -> None:
    client.force_login(make_user("leaving-url"))
    response = client.post(reverse("logout"))
    assert response.status_code in {200, 302}
    assert "_auth_user_id" not in client.session


def test_not_found_page_has_no_technical_details(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert _title(response) == "页面不存在 – 信用档案门户"
    assert "Traceback" not in html
    assert "Request Method" not in html


def test_elderly_toggle_sets_and_clears_the_cookie(client: Client) -> None:
    response = client.post("/elderly-mode/", {"enable": "1", "next": "/catalogue/"})
    assert response.status_code == 302
    assert response["Location"] == "/catalogue/"
    cookie = response.cookies[ELDERLY_COOKIE]
    assert cookie.value == "1"
    assert int(cookie["max-age"]) >= 300 * 24 * 3600
    assert cookie["httponly"]
    html = client.get("/").content.decode()
    assert 'class="govuk-template__body portal-elderly"' in html
    assert "标准版" in html
    response = client.post("/elderly-mode/", {"enable": "0", "next": "/"})
    assert response.cookies[ELDERLY_COOKIE].value == ""
    assert "portal-elderly" not in client.get("/").content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil.example"])
def test_elderly_toggle_rejects_off_site_next(client: Client, target: str) -> None:
    response = client.post("/elderly-mode/", {"enable": "1", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_elderly_toggle_refuses_get(client: Client) -> None:
    assert client.get("/elderly-mode/?enable=1").status_code == 405


def _date_form(data: dict[str, str] | None = None, **field_kwargs):
    from django import forms

    class BirthForm(GovukFormMixin, forms.Form):
        birth_date = DateField(label="出生日期", **field_kwargs)

    return BirthForm(data=data)


@pytest.mark.parametrize(
    ("year", "month", "day", "expected"),
    [
        ("2024", "3", "18", datetime.date(2024, 3, 18)),
        ("２０２４", "０３", "１８", datetime.date(2024, 3, 18)),
        (" 2024 ", "\u30003\u3000", "08", datetime.date(2024, 3, 8)),
        ("2024", "2", "29", datetime.date(2024, 2, 29)),
    ],
)
def test_date_field_accepts_ascii_and_full_width_digits(year: str, month: str, day: str, expected) -> None:
    form = _date_form({"birth_date_year": year, "birth_date_month": month, "birth_date_day": day})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_date"] == expected


@pytest.mark.parametrize(
    ("year", "month", "day", "message"),
    [
        ("", "", "", "请输入出生日期"),
        ("2023", "2", "30", "出生日期必须是真实存在的日期"),
        ("2023", "13", "1", "出生日期必须是真实存在的日期"),
        ("2024", "", "", "出生日期必须包含月和日"),
        ("", "3", "", "出生日期必须包含年和日"),
        ("24", "3", "1", "出生日期的年份必须是4位数字，例如2024"),
        ("二〇二四", "3", "1", "出生日期必须是数字，例如2024年3月18日填写为2024、3、18"),
        ("2024", "3.5", "1", "出生日期必须是数字，例如2024年3月18日填写为2024、3、18"),
    ],
)
def test_date_field_explains_what_is_wrong(year: str, month: str, day: str, message: str) -> None:
    form = _date_form({"birth_date_year": year, "birth_date_month": month, "birth_date_day": day})
    assert not form.is_valid()
    assert form.errors["birth_date"] == [message]


def test_date_field_limits() -> None:
    form = _date_form(
        {"birth_date_year": "2030", "birth_date_month": "1", "birth_date_day": "1"},
        max_date=datetime.date(2026, 1, 1),
    )
    assert not form.is_valid()
    assert form.errors["birth_date"] == ["出生日期不能晚于2026-01-01"]


def test_optional_date_field_may_be_left_empty() -> None:
    form = _date_form({"birth_date_year": "", "birth_date_month": "", "birth_date_day": ""}, required=False)
    assert form.is_valid()
    assert form.cleaned_data["birth_date"] is None


def test_date_group_renders_three_labelled_inputs_and_keeps_what_was_typed() -> None:
    from django.template import Context, Template

    form = _date_form({"birth_date_year": "２０２３", "birth_date_month": "2", "birth_date_day": "30"})
    form.is_valid()
    html = Template("{% load portal %}{% error_summary form %}{% field form.birth_date %}").render(Context({"form": form}))
    assert '<a href="#id_birth_date_0">出生日期必须是真实存在的日期</a>' in html
    assert 'role="group"' in html
    assert "<legend" in html
    assert 'id="id_birth_date_0" name="birth_date_year"' in html
    assert 'value="２０２３"' in html
    for label in ("年", "月", "日"):
        assert f">{label}</label>" in html
    assert html.count("govuk-input--error") == 3
    assert 'aria-describedby="id_birth_date-error"' in html


def test_every_field_kind_renders_govuk_markup() -> None:
    from django import forms
    from django.template import Context, Template

    class AllKinds(GovukFormMixin, forms.Form):
        name = forms.CharField(label="姓名", help_text="与身份证一致")
        kind = forms.ChoiceField(label="类型", choices=[("a", "甲"), ("b", "乙")])
        answer = forms.ChoiceField(label="是否", choices=[("y", "是"), ("n", "否")], widget=forms.RadioSelect)
        options = forms.MultipleChoiceField(label="选项", choices=[("x", "X"), ("y", "Y")], widget=forms.CheckboxSelectMultiple)
        note = forms.CharField(label="备注", widget=forms.Textarea)
        upload = forms.FileField(label="文件")
        agree = forms.BooleanField(label="我同意")

    form = AllKinds(data={})
    form.is_valid()
    html = Template("{% load portal %}{{ form }}").render(Context({"form": form}))
    assert 'class="govuk-input govuk-input--error"' in html
    assert 'aria-describedby="id_name-hint id_name-error"' in html
    assert 'class="govuk-select govuk-select--error"' in html
    assert 'class="govuk-radios__input" id="id_answer_0"' in html
    assert 'class="govuk-checkboxes__input" id="id_options_0"' in html
    assert 'class="govuk-textarea govuk-textarea--error"' in html
    assert "govuk-file-upload" in html
    assert 'id="id_agree"' in html
    assert html.count('class="govuk-error-message"') == 7
    assert " required" not in html  # no browser-native validation


def _render(source: str, **context) -> str:
    from django.template import Context, Template

    return Template("{% load i18n portal %}" + source).render(Context(context))


def test_negative_inset_says_it_in_words_not_only_in_red() -> None:
    html = _render('{% include "components/negative_inset.html" with heading="行政处罚" text="罚款" %}')
    assert "portal-inset--negative" in html
    assert '<strong class="govuk-tag govuk-tag--red portal-inset__tag">负面记录</strong>' in html
    assert "行政处罚" in html
    assert "罚款" in html


def test_summary_list_change_links_name_what_they_change() -> None:
    rows = [{"key": "姓名", "value": "<b>张三</b>", "change_url": "/change/name/"}, {"key": "性别", "value": "男"}]
    html = _render('{% include "components/summary_list.html" with rows=rows %}', rows=rows)
    assert "&lt;b&gt;张三&lt;/b&gt;" in html  # values are escaped
    assert '<a class="govuk-link" href="/change/name/">修改<span class="govuk-visually-hidden"> 姓名</span></a>' in html
    assert "govuk-summary-list__row--no-actions" in html


def test_confirmation_panel_and_banners() -> None:
    html = _render('{% include "components/confirmation_panel.html" with title="申请已提交" reference="YY-2026-0001" %}')
    assert '<h1 class="govuk-panel__title">申请已提交</h1>' in html
    assert "您的编号" in html
    assert "YY-2026-0001" in html
    html = _render('{% include "components/notification_banner.html" with message="已保存" success=True %}')
    assert 'role="alert"' in html
    assert "成功" in html
    assert "govuk-notification-banner--success" in html


def test_pagination_keeps_the_filters(rf) -> None:
    from django.core.paginator import Paginator

    page = Paginator(list(range(100)), 10).get_page(5)
    request = rf.get("/list/", {"q": "张", "page": "5"})
    html = _render('{% include "components/pagination.html" with page=page %}', page=page, request=request)
    assert 'aria-current="page"' in html
    assert "q=%E5%BC%A0&amp;page=4" in html
    assert 'rel="next"' in html
    assert "…" in html or "&ctdot;" in html


def test_error_prefix_only_when_a_form_has_errors() -> None:
    form = _date_form({"birth_date_year": "2024", "birth_date_month": "2", "birth_date_day": "30"})
    assert _render("{% error_prefix form %}", form=form) == "错误："
    valid = _date_form({"birth_date_year": "2024", "birth_date_month": "2", "birth_date_day": "29"})
    assert _render("{% error_prefix form %}", form=valid) == ""
    assert _render("{% error_prefix form %}") == ""


def test_server_error_page_stands_alone_without_details(rf) -> None:
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "抱歉，服务出现问题" in html
    assert "Traceback" not in html
    assert "<form" not in html


def test_keep_alive_renews_a_signed_in_session_and_refuses_others(client) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_user

    assert client.post("/session/keep-alive/").status_code == 403
    assert client.get("/session/keep-alive/").status_code == 405
    client.force_login(make_user("typist"))
    response = client.post("/session/keep-alive/")
    assert response.status_code == 204
    # The session cookie is sent again with a fresh idle timeout (at least 20 minutes).
    assert response.cookies["sessionid"]["max-age"] >= 20 * 60
