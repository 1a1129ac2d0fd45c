"""The person pages cache the rendering of a person's records (credit_portal.fragments).
A stale fragment or one served to another viewer would show personal data wrongly: these
tests prove that every change of what the fragment shows gives a new key, and that two
viewers never share one. The cache is cleared between tests (tests/conftest.py)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from archives import services as archive_services
from credit_portal.context_processors import ELDERLY_COOKIE
from credit_portal.fragments import fragment_key
from credit_portal.prepared import source
from disclosure.models import CreditReport
from disclosure.services import reports
from tests.disclosure.conftest import grant, make_record

pytestmark = pytest.mark.django_db


def _page(client, user, url: str, **cookies: str):
    client.logout()
    client.force_login(user)
    for name, value in cookies.items():
        client.cookies[name] = value
    response = client.get(url)
    assert response.status_code == 200
    return response


def _poison(name: str, response, marker: str) -> None:
    """Replace the cached fragment the response used with ``marker``."""
    cache.set(make_template_fragment_key(name, [response.context["fragment_key"]]), marker)


def test_citizen_archive_fragment_follows_every_change_of_the_records(client, disc) -> None:
    url = reverse("disclosure:my_archive", args=[disc.world.archive.pk])
    first = _page(client, disc.citizen, url)
    _poison("citizen-archive", first, "CACHED-FRAGMENT")
    # Unchanged: the cached fragment is served (the marker proves the cache path is used).
    assert "CACHED-FRAGMENT" in _page(client, disc.citizen, url).content.decode()

    # A record edited in place by any writer (updated_at moves).
    disc.negative.title = "更正后的标题"
    disc.negative.save()
    page = _page(client, disc.citizen, url).content.decode()
    assert "CACHED-FRAGMENT" not in page
    assert "更正后的标题" in page

    # A new record, and a flag set by a service.
    make_record(disc.world.archive, by=disc.world.edu_clerk, title="新增的记录")
    assert "新增的记录" in _page(client, disc.citizen, url).content.decode()
    before = _page(client, disc.citizen, url)
    archive_services.set_objection_flag(disc.negative, flagged=True, by=disc.world.credit_office)
    after = _page(client, disc.citizen, url)
    assert after.context["fragment_key"] != before.context["fragment_key"]


def test_staff_archive_fragment_is_per_viewer_and_follows_statements(client, disc) -> None:
    world = disc.world
    url = reverse("archives:archive", args=[world.archive.pk])
    clerk_page = _page(client, world.edu_clerk, url)
    _poison("staff-archive", clerk_page, "CLERK-FRAGMENT")
    assert "CLERK-FRAGMENT" in _page(client, world.edu_clerk, url).content.decode()
    # Another viewer of the same archive, same language and mode: never the clerk's copy.
    reviewer_page = _page(client, world.edu_reviewer, url)
    assert reviewer_page.context["fragment_key"] != clerk_page.context["fragment_key"]
    assert "CLERK-FRAGMENT" not in reviewer_page.content.decode()

    # A personal statement (repair) does not touch the record row: its own stamp counts it.
    from repair.services.objections import add_personal_statement, file_objection

    objection = file_objection(disc.negative, by=disc.citizen, reasons="处罚对象不是本人。")
    flagged = _page(client, world.edu_clerk, url)
    _poison("staff-archive", flagged, "FLAGGED-FRAGMENT")
    assert "FLAGGED-FRAGMENT" in _page(client, world.edu_clerk, url).content.decode()
    add_personal_statement(objection, by=disc.citizen, text="本人声明的内容")
    page = _page(client, world.edu_clerk, url).content.decode()
    assert "FLAGGED-FRAGMENT" not in page
    assert "本人声明的内容" in page


def test_report_fragment_is_never_shared_between_the_institution_and_the_person(client, disc) -> None:
    _authorization, code = grant(disc)
    from disclosure.services.queries import query_record

    result = query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose="recruitment",
    )
    url = reverse("disclosure:report", args=[result.report.number])
    institution_page = _page(client, disc.employer_staff, url)
    _poison("report", institution_page, "INSTITUTION-FRAGMENT")
    assert "INSTITUTION-FRAGMENT" in _page(client, disc.employer_staff, url).content.decode()
    citizen_page = _page(client, disc.citizen, url)
    assert "INSTITUTION-FRAGMENT" not in citizen_page.content.decode()
    assert citizen_page.context["fragment_key"] != institution_page.context["fragment_key"]
    # Another report of the same person to the same institution has its own fragment.
    own = reports.issue_self_report(disc.subject, by=disc.citizen)
    assert CreditReport.objects.count() == 2
    other = _page(client, disc.citizen, reverse("disclosure:report", args=[own.number]))
    assert other.context["fragment_key"] != citizen_page.context["fragment_key"]


def test_key_names_viewer_language_elderly_mode_and_versions(disc) -> None:
    factory = RequestFactory()

    def key(user, *versions: object, elderly: bool = False, language: str = "zh-hans") -> str:
        request = factory.get("/")
        request.user = user
        if elderly:
            request.COOKIES[ELDERLY_COOKIE] = "1"
        with translation.override(language):
            return fragment_key(request, "citizen-archive", *versions)

    base = key(disc.citizen, "v1")
    assert base == key(disc.citizen, "v1")
    assert base != key(disc.other_citizen, "v1")
    assert base != key(disc.citizen, "v2")
    assert base != key(disc.citizen, "v1", elderly=True)
    assert base != key(disc.citizen, "v1", language="en")


def test_verified_report_fragment_is_used_only_after_the_code_matched(client, disc) -> None:
    """The verification page caches the rendering of the frozen report it shows, under
    the report's number and digest; a wrong code shows nothing of it, cached or not."""
    from disclosure.services.queries import query_record

    _authorization, code = grant(disc)
    report = query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose="recruitment",
    ).report
    url = reverse("disclosure:verify_report")
    client.logout()
    first = client.post(url, {"number": report.number, "code": reports.verification_code(report)})
    assert report.digest in first.content.decode()
    _poison("verified-report", first, "VERIFIED-FRAGMENT")
    again = client.post(url, {"number": report.number, "code": reports.verification_code(report)})
    assert "VERIFIED-FRAGMENT" in again.content.decode()
    assert again.context["fragment_key"] == first.context["fragment_key"]
    wrong = client.post(url, {"number": report.number, "code": "0000-0000-0000"}).content.decode()
    assert "VERIFIED-FRAGMENT" not in wrong
    assert report.digest not in wrong


