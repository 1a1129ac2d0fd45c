"""What replaces digests and identifiers on pages people read: the consent receipt's
readable number, the report's forgery protection in words (the digest only where a
verifier needs it), the finding's seal checked in words."""

from __future__ import annotations

import pytest
from django.urls import reverse

from archives import services as archive_services
from archives.models import AnnualFinding
from disclosure.services import queries
from disclosure.services.reports import verification_code
from tests.disclosure.conftest import grant
from tests.disclosure.test_views_flows import login
from tests.test_page_text import problems_in, visible_text

pytestmark = pytest.mark.django_db


def test_consent_receipt_shows_a_readable_number_and_no_uuid_json_or_kantara(client, disc) -> None:
    auth, _code = grant(disc)
    login(client, disc.citizen)
    html = client.get(reverse("disclosure:authorization_receipt", args=[auth.pk])).content.decode()
    digits = auth.reference.removeprefix("SQ")
    assert f"HZ-{digits[:8]}-{digits[8:]}" in html
    text = visible_text(html)
    assert str(auth.pk) not in text
    assert "Kantara" not in html
    assert "JSON" not in text
    assert "回执编号" in text
    assert not problems_in(text), problems_in(text)


def test_report_page_states_its_protection_and_only_the_verification_page_shows_the_digest(client, disc) -> None:
    _auth, code = grant(disc)
    report = queries.query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose="recruitment",
    ).report
    login(client, disc.employer_staff)
    html = client.get(reverse("disclosure:report", args=[report.number])).content.decode()
    assert "防伪核验" in html
    assert report.digest not in html
    assert not [p for p in problems_in(visible_text(html)) if "hex hash" in p]
    client.logout()
    verified = client.post(reverse("disclosure:verify_report"), {"number": report.number, "code": verification_code(report)})
    page = verified.content.decode()
    # The digest is there for a verifier, in a <code> element inside "供技术核验".
    assert f'<code class="portal-digest">{report.digest}</code>' in page
    assert "供技术核验" in page


def test_finding_page_says_the_seal_was_checked_and_warns_when_it_does_not_match(client, world) -> None:
    finding = archive_services.draft_finding(world.archive, year=2025, status="trustworthy", basis="守信", by=world.edu_clerk)
    archive_services.sign_finding(finding, by=world.edu_reviewer)
    finding.refresh_from_db()
    client.force_login(world.edu_clerk)
    html = client.get(reverse("archives:finding", args=[finding.pk])).content.decode()
    assert "电子印章已核验" in html
    assert finding.seal not in html
    AnnualFinding.objects.filter(pk=finding.pk).update(basis="被改动的依据")
    html = client.get(reverse("archives:finding", args=[finding.pk])).content.decode()
    assert "电子印章与认定内容不符" in html
    archive_page = client.get(reverse("archives:archive", args=[world.archive.pk])).content.decode()
    assert finding.seal[:16] not in archive_page
