"""Batch yearly findings: drafted by one reviewer, signed by another; exceptions left out."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from archives import services
from archives.intake import batches
from archives.models import AnnualFinding
from tests.archives.conftest import draft_negative
from tests.intake.test_lists import make_archives

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(world):  # type: ignore[no-untyped-def]
    archives = make_archives(world, 3, employer="示范市第九中学")
    # A negative record of 2026, the year the batch is for (negative information goes
    # with its evidence).
    record = draft_negative(world, archive=archives[0], occurred_on=date(2026, 3, 2), decided_on=date(2026, 3, 20))
    services.submit_record(record, by=world.edu_clerk)
    return archives


@time_machine.travel(date(2026, 12, 28), tick=False)
def test_batch_drafts_trustworthy_findings_except_archives_with_grounds(world, unit) -> None:
    batch = batches.draft_batch(department=world.education, year=2026, employer="示范市第九中学", by=world.edu_reviewer)
    drafted = {f.archive_id for f in batch.findings.all()}
    assert drafted == {unit[1].pk, unit[2].pk}  # unit[0] has a negative record awaiting review: an exception
    assert {f.status for f in batch.findings.all()} == {AnnualFinding.Status.TRUSTWORTHY}
    with pytest.raises(PermissionDenied):
        batches.sign_batch(batch, by=world.edu_reviewer)  # the drafter
    with pytest.raises(PermissionDenied):
        batches.sign_batch(batch, by=world.edu_clerk)  # not a reviewer
    assert not AnnualFinding.objects.filter(state=AnnualFinding.State.SIGNED).exists()
    signed = batches.sign_batch(batch, by=world.edu_reviewer2)
    assert signed.state == "signed"
    assert {f.state for f in batch.findings.all()} == {AnnualFinding.State.SIGNED}
    assert all(f.seal for f in batch.findings.all())
    # A second batch for the same unit and year finds nothing left to draft.
    with pytest.raises(ValidationError, match="没有需要作出本年度守信认定"):
        batches.draft_batch(department=world.education, year=2026, employer="示范市第九中学", by=world.edu_reviewer)


def test_clerk_and_other_department_cannot_draft(world, unit) -> None:
    for user in (world.edu_clerk, world.health_reviewer):
        with pytest.raises(PermissionDenied):
            batches.draft_batch(department=world.education, year=2025, employer="示范市第九中学", by=user)
    assert not AnnualFinding.objects.exists()


@time_machine.travel(date(2026, 12, 28), tick=False)
def test_pages_and_review_queue(client, world, unit) -> None:
    client.force_login(world.edu_reviewer)
    response = client.post(reverse("archives:intake_batches"), {
        "department": world.education.pk, "year": 2026, "employer": "示范市第九中学", "occupation": ""})
    assert response.status_code == 302
    batch_url = response["Location"]
    page = client.get(batch_url).content.decode()
    assert 'action="' + batch_url + 'sign/"' not in page
    assert "列表000" in page
    single = services.draft_finding(world.archive, year=2025, status="trustworthy", basis="无失信记录", by=world.edu_clerk)
    client.force_login(world.edu_reviewer2)
    queue = client.get(reverse("archives:review_queue")).content.decode()
    assert batch_url in queue
    assert reverse("archives:finding_sign", args=[single.pk]) in queue
    assert 'action="' + batch_url + 'sign/"' in client.get(batch_url).content.decode()
    sign = client.post(batch_url + "sign/")
    assert sign.status_code == 302
    assert AnnualFinding.objects.filter(state=AnnualFinding.State.SIGNED).count() == 2
    client.force_login(world.health_reviewer)
    assert client.get(batch_url).status_code == 404
    assert client.post(batch_url + "sign/").status_code == 404
