from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from archives import services
from archives.models import AnnualFinding, Evidence
from credit_portal.exceptions import TransitionNotAllowed
from exchange.models import OutboxEvent
from tests.archives.conftest import draft_negative, negative_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png(width: int = 4, height: int = 4) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_trustworthy_finding_signed_by_another_reviewer(world):
    finding = services.draft_finding(world.archive, year=2025, status="trustworthy", basis="年度考核合格", by=world.edu_clerk)
    assert not finding.is_current
    signed = services.sign_finding(finding, by=world.edu_reviewer)
    assert signed.state == AnnualFinding.State.SIGNED
    assert signed.is_current
    assert len(signed.seal) == 64
    assert OutboxEvent.objects.filter(event_type="finding.signed").count() == 1
    with pytest.raises(TransitionNotAllowed):
        services.sign_finding(signed, by=world.edu_reviewer2)


def test_serious_finding_without_evidence_cannot_be_signed(world):
    finding = services.draft_finding(world.archive, year=2025, status="serious", basis="经查实存在严重失信行为", by=world.edu_clerk)
    with pytest.raises(ValidationError):
        services.sign_finding(finding, by=world.edu_reviewer)
    services.attach_evidence(SimpleUploadedFile("proof.pdf", PDF, "application/pdf"), finding=finding, by=world.edu_clerk)
    assert services.sign_finding(finding, by=world.edu_reviewer).state == AnnualFinding.State.SIGNED


def test_author_cannot_sign_and_other_department_cannot_sign(world):
    finding = services.draft_finding(world.archive, year=2025, status="trustworthy", basis="合格", by=world.edu_reviewer)
    with pytest.raises(PermissionDenied):
        services.sign_finding(finding, by=world.edu_reviewer)
    with pytest.raises(PermissionDenied):
        services.sign_finding(finding, by=world.health_reviewer)


def test_later_change_is_a_new_signed_version(world):
    first = services.sign_finding(
        services.draft_finding(world.archive, year=2025, status="trustworthy", basis="合格", by=world.edu_clerk),
        by=world.edu_reviewer,
    )
    second_draft = services.draft_finding(world.archive, year=2025, status="warning", basis="补充认定", by=world.edu_clerk)
    services.attach_evidence(SimpleUploadedFile("w.pdf", PDF), finding=second_draft, by=world.edu_clerk)
    second = services.sign_finding(second_draft, by=world.edu_reviewer)
    first.refresh_from_db()
    assert (first.state, first.is_current) == (AnnualFinding.State.SUPERSEDED, False)
    assert (second.version, second.is_current) == (2, True)


def test_evidence_checked_by_content(world):
    record = services.draft_record(world.archive, by=world.edu_clerk, **negative_data(world))
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00 not an image at all", "image/png")
    with pytest.raises(ValidationError):
        services.attach_evidence(fake, record=record, by=world.edu_clerk)
    disguised = SimpleUploadedFile("scan.png", PDF, "image/png")
    with pytest.raises(ValidationError):
        services.attach_evidence(disguised, record=record, by=world.edu_clerk)
    assert Evidence.objects.count() == 0
    png = services.attach_evidence(SimpleUploadedFile("scan.png", _png()), record=record, by=world.edu_clerk)
    assert png.content_type == "image/png"
    assert len(png.digest) == 64
    assert "scan" not in png.file.name


def test_evidence_too_large_is_refused(world, settings, monkeypatch):
    from archives.services import evidence as evidence_module

    monkeypatch.setattr(evidence_module, "MAX_EVIDENCE_BYTES", 1024)
    record = services.draft_record(world.archive, by=world.edu_clerk, **negative_data(world))
    with pytest.raises(ValidationError) as excinfo:
        services.attach_evidence(SimpleUploadedFile("big.pdf", PDF + b"0" * 2048), record=record, by=world.edu_clerk)
    assert "file" in excinfo.value.message_dict
    assert Evidence.objects.count() == 0


def test_evidence_by_other_department_is_refused(world):
    record = draft_negative(world)
    with pytest.raises(PermissionDenied):
        services.attach_evidence(SimpleUploadedFile("a.pdf", PDF), record=record, by=world.health_clerk)


def test_finding_year_in_future_is_refused(world):
    with pytest.raises(ValidationError):
        services.draft_finding(world.archive, year=date.today().year + 1, status="trustworthy", basis="x", by=world.edu_clerk)
