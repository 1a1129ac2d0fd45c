"""The person's findings page says how long reports show each finding, and when a
warning or serious one will be deleted (《征信业管理条例》 art. 16)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from archives import services
from archives.models import AnnualFinding
from tests.archives.conftest import pdf

pytestmark = pytest.mark.django_db


def test_the_person_is_told_how_long_each_finding_is_shown_and_kept(client, disc) -> None:
    w = disc.world
    with time_machine.travel(timezone.make_aware(datetime.combine(date(2026, 3, 10), time(10))), tick=False):
        for year, status in ((2025, "serious"), (2022, "trustworthy")):
            draft = services.draft_finding(w.archive, year=year, status=status, basis="经查实", by=w.edu_clerk)
            if status != "trustworthy":
                services.attach_evidence(pdf(), by=w.edu_clerk, finding=draft)
            services.sign_finding(draft, by=w.edu_reviewer)
    client.force_login(disc.citizen)
    with time_machine.travel(timezone.make_aware(datetime.combine(date(2026, 12, 2), time(10))), tick=False):
        page = client.get(reverse("disclosure:my_findings")).content.decode()
    assert "展示至 2028-12-31" in page  # 2025 serious: 36 months from its year's last day
    assert "保存至 2030-12-31，期满删除" in page
    # 2022 守信, signed in 2026: counted from 2022's last day, shown through 2025.
    assert "已不再展示" in page
    assert page.count("期满删除") == 1  # 守信 is not negative information
    assert AnnualFinding.objects.count() == 2
