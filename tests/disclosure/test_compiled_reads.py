"""The query API's reads compiled once per shape (credit_portal.compiled) give exactly
what their querysets give, with Django's converters (dates, UUIDs, booleans on SQLite)
and related rows, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from archives.models import Archive, CreditRecord
from departments.models import RecordCategory
from disclosure.selectors import acting_institution, effective_records
from disclosure.services import report_reads
from tests.disclosure.conftest import make_record

pytestmark = pytest.mark.django_db


def _fields(obj: object) -> list[object]:
    return [getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields]


def test_records_equal_the_querysets_for_every_shape(disc) -> None:
    w = disc.world
    make_record(w.archive, by=w.edu_clerk, display_until=None, under_objection=True, title="无期限")
    today = timezone.localdate()
    occupations = [w.teacher.pk, w.doctor.pk]
    categories = list(RecordCategory.objects.values_list("id", flat=True))
    for occupation_ids, category_ids, every_negative in [
        (None, None, False), (occupations[:1], None, False), (occupations, categories[:2], False),
        (None, categories[:1], True), (occupations[1:], [], True), (None, [], False), ([], None, False),
    ]:
        for day in (today, today + timedelta(days=400)):
            got = report_reads.report_records(
                disc.subject, occupation_ids=occupation_ids, category_ids=category_ids, every_negative=every_negative,
                today=day,
            )
            want = list(report_reads.record_rows(effective_records(
                disc.subject, occupation_ids=occupation_ids, category_ids=category_ids, every_negative=every_negative,
                today=day,
            ).select_related(None)).values_list(*report_reads.RECORD_COLUMNS, named=True))
            assert [tuple(r) for r in got] == [tuple(r) for r in want]
            assert all(isinstance(r.under_objection, bool) and r.occurred_on.isoformat() for r in got)


def test_archives_come_with_occupation_department_level_and_person(disc) -> None:
    got = report_reads.report_archives(disc.subject)
    want = list(disc.subject.archives.select_related("occupation", "department", "credit_level")
                .order_by("occupation__sort_order", "id"))
    assert [_fields(a) for a in got] == [_fields(a) for a in want]
    assert len(got) == 2
    with CaptureQueriesContext(connection) as captured:
        for a, b in zip(got, want, strict=True):
            assert _fields(a.occupation) == _fields(b.occupation)
            assert _fields(a.department) == _fields(b.department)
            assert getattr(a, "credit_level", None) is None is getattr(b, "credit_level", None)
            assert a.subject is disc.subject
    assert len(captured) == 0


def test_findings_and_categories_as_the_querysets(disc) -> None:
    from django.db.models import Q

    from archives.models import AnnualFinding

    archives = list(Archive.objects.filter(subject=disc.subject).order_by("id"))
    for archive, year, status in [(archives[0], 2024, "warning"), (archives[0], 2025, "trustworthy"),
                                  (archives[1], 2025, "serious")]:
        AnnualFinding.objects.create(archive=archive, year=year, status=status, basis="-", is_current=True,
                                     state=AnnualFinding.State.SIGNED, created_by=disc.world.edu_clerk,
                                     display_until=timezone.localdate())
    for ids in ([a.pk for a in archives], [archives[1].pk]):
        assert report_reads.signed_findings(ids, today=timezone.localdate()) == list(
            AnnualFinding.objects.filter(archive__in=ids, is_current=True, state=AnnualFinding.State.SIGNED)
            .order_by("-year").values_list("archive_id", "year", "status", "decided_on")
        )
    with CaptureQueriesContext(connection) as captured:
        assert report_reads.signed_findings([], today=timezone.localdate()) == []
    assert len(captured) == 0
    categories = list(RecordCategory.objects.values_list("id", flat=True))
    for chosen, in_scope in [(categories[:1], archives), ([], archives[:1]), (categories, []), ([], [])]:
        rows = RecordCategory.objects.filter(
            Q(pk__in=set(chosen)) | Q(is_common=True) | Q(occupations__in=[a.occupation_id for a in in_scope])
        ).distinct().order_by("sort_order", "id").values_list("id", "name")
        want = ([n for pk, n in rows if pk in set(chosen)], [n for pk, n in rows if pk not in set(chosen)])
        assert report_reads.scope_categories(chosen, in_scope) == want


def test_acting_institution_compiled(disc) -> None:
    staff = disc.employer_staff
    got = acting_institution(staff)
    assert got == disc.employer
    assert _fields(got) == _fields(disc.employer)
    assert not got._state.adding
    disc.employer.is_active = False
    disc.employer.save()
    del staff._disclosure_institution
    assert acting_institution(staff) is None


def test_acting_institution_read_with_the_user(disc, django_assert_num_queries) -> None:
    """The signed-in user's read (``read_user``, what the backends' ``get_user`` run)
    brings the staff membership and its institution: the same institution the query
    reads, no statement of its own; none for an inactive institution or a user who is no
    institution's staff (the department's institution is still looked up for them)."""
    from credit_portal.models import User, read_user

    with django_assert_num_queries(1):
        staff = read_user(disc.employer_staff.pk)
        got = acting_institution(staff)
    assert got == disc.employer
    assert _fields(got) == _fields(disc.employer)
    assert User.objects.get(pk=disc.employer_staff.pk).institution_staff.institution == disc.employer
    citizen = read_user(disc.citizen.pk)
    with django_assert_num_queries(1):  # no staff row: their memberships, for a department's institution
        assert acting_institution(citizen) is None
    disc.employer.is_active = False
    disc.employer.save()
    with django_assert_num_queries(2):  # the user, then their memberships (no department's institution either)
        assert acting_institution(read_user(disc.employer_staff.pk)) is None


def test_no_record_without_published_state_leaks(disc) -> None:
    w = disc.world
    make_record(w.archive, by=w.edu_clerk, state=CreditRecord.State.WITHDRAWN, title="撤销")
    rows = report_reads.report_records(disc.subject, occupation_ids=None, category_ids=None, every_negative=False,
                                   today=timezone.localdate())
    assert "撤销" not in {r.title for r in rows}


def test_findings_read_with_the_archives_are_the_signed_findings(disc) -> None:
    """``report_archives(…, with_findings=True)`` and ``findings_of``: each archive's
    current signed findings still shown on the day, newest first, as ``signed_findings``
    reads them (drafts, superseded versions, findings past their display period and other
    archives' left out); on PostgreSQL in the archives' statement, no statement of their
    own; on SQLite read as before."""
    from archives.models import AnnualFinding

    today = timezone.localdate()
    shown, over = today + timedelta(days=1), today - timedelta(days=1)
    archives = list(Archive.objects.filter(subject=disc.subject).order_by("id"))
    for archive, year, status, current, state, until in [
        (archives[0], 2023, "warning", True, AnnualFinding.State.SIGNED, shown),
        (archives[0], 2025, "trustworthy", True, AnnualFinding.State.SIGNED, shown),
        (archives[0], 2024, "serious", False, AnnualFinding.State.SIGNED, shown),
        (archives[0], 2024, "warning", True, AnnualFinding.State.DRAFT, None),
        (archives[0], 2022, "serious", True, AnnualFinding.State.SIGNED, over),
        (archives[1], 2025, "serious", True, AnnualFinding.State.SIGNED, today),
    ]:
        AnnualFinding.objects.create(archive=archive, year=year, status=status, basis="-", is_current=current,
                                     version=1 if current else 0, state=state, created_by=disc.world.edu_clerk,
                                     display_until=until)

    def grouped(rows: list[tuple[int, int, str, date | None]]) -> dict[int, list[tuple[int, str]]]:
        out: dict[int, list[tuple[int, str]]] = {}
        for archive_id, year, status, _day in rows:
            out.setdefault(archive_id, []).append((year, status))
        return out

    with CaptureQueriesContext(connection) as captured:
        read = report_reads.report_archives(disc.subject, with_findings=True, today=today)
        got = report_reads.findings_of(read, today=today)
    assert len(captured) == (1 if connection.vendor == "postgresql" else 2)
    assert grouped(got) == grouped(report_reads.signed_findings([a.pk for a in read], today=today))
    assert grouped(got)[archives[0].pk] == [(2025, "trustworthy"), (2023, "warning")]
    assert grouped(got)[archives[1].pk] == [(2025, "serious")]  # shown through its last day
    # Some archives only (a narrowed report): theirs only.
    assert grouped(report_reads.findings_of(read[-1:], today=today)) == grouped(
        report_reads.signed_findings([read[-1].pk], today=today))
    assert report_reads.findings_of([], today=today) == []
    # The next day the 2025 serious finding is over too; a compiled read gives the new day.
    later = today + timedelta(days=2)
    assert grouped(report_reads.findings_of(report_reads.report_archives(
        disc.subject, with_findings=True, today=later), today=later)).get(archives[1].pk) is None
