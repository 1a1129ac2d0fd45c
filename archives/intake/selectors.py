"""Reads of the intake that encode who may see what."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, When

from archives.intake import permissions
from archives.intake.models import FindingBatch, ImportJob
from archives.models import AnnualFinding, Archive, CreditRecord
from archives.overdue import overdue_condition
from archives.scope import Scope
from archives.selectors import archives_visible_to
from credit_portal.exceptions import NotFound
from departments.models import Department, Occupation, OccupationDepartment
from departments.scope import department_ids

if TYPE_CHECKING:
    from credit_portal.models import User


def import_departments(user: User) -> QuerySet[Department]:
    """Departments ``user`` imports for: those where they are a clerk."""
    return Department.objects.filter(id__in=permissions.import_department_ids(user)).order_by("sort_order")


def import_occupations(user: User) -> QuerySet[Occupation]:
    """Occupations of those departments in the catalogue (000 §二)."""
    ids = OccupationDepartment.objects.filter(department_id__in=permissions.import_department_ids(user))
    return Occupation.objects.filter(id__in=ids.values("occupation_id"), is_active=True).order_by("sort_order", "code")


def jobs_visible_to(user: User) -> QuerySet[ImportJob]:
    """Jobs of the user's departments (clerks and reviewers), without the stored files."""
    return (
        ImportJob.objects.filter(department_id__in=department_ids(user))
        .select_related("occupation", "department", "created_by")
        .defer("upload", "error_report")
    )


