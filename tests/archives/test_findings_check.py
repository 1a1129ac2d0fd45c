"""Yearly findings, checked against the audit trail: someone writing to the database
cannot put an older serious finding back in place of the trustworthy one signed after
it, delete the newer one, unsign one, or change what one says, unseen
(archives.findings_check, run by manage.py verify_tables). Every such change leaves
every seal matching but the first, which is why the trail decides which one is current."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from archives import services
from archives.models import AnnualFinding, Evidence

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _verify() -> str:
    out = StringIO()
    call_command("verify_tables", stdout=out)
    return out.getvalue()


def _problems() -> str:
    with pytest.raises(CommandError) as caught:
        _verify()
    return str(caught.value)


def _sign(world, *, year: int, status: str, basis: str) -> AnnualFinding:  # noqa: ANN001
    draft = services.draft_finding(world.archive, year=year, status=status, basis=basis, by=world.edu_clerk)
    if draft.needs_evidence:
        services.attach_evidence(SimpleUploadedFile("proof.pdf", PDF, "application/pdf"), finding=draft,
                                 by=world.edu_clerk)
    return services.sign_finding(draft, by=world.edu_reviewer)


@pytest.fixture
def versions(world):  # noqa: ANN001, ANN201
    """2025: first found seriously dishonest, then (a new signed version) trustworthy."""
    serious = _sign(world, year=2025, status="serious", basis="经查实存在严重失信行为")
    trustworthy = _sign(world, year=2025, status="trustworthy", basis="复核后认定守信")
    return serious, trustworthy


def test_findings_signed_through_the_service_and_the_demo_match(versions) -> None:
    call_command("load_demo_data", stdout=StringIO())
    out = _verify()
    assert "yearly findings:" in out
    assert "Every checked table matches" in out


def test_an_older_serious_finding_put_back_as_current_is_named(versions) -> None:
    serious, trustworthy = versions
    AnnualFinding.objects.filter(pk=trustworthy.pk).update(is_current=False, state=AnnualFinding.State.SUPERSEDED)
    AnnualFinding.objects.filter(pk=serious.pk).update(is_current=True, state=AnnualFinding.State.SIGNED)
    message = _problems()
    assert f"finding {trustworthy.pk} (archive {trustworthy.archive_id}, 2025, version 2)" in message
    assert "the finding signed last is" in message
    assert f"but the current one is finding {serious.pk}" in message


def test_the_newer_finding_deleted_unsigned_or_edited_is_named(world, versions) -> None:
    serious, trustworthy = versions
    # Deleted, and the older one made current again.
    AnnualFinding.objects.filter(pk=trustworthy.pk).delete()
    AnnualFinding.objects.filter(pk=serious.pk).update(is_current=True, state=AnnualFinding.State.SIGNED)
    message = _problems()
    assert f"finding {trustworthy.pk} is missing" in message
    # Another year's signed finding turned back into a draft, and one whose words changed.
    other = _sign(world, year=2024, status="trustworthy", basis="年度考核合格")
    AnnualFinding.objects.filter(pk=other.pk).update(state=AnnualFinding.State.DRAFT)
    AnnualFinding.objects.filter(pk=serious.pk).update(basis="经查实存在严重失信行为，情节特别严重")
    message = _problems()
    assert f"finding {other.pk} (archive {other.archive_id}, 2024, version 1) was signed, yet is now draft" in message
    assert f"finding {serious.pk} (archive {serious.archive_id}, 2025, version 1) no longer matches its seal" in message


def test_evidence_swapped_under_a_signed_finding_is_named(versions) -> None:
    serious, _trustworthy = versions
    Evidence.objects.filter(finding=serious).update(digest="0" * 64)
    assert f"finding {serious.pk} (archive {serious.archive_id}, 2025, version 1) no longer matches its seal" in (
        _problems()
    )


def test_findings_signed_before_two_purges_are_still_checked(long_ago, world, settings) -> None:
    """The trail keeps its entries 184 days, the findings for years: after a purge
    nothing said which finding was signed last, and the older serious one could be put
    back unseen. The purge carries the signed findings forward (ids, digest of what a
    signature fixes) and a later purge carries that entry again."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from archives.findings_check import CARRIED
    from credit_portal.audit_anchor import purge_expired
    from credit_portal.models import AuditEntry
    from credit_portal.roles import Role
    from tests import factories as f

    serious = _sign(world, year=2025, status="serious", basis="经查实存在严重失信行为")
    trustworthy = _sign(world, year=2025, status="trustworthy", basis="复核后认定守信")
    auditor = f.make_user("the-auditor", roles=(Role.AUDITOR,), is_staff=True)
    long_ago()
    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 10)):
        assert purge_expired(by=auditor) is not None
    assert not AuditEntry.objects.filter(action="archives.finding.signed").exists()
    (first,) = AuditEntry.objects.filter(action=CARRIED)
    assert first.detail["count"] == 2
    assert "Every checked table matches" in _verify()
    assert purge_expired(by=auditor) is not None
    (second,) = AuditEntry.objects.filter(action=CARRIED)
    assert second.detail["carried_forward"] == first.uid
    assert "Every checked table matches" in _verify()

    # The older serious finding put back as the current one.
    AnnualFinding.objects.filter(pk=trustworthy.pk).update(is_current=False, state=AnnualFinding.State.SUPERSEDED)
    AnnualFinding.objects.filter(pk=serious.pk).update(is_current=True, state=AnnualFinding.State.SIGNED)
    assert f"the finding signed last is finding {trustworthy.pk}" in _problems()
    # What it says changed: its seal no longer matches.
    AnnualFinding.objects.filter(pk=serious.pk).update(basis="经查实守信")
    assert f"finding {serious.pk} (archive" in _problems()
    assert "no longer say what their purged entries recorded" not in _problems()  # the seal column is unchanged
    AnnualFinding.objects.filter(pk=serious.pk).update(seal="0" * 64)
    assert "no longer say what their purged entries recorded" in _problems()
