"""The credit office's view of the city: the coverage table computed from the archives,
the yearly progress report, charts, rule filings and yearly evaluations."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from archives import services as archive_services
from archives.models import Archive, CreditRecord
from credit_portal import statistics
from credit_portal.models import AuditEntry
from credit_portal.roles import Role
from departments import selectors, services
from departments.models import DepartmentEvaluation, RuleFiling
from tests import factories as f
from tests.archives.conftest import World
from tests.disclosure.conftest import make_record

_people = iter(range(10_000))


def make_archives(world: World, n: int, *, employer: str = "示范市第三中学") -> list[Archive]:
    made = []
    for _ in range(n):
        i = next(_people)
        subject, _created = archive_services.find_or_create_subject(
            name=f"城市{i:03d}", id_number=f.make_id_number(birth=date(1960, 1, 1) + timedelta(days=i), seq=i % 50,
                                                           region="110108"), by=world.edu_clerk)
        made.append(archive_services.open_archive(subject=subject, occupation=world.teacher,
                                                  department=world.education, employer=employer, by=world.edu_clerk))
    return made

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
CITY_PAGES = ("/city/", f"/city/report/{YEAR}/", f"/city/report/{YEAR}/export.xlsx", "/city/evaluations/",
              f"/city/evaluations/{YEAR}/education/")


def _row(year: int, code: str):  # noqa: ANN202
    return next(r for r in selectors.coverage_table(year) if r.department.code == code)


def _fixture(world: World) -> None:
    """Hand-counted: education keeps 3 open teacher archives (one overdue) and 1 closed;
    health keeps 1 doctor archive. This year education published 2 new records and a
    correction (version 2, not new); one record was published last year."""
    first, second, third, closed = make_archives(world, 4)
    Archive.objects.filter(pk=closed.pk).update(state=Archive.State.CLOSED)
    Archive.objects.filter(pk=third.pk).update(last_updated_at=timezone.now() - timedelta(days=400))
    by = world.edu_reviewer
    make_record(first, by=by)
    make_record(second, by=by, polarity=CreditRecord.Polarity.POSITIVE, severity="",
                category=world.basic)
    old = make_record(second, by=by, published_at=timezone.now().replace(year=YEAR - 1))
    CreditRecord.objects.filter(pk=old.pk).update(is_current=False, state=CreditRecord.State.CORRECTED)
    make_record(second, by=by, lineage=old.lineage, version=2, published_at=timezone.now())
    doctor = make_archives(world, 1)[0]
    Archive.objects.filter(pk=doctor.pk).update(occupation=world.doctor, department=world.health)


def test_the_coverage_table_is_computed_from_the_archives(world) -> None:
    _fixture(world)
    education = _row(YEAR, "education")
    assert education.figures.archives == 4  # the world's own and three: the closed one is not counted
    assert education.figures.overdue == 1
    assert education.figures.records_this_year == 2  # the correction is not a new record
    assert education.figures.last_update is not None
    assert [(o.code, fig.archives) for o, fig in education.groups if fig.archives] == [(world.teacher.code, 4)]
    health = _row(YEAR, "health")
    assert (health.figures.archives, health.figures.records_this_year) == (1, 0)
    assert _row(YEAR - 1, "education").figures.records_this_year == 1  # last year's record
    # A mapped group with no archive shows as a row with nothing in it.
    assert any(fig.archives == 0 for _o, fig in _row(YEAR, "finance").groups) or not _row(YEAR, "finance").groups


def test_the_yearly_figures(world) -> None:
    _fixture(world)
    figures = {one.key: one.value for one in statistics.figures(YEAR)}
    assert figures["archives"] == 5  # four of education, one of health
    assert figures["records"] == 2
    assert figures["records_negative"] == 1
    assert figures["records_positive"] == 1
    assert figures["archives_overdue"] == 1
    assert figures["departments"] == 2
    by_kind = {s.key: s for s in statistics.series(YEAR)}
    months = dict(by_kind["records_by_month"].rows)
    assert sum(v[0] for v in months.values()) == 2
    assert dict(by_kind["records_by_department"].rows) == {world.education.display_name: (2,)}


def test_the_city_pages_cost_the_same_queries_for_more_archives(client, world, settings) -> None:
    settings.FRAGMENT_CACHE_SECONDS = 0  # the computation itself, every request
    client.force_login(world.credit_office)
    for archive in make_archives(world, 1):
        make_record(archive, by=world.edu_reviewer)
    services.file_rules(world.education, by=world.edu_clerk, title="办法", document_number="", issued_on=date(2026, 1, 5))

    def counts() -> list[int]:
        found = []
        for url in ("/city/", "/catalogue/coverage/", f"/city/report/{YEAR}/", "/city/evaluations/"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    counts()  # the first request of a session saves it
    few = counts()
    for archive in make_archives(world, 20, employer="示范市第十中学"):
        make_record(archive, by=world.edu_reviewer)
    doctor = make_archives(world, 1, employer="示范市人民医院")[0]
    Archive.objects.filter(pk=doctor.pk).update(occupation=world.doctor, department=world.health)
    services.file_rules(world.health, by=world.health_clerk, title="细则", document_number="", issued_on=date(2026, 1, 5))
    assert counts() == few


def test_the_city_dashboard_figures_come_from_the_fragment_cache(client, world, settings) -> None:
    """The dashboard's figures and charts are computed once per viewer, year, language and
    day and then served from the fragment cache: a repeated request runs none of the
    providers' aggregate queries, whatever the data size, and shows the same figures."""
    settings.FRAGMENT_CACHE_SECONDS = 300
    _fixture(world)
    client.force_login(world.credit_office)
    client.get(f"/city/?year={YEAR - 2}")  # the first request of a session saves it

    def visit(url: str = "/city/") -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    computed, first = visit(f"/city/?year={YEAR - 1}")
    cached, again = visit(f"/city/?year={YEAR - 1}")
    assert "数据截至" in first
    assert cached < computed
    def figures_part(html: str) -> str:
        return html[html.index("数据截至"):html.index("</main>")]

    assert figures_part(again) == figures_part(first)
    # More data changes nothing in the cached page's cost (nor, for up to the cache's
    # lifetime, its figures); another year is computed afresh.
    for archive in make_archives(world, 5, employer="示范市第十中学"):
        make_record(archive, by=world.edu_reviewer)
    assert visit(f"/city/?year={YEAR - 1}")[0] == cached
    assert visit()[0] == computed
    assert visit()[0] == cached
    # Another viewer never gets this viewer's fragment (its key names the viewer), but
    # shares the figures: no aggregate query runs for them (statistics.dashboard).
    first_key = client.get("/city/").context["fragment_key"]
    client.force_login(f.make_user("second_officer", roles=(Role.CREDIT_OFFICE,)))
    client.get(f"/city/?year={YEAR - 2}")  # this session's first request saves it
    response = client.get("/city/")
    assert response.context["fragment_key"] != first_key
    assert visit()[0] == cached