def get_job(user: User, job_id: object) -> ImportJob:
    try:
        return jobs_visible_to(user).get(pk=job_id)
    except (ImportJob.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such import job.") from None


def job_error_report(job: ImportJob) -> str:
    """The stored error report of a job the caller has already read through ``get_job``
    (the job list defers it: it can be large)."""
    return ImportJob.objects.only("id", "error_report").get(pk=job.pk).error_report


# --- batch yearly findings ------------------------------------------------------------


def batch_archives(*, department: Department, year: int, occupation: Occupation | None, employer: str) -> QuerySet[Archive]:
    """Open archives the department keeps, of the occupation and/or unit, annotated
    with whether they have grounds (negative records of the year) or a finding already."""
    grounds = CreditRecord.objects.filter(
        archive_id=OuterRef("pk"), is_current=True, polarity=CreditRecord.Polarity.NEGATIVE,
        state__in=[CreditRecord.State.PUBLISHED, CreditRecord.State.SUBMITTED], decided_on__year=year,
    )
    found = AnnualFinding.objects.filter(archive_id=OuterRef("pk"), year=year).exclude(
        state=AnnualFinding.State.SUPERSEDED)
    qs = Archive.objects.filter(department=department, state=Archive.State.OPEN)
    if occupation is not None:
        qs = qs.filter(occupation=occupation)
    if employer:
        qs = qs.filter(employer=employer)
    return qs.annotate(has_grounds=Exists(grounds), has_finding=Exists(found)).select_related("subject", "occupation")


def batch_departments(user: User) -> QuerySet[Department]:
    """Departments ``user`` drafts batches for (``permissions.batch_department_ids``)."""
    return Department.objects.filter(id__in=permissions.batch_department_ids(user))


def batch_occupations(user: User) -> QuerySet[Occupation]:
    """Occupations of those departments in the catalogue."""
    ids = OccupationDepartment.objects.filter(department_id__in=permissions.batch_department_ids(user))
    return Occupation.objects.filter(id__in=ids.values("occupation_id"))


def batches_visible_to(user: User) -> QuerySet[FindingBatch]:
    return FindingBatch.objects.filter(department_id__in=department_ids(user)).select_related(
        "department", "occupation", "drafted_by", "signed_by")


def batches_awaiting_signature(user: User) -> QuerySet[FindingBatch]:
    """Draft batches a reviewer may sign: their department's, not drafted by them."""
    return batches_visible_to(user).filter(
        state=FindingBatch.State.DRAFT, department_id__in=permissions.batch_department_ids(user)
    ).exclude(drafted_by=user)


def get_batch_for_view(user: User, batch_id: object) -> FindingBatch:
    try:
        return batches_visible_to(user).get(pk=batch_id)
    except (FindingBatch.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such batch.") from None


def batch_findings(batch: FindingBatch) -> QuerySet[AnnualFinding]:
    """The batch's findings in the order of the unit's list: employer, name."""
    return batch.findings.select_related("archive__subject", "archive__occupation").order_by(
        "archive__employer", "archive__subject__name", "pk")


def batch_exceptions(batch: FindingBatch) -> QuerySet[Archive]:
    """The archives the batch left out because they have grounds (reviewed one by one)."""
    return batch_archives(department=batch.department, year=batch.year, occupation=batch.occupation,
                          employer=batch.employer).filter(has_grounds=True)


def draft_findings_to_sign(user: User, *, scope: Scope | None = None) -> QuerySet[AnnualFinding]:
    """Single draft findings (not in a batch) a reviewer may sign: in their scope, not
    drafted by them; none for anyone who is not a reviewer. Read from the partial index
    ``finding_drafts``, oldest first."""
    if not permissions.can_draft_batches(user):
        return AnnualFinding.objects.none()
    in_batch = FindingBatch.findings.through.objects.values("annualfinding_id")
    visible = archives_visible_to(user, scope=scope).values("id")
    return (
        AnnualFinding.objects.filter(state=AnnualFinding.State.DRAFT, archive__in=visible)
        .exclude(created_by=user).exclude(pk__in=in_batch)
        .select_related("archive__subject", "archive__occupation", "created_by").order_by("created_at", "id")
    )


# --- the department's archive list --------------------------------------------------------


def department_archives(user: User, filters: dict[str, Any], *, scope: Scope | None = None) -> QuerySet[Archive]:
    """Archives ``user`` may see (``scope``: theirs, when read already), filtered, with
    "has negative records" in the same query.

    Negative means current, published negative information (what the subject's
    credit status rests on); drafts are not facts yet.
    """
    negative = CreditRecord.objects.filter(
        archive_id=OuterRef("pk"), is_current=True, state=CreditRecord.State.PUBLISHED,
        polarity=CreditRecord.Polarity.NEGATIVE,
    )
    # The cadence rule lives in archives.overdue (catalogue data, 001 §三(五)): read once.
    overdue = overdue_condition()
    qs = archives_visible_to(user, scope=scope).annotate(has_negative=Exists(negative), is_overdue=_overdue_q_annotation(overdue))
    if filters.get("occupation"):
        qs = qs.filter(occupation=filters["occupation"])
    if filters.get("employer"):
        qs = qs.filter(employer__icontains=filters["employer"])
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("negative") in {"yes", "no"}:
        qs = qs.filter(has_negative=filters["negative"] == "yes")
    if filters.get("finding_year"):
        qs = qs.filter(Exists(AnnualFinding.objects.filter(
            archive_id=OuterRef("pk"), year=filters["finding_year"], is_current=True, state=AnnualFinding.State.SIGNED,
        )))
    if filters.get("overdue") == "yes":
        qs = qs.filter(overdue)
    elif filters.get("overdue") == "no":
        qs = qs.exclude(overdue)
    # A roster: by occupation (the catalogue's order), then unit, then the order the
    # archives were opened. Not by the person's name: that sorted every archive in scope
    # joined to its person before the first page could be shown (1.1 s for a scope of
    # 500,000 at 1,000,000 people, against 0.18 s without it), and PostgreSQL orders
    # Chinese names by code point, not by pinyin, which no clerk reads as an order. A
    # person is found by name or ID number on the find page. Of one occupation, the same
    # order without the join, which the index archive_occupation_employer serves: the
    # first page is read in index order, without sorting the whole occupation.
    if filters.get("occupation"):
        return qs.order_by("employer", "pk")
    return qs.order_by("occupation__sort_order", "employer", "pk")


class ArchiveRow(NamedTuple):
    """One line of the department's archive list: what the page shows, no more."""

    pk: int
    name: str
    id_number_masked: str
    occupation_sort: int
    occupation: str
    employer: str
    state: str  # its label
    has_negative: bool
    is_overdue: bool
    last_updated_at: datetime


def archive_rows(archives: QuerySet[Archive], ids: list[int]) -> list[ArchiveRow]:
    """The lines of the archives ``ids`` of ``department_archives``' ``archives``, in its
    order: the columns the page shows read as values, not as four model instances per
    line (a sixth of the page's time for 50 lines). The scope and the filters are
    applied again."""
    labels = {value: str(label) for value, label in Archive.State.choices}
    return [
        ArchiveRow(pk, name, masked, sort, occupation, employer, labels.get(state, state), negative, overdue, updated)
        for pk, name, masked, sort, occupation, employer, state, negative, overdue, updated in
        archives.filter(pk__in=ids).values_list(
            "pk", "subject__name", "subject__id_number_masked", "occupation__sort_order", "occupation__name",
            "employer", "state", "has_negative", "is_overdue", "last_updated_at",
        )
    ]


def _overdue_q_annotation(overdue: Q):  # type: ignore[no-untyped-def]
    from django.db.models import BooleanField, Case, Value, When

    return Case(When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField())


# --- what department systems read through the API ----------------------------------------


def occupation_by_code(code: object) -> Occupation | None:
    return Occupation.objects.filter(code=code).first() if isinstance(code, str) else None


def department_records(department_id: int) -> QuerySet[CreditRecord]:
    """Current versions of the records in the department's own archives, with the
    external id (if the department's system sent the record) in the same query."""
    return (
        CreditRecord.objects.filter(archive__department_id=department_id, is_current=True)
        .select_related("archive__occupation", "archive__subject", "category", "domain")
        .annotate(external_id=Case(When(intake_key__startswith="ext:", then=F("intake_key")), default=None))
    )


def sent_keys(department_id: int, keys: list[str]) -> dict[str, CreditRecord]:
    """The records the department's system sent under ``keys`` (its external-id keys), by
    key; another department's are not found."""
    records = CreditRecord.objects.filter(intake_department_id=department_id, intake_key__in=keys)
    return {r.intake_key: r for r in records.only("id", "intake_key", "intake_digest")}
