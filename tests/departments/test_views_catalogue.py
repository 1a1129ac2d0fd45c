"""The public catalogue page (/catalogue/)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from departments.models import Department, Occupation, OccupationCategory, OccupationDepartment, RecordCategory

pytestmark = pytest.mark.django_db

URL = "/catalogue/"


def test_catalogue_shows_groups_departments_categories_sources_and_domains(client) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "教师", "市教育局", "资质认定", "医师", "市卫健委", "收取红包", "审计人员", "市财政局", "市审计局",
        "市委组织部", "廉政记录", "18岁以上成年学生", "食品药品", "志愿服务", "水电煤气电信等消费违约",
        "赣州市信用办通知第二（四）",  # a source, cited by the document's name (not "000 §二（四）")
        "国办发〔2016〕98号",  # a legal basis
    ):
        assert text in html, text
    assert "§" not in html
    assert "《关于建立和完善重点人群信用记录加快推进个人诚信体系建设的通知》（安县信用办〔2022〕5号）" in html
    assert 'id="group-core"' in html
    assert 'id="group-local"' in html
    assert 'id="group-extended"' in html
    # Core groups come before extended ones.
    assert html.index("公务员") < html.index("寄递人员")


@override_settings(PORTAL_REGION="赣州市")
def test_heading_names_the_deployment_region(client) -> None:
    html = client.get(URL).content.decode()
    h1 = html[html.index("<h1"):html.index("</h1>")]
    assert "赣州市" in h1


@override_settings(PORTAL_LEVEL="county")
def test_department_names_carry_the_deployment_level(client) -> None:
    html = client.get(URL).content.decode()
    # Seed notes quote the seeds' own names (市教育局), so look at the department entries.
    assert "<li>县教育局 <span" in html
    assert "<li>市教育局 <span" not in html


def test_inactive_occupations_are_not_listed(client) -> None:
    Occupation.objects.filter(code="courier").update(is_active=False)
    assert "寄递人员" not in client.get(URL).content.decode()


def test_catalogue_renders_in_chinese_by_default_and_in_english_on_request(client) -> None:
    chinese = client.get(URL).content.decode()
    assert 'lang="zh-hans"' in chinese
    english = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in english
    for html in (chinese, english):
        assert "市教育局" in html
        assert "教师" in html


def test_language_chosen_through_setlang_sticks(client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": URL})
    assert 'lang="en"' in client.get(URL).content.decode()


def test_query_count_does_not_grow_with_the_catalogue(client, settings, django_assert_num_queries) -> None:
    settings.FRAGMENT_CACHE_SECONDS = 0  # the rendering itself, every request
    # occupations, their departments, their cadences, their categories, domains, categories.
    with django_assert_num_queries(6):
        assert client.get(URL).status_code == 200
    department = Department.objects.create(code="extra", name="额外局")
    category = RecordCategory.objects.get(code="basic-info")
    for n in range(10):
        occupation = Occupation.objects.create(code=f"extra-{n}", name=f"额外人群{n}", group="extended")
        OccupationDepartment.objects.create(occupation=occupation, department=department, seed="local")
        OccupationCategory.objects.create(occupation=occupation, category=category, seed="local")
    with django_assert_num_queries(6):
        html = client.get(URL).content.decode()
    assert "额外人群9" in html


def test_catalogue_url_name() -> None:
    assert reverse("departments:catalogue") == URL


def test_the_catalogue_is_rendered_once_and_again_after_any_change(
    client, settings, django_assert_num_queries, commits
) -> None:
    """The page is the same for everyone: its rendering is kept per language and catalogue
    generation (departments.catalogue_changes), so a repeated visit reads nothing, and a
    change saved through the ORM (the admin, the credit office's forms) shows at once."""
    settings.FRAGMENT_CACHE_SECONDS = 300
    assert "寄递人员" in client.get(URL).content.decode()
    with django_assert_num_queries(0):
        assert "寄递人员" in client.get(URL).content.decode()
    courier = Occupation.objects.get(code="courier")
    courier.name = "快递寄递人员"
    with commits():  # the generation advances on commit
        courier.save()
    assert "快递寄递人员" in client.get(URL).content.decode()
    with commits():
        OccupationCategory.objects.filter(occupation=courier).first().delete()
    with django_assert_num_queries(6):  # the delete advanced the generation: read again
        client.get(URL)
    # Shared by every viewer: a signed-in one reads nothing either.
    from tests import factories as f

    client.force_login(f.make_user("catalogue_reader"))
    client.get("/")  # the first request of a session saves it
    with django_assert_num_queries(2):  # the session and the user, none for the catalogue
        client.get(URL)
    client.post("/i18n/setlang/", {"language": "en", "next": URL})
    english = client.get(URL).content.decode()
    assert '<html lang="en"' in english
    assert "Key domains" in english  # the English rendering, not the kept Chinese one
