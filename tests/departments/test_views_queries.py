"""The coverage table costs the same number of queries for 1 row and for 50 (STYLE.md)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from departments.models import CoverageEntry, Department
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rows", [1, 50])
def test_coverage(client, rows, django_assert_num_queries):
    CoverageEntry.objects.all().delete()
    departments = list(Department.objects.order_by("id")[:rows])
    departments += [f.department(f"extra-{i}", f"部门{i}") for i in range(rows - len(departments))]
    CoverageEntry.objects.bulk_create([CoverageEntry(department=d, next_steps="建档") for d in departments])
    user = f.make_user()
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="departments", codename__in=["view_coverageentry", "change_coverageentry"]
    ))
    client.force_login(user)
    # Session and user (2), the menu's role groups (1), the session save after signing in
    # (3), the permission checks' user and group permissions (2), the reported rows with
    # their departments joined (1), and the table computed from the archives
    # (``selectors.coverage_table``: the aggregated figures, departments with their
    # entries, mappings, occupations, filings, evaluations and the rest of its look-ups:
    # 8, however many rows).
    with django_assert_num_queries(17):
        response = client.get("/catalogue/coverage/")
    assert response.content.decode().count("/edit/") == rows
