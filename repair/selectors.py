"""Reads of the repair app that encode who may see what (DESIGN §6), with their joins
spelled out so list pages run a fixed number of queries whatever their length."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from typing import TYPE_CHECKING

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone

from archives.models import Archive, CreditRecord, Subject
from archives.selectors import archives_visible_to
from credit_portal import audit
from credit_portal.exceptions import NotFound
from credit_portal.models import User
from credit_portal.roles import Role
from disclosure import selectors as disclosure_selectors
from repair import case_types, citizens, deadlines, permissions
from repair.models import CaseEvent, CaseFile, Objection, PersonalStatement, Rating, RepairApplication, next_due

if TYPE_CHECKING:
    from repair.services.applications import Eligibility

Case = case_types.Case
_CASE_JOINS = ("record__archive__department", "record__archive__occupation", "subject", "assigned_to")


def statement_for(record: CreditRecord) -> PersonalStatement | None:
    """The subject's personal statement (本人声明) to show with any version of
    ``record``, or None."""
    return PersonalStatement.objects.filter(lineage=record.lineage).order_by("-created_at").first()


def personal_statements_for(lineages: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Statements for many records in one query. Registered with
    ``archives.annotations`` in ``RepairConfig.ready()``, so staff archive pages and
    credit reports show statements without importing this app."""
    statements: dict[uuid.UUID, str] = {}
    for lineage, text in PersonalStatement.objects.filter(lineage__in=list(lineages)).order_by(
        "created_at"
    ).values_list("lineage", "text"):
        statements[lineage] = text  # the latest wins
    return statements


def personal_statement_of_record() -> Subquery:
    """``personal_statements_for`` as an expression on a record row: the latest
    statement of the row's lineage (NULL where none). Registered with
    ``archives.annotations``, so a credit report reads statements with its records in
    one query; ties on ``created_at`` go to the later row, as the dict there keeps the
    last row read."""
    rows = PersonalStatement.objects.filter(lineage=OuterRef("lineage")).order_by("-created_at", "-id")
    return Subquery(rows.values("text")[:1])


def personal_statements_stamp() -> Subquery:
    """How many personal statements the archive's subject has made (per archive row):
    statements are only ever added, so a new one changes the count. Registered with
    ``archives.annotations`` as the version of the statements a cached archive page shows."""
    rows = PersonalStatement.objects.filter(subject=OuterRef("subject")).order_by().values("subject")
    return Subquery(rows.annotate(n=Count("id")).values("n")[:1])


def _mark(case: Case, today: date) -> Case:
    """Facts every list shows about a case, computed once here (never in templates)."""
    case.kind = case_types.of(case).slug
    case.overdue = case.due is not None and case.due < today
    return case


def corrected_display_ended_on(case: Case) -> date | None:
    """When a case corrected its record to a decision whose display period was already
    over (``records.common.expire_if_over`` ended the new version at once), the day that
    period ended, for the concluded page to say; ``None`` otherwise."""
    record = getattr(case, "resulting_record", None)
    if getattr(case, "result", "") != "corrected" or record is None or record.state != CreditRecord.State.EXPIRED:
        return None
    return record.display_until


# --- the citizen -------------------------------------------------------------------------------

@dataclass
class RecordRow:
    record: CreditRecord
    archive: Archive
    eligibility: Eligibility | None
    open_objection: Objection | None
    open_repair: RepairApplication | None


def records_overview(subject: Subject) -> list[RecordRow]:
    """Each published record of ``subject`` with whether and when it can be repaired and
    its open cases: six queries whatever the number of records."""
    from repair.services.applications import minimum_months, repair_eligibility

    archives = list(disclosure_selectors.own_archives(subject))
    records = [(a, r) for a in archives for r in a.records.all() if r.state == CreditRecord.State.PUBLISHED]
    lineages = [r.lineage for _a, r in records]
    objections = {o.record.lineage: o for o in Objection.objects.filter(
        record__lineage__in=lineages, state__in=Objection.OPEN_STATES).select_related("record")}
    repairs = {a.record.lineage: a for a in RepairApplication.objects.filter(
        record__lineage__in=lineages, state__in=RepairApplication.OPEN_STATES).select_related("record")}
    rules = minimum_months() if any(r.is_negative for _a, r in records) else {}
    return [
        RecordRow(
            record=record, archive=archive,
            eligibility=repair_eligibility(record, min_months=rules) if record.is_negative else None,
            open_objection=objections.get(record.lineage), open_repair=repairs.get(record.lineage),
        )
        for archive, record in records
    ]