def test_the_city_figures_are_refreshed_in_the_background_and_say_as_of_when(client, world, settings) -> None:
    """The beat task computes this year's dashboard and coverage before their cache entries
    expire: a credit officer's first visit runs none of the aggregates and shows the
    figures of the last refresh with its time; the next refresh brings new records in."""
    from credit_portal.celery import app
    from credit_portal.tasks import refresh_city_figures

    settings.FRAGMENT_CACHE_SECONDS = 300
    _fixture(world)
    assert app.conf.beat_schedule["credit-portal-refresh-city-figures"]["task"] == refresh_city_figures.name
    assert refresh_city_figures() is True
    refreshed = statistics.dashboard(YEAR).computed_at
    make_record(make_archives(world, 1, employer="示范市第十中学")[0], by=world.edu_reviewer)
    client.force_login(world.credit_office)
    client.get(f"/city/?year={YEAR - 2}")  # the first request of a session saves it
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/city/")
    assert not [q for q in queries if "archives_creditrecord" in q["sql"]]  # no aggregate ran
    figures = {one.key: one.value for one in page.context["figures"]()}
    assert figures["records"] == 2  # as of the refresh: the third record came after it
    assert timezone.localtime(refreshed).strftime("%Y-%m-%d %H:%M") in page.content.decode()

    refresh_city_figures()
    assert {one.key: one.value for one in statistics.dashboard(YEAR).figures}["records"] == 3
    assert _row(YEAR, "education").figures.records_this_year == 3  # coverage refreshed too

    settings.FRAGMENT_CACHE_SECONDS = 0  # nothing cached: nothing to keep warm
    assert refresh_city_figures() is False