# --- what the person the record harms must see on the next request --------------------------


def test_citizen_page_shows_a_new_negative_record_and_the_new_level_on_the_next_request(client, disc) -> None:
    """The level panel is a cached fragment too, read with the archive: a new negative
    record changes the records' stamp, and its recompute the stored level's stamp."""
    from archives.levels.models import ArchiveLevel
    from archives.levels.services import recompute_level
    from archives.models import CreditRecord
    from tests.disclosure.conftest import make_record

    archive = disc.world.archive
    url = reverse("disclosure:my_archive", args=[archive.pk])
    recompute_level(archive)
    first = _page(client, disc.citizen, url)
    _poison("citizen-archive", first, "LEVEL-FRAGMENT")
    assert "LEVEL-FRAGMENT" in _page(client, disc.citizen, url).content.decode()

    make_record(archive, by=disc.world.edu_clerk, title="新的严重失信记录", severity=CreditRecord.Severity.SERIOUS)
    page = _page(client, disc.citizen, url).content.decode()
    assert "新的严重失信记录" in page
    assert "LEVEL-FRAGMENT" not in page
    second = _page(client, disc.citizen, url)
    _poison("citizen-archive", second, "OLD-LEVEL")
    level = recompute_level(archive)
    assert ArchiveLevel.objects.get(pk=archive.pk).updated_at == level.updated_at
    page = _page(client, disc.citizen, url).content.decode()
    assert "OLD-LEVEL" not in page
    assert f'data-level="{level.level}"' in page
    assert "新的严重失信记录" in page.split('class="app-credit-level"')[1].split("</section>")[0]


def test_citizen_page_shows_a_correction_on_the_next_request(client, disc) -> None:
    from archives.services.records.outcomes import correct_record

    url = reverse("disclosure:my_archive", args=[disc.world.archive.pk])
    first = _page(client, disc.citizen, url)
    _poison("citizen-archive", first, "BEFORE-CORRECTION")
    correct_record(disc.negative, by=disc.world.credit_office, reason="处罚决定书文号有误。",
                   decision_number="示教罚〔2026〕13号")
    page = _page(client, disc.citizen, url).content.decode()
    assert "BEFORE-CORRECTION" not in page
    assert "示教罚〔2026〕13号" in page


def test_citizen_level_panel_without_a_level_reads_no_level_row_and_says_not_assessed(client, disc) -> None:
    from archives.levels.models import ArchiveLevel

    ArchiveLevel.objects.filter(archive=disc.world.archive).delete()
    url = reverse("disclosure:my_archive", args=[disc.world.archive.pk])
    page = _page(client, disc.citizen, url).content.decode()
    assert 'class="app-credit-level"' in page
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # Joined to the archive's own read: no query of its own.
    assert not [q for q in queries.captured_queries if 'FROM "levels_archivelevel"' in source(q["sql"])]
    assert [q for q in queries.captured_queries if 'LEFT OUTER JOIN "levels_archivelevel"' in source(q["sql"])]


def test_a_revoked_authorization_shows_as_revoked_to_the_person_on_the_next_request(client, disc) -> None:
    from disclosure.services import authorizations as auth_services
    from tests.disclosure.conftest import grant

    authorization, _code = grant(disc)
    url = reverse("disclosure:my_authorizations")
    before = _page(client, disc.citizen, url).content.decode()
    assert authorization.reference in before
    auth_services.revoke_authorization(authorization, by=disc.citizen, reason="不再需要")
    after = _page(client, disc.citizen, url).content.decode()
    assert before != after
    assert "已撤销" in after or "Revoked" in after


def test_citizen_page_shows_an_edited_employer_and_post_on_the_next_request(client, disc) -> None:
    """The archive's summary is inside the cached fragment: its key names what it shows."""
    archive = disc.world.archive
    url = reverse("disclosure:my_archive", args=[archive.pk])
    first = _page(client, disc.citizen, url)
    _poison("citizen-archive", first, "OLD-SUMMARY")
    assert "OLD-SUMMARY" in _page(client, disc.citizen, url).content.decode()
    archive.employer, archive.post = "新的工作单位", "新的岗位"
    archive.save(update_fields=["employer", "post"])
    page = _page(client, disc.citizen, url).content.decode()
    assert "OLD-SUMMARY" not in page
    assert "新的工作单位" in page
    assert "新的岗位" in page