def cases_of_subject(subject: Subject) -> list[Case]:
    """A citizen's objections and repair applications, newest first: two queries."""
    today = timezone.localdate()
    objections = Objection.objects.filter(subject=subject).select_related("record")
    applications = RepairApplication.objects.filter(subject=subject).select_related("record")
    return [_mark(c, today) for c in sorted(chain(objections, applications), key=lambda c: c.filed_at, reverse=True)]


def own_record(subject: Subject, record_id: int) -> CreditRecord:
    try:
        return CreditRecord.objects.select_related("archive__occupation", "archive__department", "category").get(
            pk=record_id, archive__subject=subject, is_current=True
        )
    except (CreditRecord.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such record.") from None


# --- who sees a case ---------------------------------------------------------------------------

def cases_visible_to(user: User, case_type: case_types.CaseType) -> QuerySet:
    """The subject sees their own cases; the credit office every case; the department
    that keeps the record sees the objections it must verify, once accepted."""
    qs = case_type.model.objects.select_related(*_CASE_JOINS)
    if permissions.is_credit_office(user):
        return qs
    subject = citizens.subject_for(user)
    own = Q(subject=subject) if subject is not None else Q(pk__in=[])
    if case_type.department_answers:
        dept = Q(record__archive__in=archives_visible_to(user).values("id"), accepted_at__isnull=False)
        return qs.filter(own | dept)
    return qs.filter(own)


def objections_visible_to(user: User) -> QuerySet[Objection]:
    return cases_visible_to(user, case_types.OBJECTION)


def get_case_for_view(user: User, kind: str, pk: object, *, request: HttpRequest | None = None) -> Case:
    """One case for a page; ``NotFound`` when it does not exist or is outside the user's
    view. With ``request`` the read is written to the audit trail (DESIGN §8: reads of
    personal data are audited)."""
    case_type = case_types.by_slug(kind)
    if case_type is None:
        raise NotFound("No such case.")
    try:
        case = cases_visible_to(user, case_type).get(pk=pk)
    except (case_type.model.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such case.") from None
    if request is not None:
        audit.record_read(f"repair.{case_type.audit_object}.viewed", actor=user, target=case,
                     subject_ref=str(case.subject_id), request=request)
    return _mark(case, timezone.localdate())


def get_file_for_view(user: User, file_id: object, *, request: HttpRequest) -> CaseFile:
    """A case file for download, only to someone who may see its case; audited."""
    try:
        row = CaseFile.objects.get(pk=file_id)
    except (CaseFile.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such file.") from None
    case = case_types.case_of(row)
    get_case_for_view(user, case_types.of(case).slug, case.pk)
    audit.record_read("repair.file.downloaded", actor=user, target=case, subject_ref=str(case.subject_id),
                 detail={"file": str(row.pk)}, request=request)
    return row


def case_events(case: Case) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(**case_types.owner_kwargs(case)).select_related("actor")


def case_files(case: Case) -> QuerySet[CaseFile]:
    return CaseFile.objects.filter(**case_types.owner_kwargs(case))


def rating_of(case: Case) -> Rating | None:
    return Rating.objects.filter(**case_types.owner_kwargs(case)).first()


def own_statement(case: Case) -> PersonalStatement | None:
    return PersonalStatement.objects.filter(objection_id=case.pk).first() if case_types.of(case).department_answers else None


# --- the credit office -------------------------------------------------------------------------

STAGES: tuple[tuple[str, case_types.CaseType, str], ...] = (
    ("objection_submitted", case_types.OBJECTION, Objection.State.SUBMITTED),
    ("objection_verifying", case_types.OBJECTION, Objection.State.VERIFYING),
    ("objection_proposed", case_types.OBJECTION, Objection.State.PROPOSED),
    ("repair_submitted", case_types.APPLICATION, RepairApplication.State.SUBMITTED),
    ("repair_accepted", case_types.APPLICATION, RepairApplication.State.ACCEPTED),
)


# At most this many cases of each stage on the queue page, most urgent first; the
# stage's own page lists all of them, 50 a page. A backlog of thousands (a whole
# department's records disputed at once) would otherwise be rendered on one page.
QUEUE_SHOWN = 20


@dataclass
class Stage:
    key: str
    case_type: case_types.CaseType
    state: str
    count: int = 0
    overdue: int = 0
    cases: list[Case] = field(default_factory=list)


def _overdue(today: date) -> Q:
    return Q(accepted_at__isnull=True, accept_due__lt=today) | Q(accepted_at__isnull=False, decide_due__lt=today)


_URGENT_FIRST = (F("next_due").asc(nulls_last=True), F("filed_at").asc(), F("pk").asc())


def stage_of(key: object) -> Stage | None:
    for stage_key, case_type, state in STAGES:
        if stage_key == key:
            return Stage(stage_key, case_type, state)
    return None


def stage_cases(user: User, stage: Stage) -> QuerySet:
    """Every open case of ``stage``, oldest deadline first (for paging); none for
    anyone but the credit office. ``mark_queue_cases`` marks a page of them."""
    model = stage.case_type.model
    if not permissions.is_credit_office(user):
        return model.objects.none()
    return (model.objects.filter(state=stage.state).annotate(next_due=next_due())  # the expression of the stage's index
            .select_related("assigned_to").order_by(*_URGENT_FIRST))


def mark_queue_cases(cases: Iterable[Case], today: date | None = None) -> list[Case]:
    """Mark each case ``overdue`` (deadline passed) or ``due_soon`` (due within one
    working day)."""
    today = today or timezone.localdate()
    soon = deadlines.add_working_days(today, 1)
    marked = []
    for case in cases:
        _mark(case, today)
        case.due_soon = not case.overdue and case.due is not None and case.due <= soon
        marked.append(case)
    return marked


def queue(user: User, *, today: date | None = None, shown: int | None = None) -> dict[str, Stage]:
    """The credit office's open cases by stage key, in STAGES order: each stage's count,
    how many are past their deadline, and its ``shown`` most urgent cases (oldest
    deadline first), marked. Empty for anyone but the credit office.
    Seven queries whatever the number of cases: per kind of case one for the counts, and
    per stage its first ``shown`` from the stage's index (``urgent_first_index``), so a
    backlog of thousands is not ranked in full for twenty lines."""
    if not permissions.is_credit_office(user):
        return {}
    today = today or timezone.localdate()
    shown = shown or QUEUE_SHOWN
    stages = [Stage(key, case_type, state) for key, case_type, state in STAGES]
    for case_type in (case_types.OBJECTION, case_types.APPLICATION):
        own = [s for s in stages if s.case_type is case_type]
        counts = case_type.model.objects.filter(state__in=[s.state for s in own]).aggregate(**{
            name: Count("pk", filter=Q(state=s.state) & extra)
            for s in own for name, extra in ((f"n{s.key}", Q()), (f"o{s.key}", _overdue(today)))
        })
        for stage in own:
            stage.count, stage.overdue = counts[f"n{stage.key}"], counts[f"o{stage.key}"]
            stage.cases = mark_queue_cases(stage_cases(user, stage)[:shown], today)
    return {stage.key: stage for stage in stages}


def closed_cases(user: User, case_type: case_types.CaseType, *, query: str = "") -> QuerySet:
    """Concluded cases of one kind for the credit office, newest first, found by
    reference or record title (never by personal data); empty for anyone else."""
    if not permissions.is_credit_office(user):
        return case_type.model.objects.none()
    qs = case_type.model.objects.exclude(state__in=case_type.model.OPEN_STATES).select_related("record", "concluded_by")
    if query:
        qs = qs.filter(Q(reference__icontains=query) | Q(record__title__icontains=query))
    return qs.order_by("-concluded_at", "-pk")


def officers() -> QuerySet[User]:
    return User.objects.filter(groups__name=Role.CREDIT_OFFICE, is_active=True).order_by("username").distinct()


def department_objections(user: User) -> list[Objection]:
    """Accepted objections waiting for the answer of ``user``'s department."""
    today = timezone.localdate()
    return [_mark(c, today) for c in (
        Objection.objects.filter(state=Objection.State.VERIFYING,
                                 record__archive__in=archives_visible_to(user).values("id"))
        .select_related("record__archive__occupation", "subject")
        .order_by("decide_due", "pk")
    )]


def ratings_to_follow_up() -> list[Rating]:
    rows = list(Rating.objects.filter(needs_follow_up=True, followed_up_at__isnull=True).select_related(
        "objection", "application"
    ).order_by("rated_at"))
    for rating in rows:
        rating.case = case_types.case_of(rating)
        rating.kind = case_types.of(rating.case).slug
    return rows


def get_rating(pk: object) -> Rating:
    try:
        rating = Rating.objects.select_related("objection", "application").get(pk=pk)
    except (Rating.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such rating.") from None
    rating.case = case_types.case_of(rating)
    return rating


def open_cases_due_by(day: date) -> list[Case]:
    """Open cases whose current deadline is on or before ``day`` (the reminder task)."""
    objections = Objection.objects.filter(
        Q(state=Objection.State.SUBMITTED, accept_due__lte=day)
        | Q(state__in=[Objection.State.VERIFYING, Objection.State.PROPOSED], decide_due__lte=day)
    ).select_related("assigned_to")
    applications = RepairApplication.objects.filter(
        Q(state=RepairApplication.State.SUBMITTED, accept_due__lte=day)
        | Q(state=RepairApplication.State.ACCEPTED, decide_due__lte=day)
    ).select_related("assigned_to")
    return [*objections, *applications]