def test_only_the_credit_office_sees_the_city(client, world) -> None:
    for user in (world.edu_clerk, world.edu_reviewer, f.make_user()):
        client.force_login(user)
        for url in CITY_PAGES:
            assert client.get(url).status_code == 403, url
        assert client.post(f"/city/evaluations/{YEAR}/education/", {"grade": "good", "score": "90", "notes": "x"}).status_code == 403
    assert not DepartmentEvaluation.objects.exists()
    client.logout()
    assert client.get("/city/").status_code == 302


def test_the_yearly_report_as_excel(client, world) -> None:
    _fixture(world)
    client.force_login(world.credit_office)
    response = client.get(f"/city/report/{YEAR}/export.xlsx")
    book = load_workbook(BytesIO(response.content))
    summary = book["工作进展"]
    values = {row[0]: row[1] for row in summary.iter_rows(min_row=4, values_only=True) if row[1] is not None}
    assert values["本年发布的记录"] == 2
    coverage = book["分单位情况"]
    rows = {row[0]: row for row in coverage.iter_rows(min_row=2, values_only=True)}
    assert rows[world.education.display_name][1:4] == (4, 2, 1)


def test_a_department_files_its_rules_and_the_credit_office_acknowledges(client, world) -> None:
    client.force_login(world.edu_clerk)
    data = {"department": world.education.pk, "title": "教师信用档案管理办法", "document_number": "示教〔2026〕3号",
            "issued_on_year": "2026", "issued_on_month": "3", "issued_on_day": "1", "summary": ""}
    # Another department's id in a forged POST is refused by the form, nothing written.
    forged = client.post("/city/filings/new/", {**data, "department": world.health.pk})
    assert forged.status_code == 200
    assert not RuleFiling.objects.exists()
    future = timezone.localdate() + timedelta(days=3)
    response = client.post("/city/filings/new/", {**data, "issued_on_year": str(future.year),
                                                  "issued_on_month": str(future.month), "issued_on_day": str(future.day)})
    assert "印发日期不能晚于今天" in response.content.decode()
    assert not RuleFiling.objects.exists()
    assert client.post("/city/filings/new/", data).status_code == 302
    filing = RuleFiling.objects.get()
    assert AuditEntry.objects.filter(action="departments.rule_filing.filed").exists()
    # The clerk cannot acknowledge; the health clerk does not see it.
    assert client.post(f"/city/filings/{filing.pk}/acknowledge/").status_code == 403
    client.force_login(world.health_clerk)
    assert "教师信用档案管理办法" not in client.get("/city/filings/").content.decode()
    client.force_login(world.credit_office)
    assert client.post(f"/city/filings/{filing.pk}/acknowledge/").status_code == 302
    filing.refresh_from_db()
    assert filing.acknowledged_by == world.credit_office
    assert client.post(f"/city/filings/{filing.pk}/acknowledge/").status_code == 403  # once
    assert _row(YEAR, "education").filings_acknowledged == 1


def test_filing_for_another_department_is_refused_by_the_service(world) -> None:
    with pytest.raises(PermissionDenied):
        services.file_rules(world.health, by=world.edu_clerk, title="x", document_number="", issued_on=date(2026, 1, 1))
    with pytest.raises(ValidationError):
        services.file_rules(world.education, by=world.edu_clerk, title="x", document_number="",
                            issued_on=timezone.localdate() + timedelta(days=1))
    assert not RuleFiling.objects.exists()


def test_the_yearly_evaluation(client, world) -> None:
    _fixture(world)
    client.force_login(world.credit_office)
    url = f"/city/evaluations/{YEAR}/education/"
    for bad in ("101", "-1", "九十", "99999999999999999999", ""):
        response = client.post(url, {"grade": "good", "score": bad, "notes": "按时更新"})
        assert response.status_code == 200
        assert "请输入0至100之间的分数" in response.content.decode()
    assert client.post(url, {"grade": "nonsense", "score": "90", "notes": "x"}).status_code == 200
    assert not DepartmentEvaluation.objects.exists()
    assert client.post(url, {"grade": "good", "score": "８６", "notes": "按时更新"}).status_code == 302
    evaluation = DepartmentEvaluation.objects.get()
    assert (evaluation.score, evaluation.figures["archives"], evaluation.figures["overdue"]) == (86, 4, 1)
    client.post(url, {"grade": "excellent", "score": "95", "notes": "按时更新"})
    evaluation.refresh_from_db()
    assert evaluation.grade == "excellent"
    assert DepartmentEvaluation.objects.count() == 1
    assert AuditEntry.objects.filter(action="departments.evaluation.recorded").count() == 2
    assert client.get(f"/city/evaluations/{YEAR + 1}/education/").status_code == 404


