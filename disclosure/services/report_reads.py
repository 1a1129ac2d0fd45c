"""The reads of a credit report's content (``services.reports.build_content``): the
person's effective records with the columns the report prints, the archives with their
levels, the signed yearly findings and the categories a narrowed report covers.

Each is compiled once per process and shape (``credit_portal.compiled``): building and
compiling the querysets cost Django more CPU than PostgreSQL spends running them.
"""

from __future__ import annotations

import uuid
from collections import namedtuple
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import connections
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet

from archives.models import AnnualFinding, Archive, CreditRecord, Subject
from credit_portal import compiled
from departments.models import OccupationCategory, RecordCategory
from disclosure import hooks
from disclosure.selectors import effective_records

# What the report prints of a record: read as plain rows, not model instances (building
# those was a visible share of the query API's CPU).
RECORD_COLUMNS = (
    "pk", "archive_id", "lineage", "title", "polarity", "severity", "description", "decision_number",
    "deciding_body", "occurred_on", "decided_on", "display_until", "version", "under_objection",
    "category_name", "category_code", "statement",
)


def record_rows(records: QuerySet[CreditRecord]) -> QuerySet[Any]:
    # 本人声明 (DESIGN §7): filled by the repair app through disclosure.hooks, read with
    # the records (every record, not only those under objection: a statement is added
    # after an objection is concluded as unverifiable, when the flag is cleared).
    return records.annotate(
        category_name=F("category__name"), category_code=F("category__code"),
        statement=hooks.personal_statement_expression(),
    ).values_list(*RECORD_COLUMNS)


_RecordRow = namedtuple("_RecordRow", RECORD_COLUMNS)  # noqa: PYI024 - the fields of values_list(named=True)

# The report's reads are compiled once per process and shape (credit_portal.compiled):
# building and compiling them cost Django more CPU than PostgreSQL spends running them,
# and between two reports only the values change (the person, the day, the ids), and the
# shape with the number of ids. Sentinels: the ids of each list from their own negative
# base, a person and a day no row has.
_SUBJECT = uuid.UUID(int=0x5B1EC7)
_DAY = date(1901, 2, 3)
_OCCUPATIONS, _CATEGORIES, _ARCHIVES = -1_000_001, -2_000_001, -3_000_001
_ID = IntegerField()


def _unique(ids: Iterable[int] | None) -> tuple[int, ...] | None:
    # The ORM drops repeated values from an IN list: so does the shape.
    return None if ids is None else tuple(dict.fromkeys(ids))


def report_records(
    subject: Subject, *, occupation_ids: Iterable[int] | None, category_ids: Iterable[int] | None,
    every_negative: bool, today: date,
) -> list[Any]:
    """The report's records (``effective_records`` with the columns the report prints) as
    named rows, the SQL compiled once per shape."""
    occupations, categories = _unique(occupation_ids), _unique(category_ids)
    every_negative = every_negative and categories is not None
    occupation_names = compiled.id_sentinels("o", len(occupations), base=_OCCUPATIONS) if occupations is not None else {}
    category_names = compiled.id_sentinels("c", len(categories), base=_CATEGORIES) if categories is not None else {}

    def build(subject_id: uuid.UUID, today: date, **ids: int) -> QuerySet[Any]:
        return record_rows(effective_records(
            Subject(pk=subject_id), today=today, every_negative=every_negative,
            occupation_ids=None if occupations is None else [ids[n] for n in occupation_names],
            category_ids=None if categories is None else [ids[n] for n in category_names],
        ).select_related(None))

    key = ("report-records", hooks.personal_statement_key(), None if occupations is None else len(occupations),
           None if categories is None else len(categories), every_negative)
    query = compiled.compiled_for(
        key, build,
        fields={"subject_id": Subject._meta.pk, "today": CreditRecord._meta.get_field("display_until"),
                **dict.fromkeys([*occupation_names, *category_names], _ID)},
        sentinels={"subject_id": _SUBJECT, "today": _DAY, **occupation_names, **category_names},
    )
    values = {
        **dict(zip(occupation_names, occupations or (), strict=True)),
        **dict(zip(category_names, categories or (), strict=True)),
    }
    return [_RecordRow._make(row) for row in query.values(subject_id=subject.pk, today=today, **values)]


def _archives_query(subject_id: uuid.UUID) -> QuerySet[Archive]:
    # Each archive's credit level comes with it (absent where never assessed).
    return (
        Archive.objects.filter(subject_id=subject_id).select_related("occupation", "department", "credit_level")
        .order_by("occupation__sort_order", "id")
    )


_ARCHIVES_OF = compiled.CompiledQuery(
    _archives_query, fields={"subject_id": Subject._meta.pk}, sentinels={"subject_id": _SUBJECT}
)

# The signed findings' years and statuses of each archive, newest first, as two arrays
# read with the archives (PostgreSQL): one statement less for the report than
# ``signed_findings``. One current finding per archive and year (the model's
# constraint), so both arrays are in the same order.
_FINDING_YEARS, _FINDING_STATUSES, _FINDING_DAYS = "report_signed_years", "report_signed_statuses", "report_signed_days"


def _shown(today: date) -> Q:
    # The current signed findings still within their display period on ``today``
    # (``display.finding_display_until``): a 2019 serious finding is not in a 2026 report,
    # as a record past its display period is not (DESIGN §7: "At the maximum, public and
    # third-party display stops by itself").
    return Q(is_current=True, state=AnnualFinding.State.SIGNED, display_until__gte=today)


