"""The catalogue in the admin: every page the credit office uses opens and searches."""

from __future__ import annotations

import pytest

from departments.models import Occupation
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(f.make_user("catalogue_admin", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "model", ["department", "domain", "recordcategory", "occupation", "occupationdepartment", "occupationcategory",
              "coverageentry", "membership"],
)
def test_changelists_open_and_search(admin_client, model: str) -> None:
    assert admin_client.get(f"/admin/departments/{model}/").status_code == 200
    assert admin_client.get(f"/admin/departments/{model}/", {"q": "教"}).status_code == 200


def test_occupation_page_shows_its_mappings_with_their_seeds(admin_client) -> None:
    auditor = Occupation.objects.get(code="auditor")
    html = admin_client.get(f"/admin/departments/occupation/{auditor.pk}/change/").content.decode()
    assert "000 §二（八）「市财政局、市审计局」" in html
    assert "000 §二（八）" in html


def test_occupations_filter_by_seed(admin_client) -> None:
    html = admin_client.get("/admin/departments/occupation/", {"seed": "001"}).content.decode()
    assert "家政服务从业人员" in html
    assert "寄递人员" not in html


def test_staff_without_permissions_cannot_change_the_catalogue(client) -> None:
    client.force_login(f.make_user("plain_staff", is_staff=True))
    assert client.get("/admin/departments/occupation/").status_code == 403