def test_deadlines_met_count_concluded_cases(world) -> None:
    """With no case at all every count is zero, and the series still lists both kinds."""
    series = {s.key: s for s in statistics.series(YEAR)}["case_deadlines"]
    assert [values for _label, values in series.rows] == [(0, 0), (0, 0)]


def test_coverage_figures_are_computed_once_for_the_pages_and_the_report_but_fresh_for_an_evaluation(
    client, world, settings, monkeypatch
) -> None:
    """The coverage, evaluation and yearly report pages (and the report's workbook) share
    one computation of the city's figures for FRAGMENT_CACHE_SECONDS and say as of when;
    the figures kept with an evaluation are computed as of the moment it is saved."""
    settings.FRAGMENT_CACHE_SECONDS = 300
    _fixture(world)
    calls = []
    provider = statistics._coverage[0]
    monkeypatch.setattr(statistics, "_coverage", [lambda year: calls.append(year) or provider(year)])
    client.force_login(world.credit_office)
    for url in ("/catalogue/coverage/", "/city/evaluations/", "/catalogue/coverage/", f"/city/report/{YEAR}/"):
        page = client.get(url).content.decode()
        assert 'id="computed-at"' in page, url
    assert calls == [YEAR]
    shared_at = statistics.coverage(YEAR).computed_at

    make_record(make_archives(world, 1)[0], by=world.edu_reviewer)  # a third new record this year
    assert _row(YEAR, "education").figures.records_this_year == 2  # the shared figures, as of their time
    report = client.get(f"/city/report/{YEAR}/")
    education = next(r for r in report.context["rows"] if r.department.code == "education")
    assert education.figures.records_this_year == 2
    assert {one.key: one.value for one in report.context["figures"]}["records"] == 2
    assert report.context["computed_at"] <= shared_at
    assert timezone.localtime(report.context["computed_at"]).strftime("%Y-%m-%d %H:%M") in report.content.decode()
    # The workbook shows the same figures as the page, as of the same time.
    book = load_workbook(BytesIO(client.get(f"/city/report/{YEAR}/export.xlsx").content))
    assert book["工作进展"]["A2"].value == (
        f"数据计算时间：{timezone.localtime(report.context['computed_at']):%Y-%m-%d %H:%M}"
    )
    assert {row[0]: row[2] for row in book["分单位情况"].iter_rows(min_row=2, values_only=True)}[
        world.education.display_name] == 2
    assert calls == [YEAR]
    # The next refresh (the beat task, or figures computed afresh for one department)
    # brings the third record into every page.
    assert selectors.department_figures(world.education, YEAR)["records_this_year"] == 3
    report = client.get(f"/city/report/{YEAR}/")
    assert next(r for r in report.context["rows"] if r.department.code == "education").figures.records_this_year == 3
    assert calls == [YEAR, YEAR]
    # The evaluation form shows the shared figures with their time (no computation);
    # saving the evaluation keeps the figures as of that moment.
    form = client.get(f"/city/evaluations/{YEAR}/education/")
    assert 'id="computed-at"' in form.content.decode()
    assert form.context["figures"]["records_this_year"] == 3  # the shared ones, last refreshed
    assert form.context["computed_at"] == statistics.coverage(YEAR).computed_at
    assert calls == [YEAR, YEAR]
    make_record(make_archives(world, 1, employer="示范市第十中学")[0], by=world.edu_reviewer)  # a fourth
    assert client.get(f"/city/evaluations/{YEAR}/education/").context["figures"]["records_this_year"] == 3
    client.post(f"/city/evaluations/{YEAR}/education/", {"grade": "good", "score": "90", "notes": "按时更新"})
    assert DepartmentEvaluation.objects.get().figures["records_this_year"] == 4  # as of saving
    assert calls == [YEAR, YEAR, YEAR]

    settings.FRAGMENT_CACHE_SECONDS = 0  # caching off: every page computes them
    assert _row(YEAR, "education").figures.records_this_year == 4
