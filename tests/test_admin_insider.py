"""Tried as an insider holding one admin account, a superuser's included: rows whose end
the services write with an audit entry cannot be deleted in the admin, and a
department's code (which names its group of archive shares) cannot be renamed."""

from __future__ import annotations

import pytest

from archives.listing.models import Listing
from departments.models import Department
from tests import factories as f
from tests.archives.conftest import publish_negative
from tests.archives.conftest import world as world  # noqa: F401 - fixture re-export
from tests.listing.factories import make_listing

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):  # noqa: ANN001, ANN201
    client.force_login(f.make_user("root", is_staff=True, is_superuser=True))
    return client


def test_a_listing_cannot_be_deleted_in_the_admin(root, world) -> None:
    listing = make_listing(publish_negative(world, severity="serious"), by=world.edu_clerk)
    assert root.post(f"/admin/listing/listing/{listing.pk}/delete/", {"post": "yes"}).status_code == 403
    page = root.get("/admin/listing/listing/").content.decode()
    assert "delete_selected" not in page
    assert Listing.objects.filter(pk=listing.pk).exists()


def test_a_departments_code_is_fixed_once_created(root) -> None:
    education = Department.objects.get(code="education")
    page = root.get(f"/admin/departments/department/{education.pk}/change/").content.decode()
    assert 'name="code"' not in page
    assert 'name="code"' in root.get("/admin/departments/department/add/").content.decode()