def _archives_with_findings_query(subject_id: uuid.UUID, today: date) -> QuerySet[Archive]:
    from django.contrib.postgres.expressions import ArraySubquery

    signed = AnnualFinding.objects.filter(_shown(today), archive_id=OuterRef("pk")).order_by("-year")
    return _archives_query(subject_id).annotate(**{
        _FINDING_YEARS: ArraySubquery(signed.values("year")),
        _FINDING_STATUSES: ArraySubquery(signed.values("status")),
        _FINDING_DAYS: ArraySubquery(signed.values("decided_on")),
    })


_FINDING_DAY = AnnualFinding._meta.get_field("display_until")
_ARCHIVES_WITH_FINDINGS = compiled.CompiledQuery(
    _archives_with_findings_query, fields={"subject_id": Subject._meta.pk, "today": _FINDING_DAY},
    sentinels={"subject_id": _SUBJECT, "today": _DAY},
)


def report_archives(subject: Subject, *, with_findings: bool = False, today: date | None = None) -> list[Archive]:
    """``subject.archives`` with occupation, department and credit level, in the report's
    order, each knowing its person as the related manager's would; ``with_findings``: on
    PostgreSQL with their findings shown on ``today`` too, for ``findings_of``."""
    with_findings = with_findings and connections["default"].vendor == "postgresql"
    if with_findings:
        if today is None:
            raise TypeError("report_archives(with_findings=True) needs the report's day")
        archives = _ARCHIVES_WITH_FINDINGS.objects(subject_id=subject.pk, today=today)
    else:
        archives = _ARCHIVES_OF.objects(subject_id=subject.pk)
    person = Archive._meta.get_field("subject")
    for archive in archives:
        person.set_cached_value(archive, subject)
    return archives


def findings_of(archives: list[Archive], *, today: date) -> list[tuple[int, int, str, date | None]]:
    """``signed_findings`` of these archives on ``today``, from what ``report_archives(…,
    with_findings=True)`` read with them when it could (newest first within each
    archive, which is the order a report keeps); else read."""
    if archives and all(hasattr(a, _FINDING_YEARS) for a in archives):
        return [
            (archive.pk, year, status, day)
            for archive in archives
            for year, status, day in zip(
                getattr(archive, _FINDING_YEARS), getattr(archive, _FINDING_STATUSES), getattr(archive, _FINDING_DAYS),
                strict=True,
            )
        ]
    return signed_findings([a.pk for a in archives], today=today)


def _findings_query(today: date, **ids: int) -> QuerySet[Any]:
    return AnnualFinding.objects.filter(_shown(today), archive__in=list(ids.values())).order_by(
        "-year").values_list("archive_id", "year", "status", "decided_on")


def signed_findings(archive_ids: list[int], *, today: date) -> list[tuple[int, int, str, date | None]]:
    """(archive, year, status, decision day) of the current signed findings of the archives still shown
    on ``today``, newest year first; no statement for no archive, as the ORM's empty ``IN``."""
    if not archive_ids:
        return []
    names = compiled.id_sentinels("a", len(archive_ids), base=_ARCHIVES)
    query = compiled.compiled_for(
        ("report-findings", len(archive_ids)), _findings_query,
        fields={"today": _FINDING_DAY, **dict.fromkeys(names, _ID)}, sentinels={"today": _DAY, **names},
    )
    return query.values(today=today, **dict(zip(names, archive_ids, strict=True)))



def scope_categories(category_ids: list[int] | None, in_scope: list[Archive]) -> tuple[list[str], list[str]]:
    """The names of the categories a narrowed report covers, and of those the archives in
    scope can hold that it leaves out (the common ones and their occupations' own), in
    one query; both empty for a report of every category."""
    if category_ids is None:
        return [], []
    ids = set(category_ids)
    occupations = list(dict.fromkeys(a.occupation_id for a in in_scope))
    category_names = compiled.id_sentinels("c", len(ids), base=_CATEGORIES)
    occupation_names = compiled.id_sentinels("o", len(occupations), base=_OCCUPATIONS)

    def build(**values: int) -> QuerySet[Any]:
        # The occupations' categories as EXISTS, not a join and DISTINCT: the join sorted
        # every (category, occupation) link (≈ 480 rows) to drop the repeats, 0.5-0.75 ms
        # of the query API's database time; the rows and their order are the same. No
        # occupation: no arm, as the ORM drops an empty ``IN`` from an OR.
        held = Q(pk__in=[values[n] for n in category_names]) | Q(is_common=True)
        if occupation_names:
            held |= Q(Exists(OccupationCategory.objects.filter(
                category_id=OuterRef("pk"), occupation_id__in=[values[n] for n in occupation_names]
            )))
        return RecordCategory.objects.filter(held).order_by("sort_order", "id").values_list("id", "name", "sort_order")

    query = compiled.compiled_for(
        ("report-categories", len(ids), len(occupations)), build,
        fields=dict.fromkeys([*category_names, *occupation_names], _ID),
        sentinels={**category_names, **occupation_names},
    )
    rows = query.values(**dict(zip(category_names, ids, strict=True)), **dict(zip(occupation_names, occupations, strict=True)))
    chosen: list[str] = []
    held: list[str] = []
    for pk, name, _order in rows:
        (chosen if pk in ids else held).append(name)
    return chosen, held
