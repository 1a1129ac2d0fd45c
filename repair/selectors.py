"""Reads of the repair app that encode who may see what (DESIGN §6)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from itertools import chain

from django.db.models import Q, QuerySet
from django.utils import timezone

from archives.models import CreditRecord, Subject
from archives.selectors import archives_visible_to
from credit_portal.exceptions import NotFound
from departments.scope import is_credit_office
from repair import deadlines, identity
from repair.models import Objection, PersonalStatement, Rating, RepairApplication


def statement_for(record: CreditRecord) -> PersonalStatement | None:
    """The subject's personal statement (本人声明) to show with any version of
    ``record``, or None. Archive pages and the disclosure report call this."""
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


def open_objection_for(record: CreditRecord) -> Objection | None:
    return Objection.objects.filter(record__lineage=record.lineage, state__in=Objection.OPEN_STATES).first()


def cases_of_subject(subject: Subject) -> list[Objection | RepairApplication]:
    """A citizen's objections and repair applications, newest first."""
    objections = Objection.objects.filter(subject=subject).select_related("record")
    applications = RepairApplication.objects.filter(subject=subject).select_related("record")
    return sorted(chain(objections, applications), key=lambda c: c.filed_at, reverse=True)


def _case_qs(model: type, user: object) -> QuerySet:
    qs = model.objects.select_related("record__archive__department", "record__archive__occupation", "subject",
                                      "assigned_to")
    if is_credit_office(user):
        return qs
    subject = identity.subject_for(user)
    own = Q(subject=subject) if subject is not None else Q(pk__in=[])
    if model is Objection:
        # The source department sees the objections it must verify.
        dept = Q(record__archive__in=archives_visible_to(user).values("id"), accepted_at__isnull=False)
        return qs.filter(own | dept)
    return qs.filter(own)


def objections_visible_to(user: object) -> QuerySet[Objection]:
    return _case_qs(Objection, user)


def applications_visible_to(user: object) -> QuerySet[RepairApplication]:
    return _case_qs(RepairApplication, user)


def get_case_for_view(user: object, kind: str, pk: object) -> Objection | RepairApplication:
    qs = objections_visible_to(user) if kind == "objection" else applications_visible_to(user)
    try:
        return qs.get(pk=pk)
    except (Objection.DoesNotExist, RepairApplication.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such case.") from None


def queue(user: object, *, today: date | None = None) -> dict[str, list]:
    """The credit office's open cases by stage, oldest deadline first, each marked
    ``overdue`` (deadline passed) or ``due_soon`` (due within one working day)."""
    if not is_credit_office(user):
        return {}
    today = today or timezone.localdate()
    soon = deadlines.add_working_days(today, 1)
    stages: dict[str, list] = {
        "objection_submitted": list(Objection.objects.filter(state=Objection.State.SUBMITTED).order_by("accept_due")),
        "objection_verifying": list(Objection.objects.filter(state=Objection.State.VERIFYING).order_by("decide_due")),
        "objection_proposed": list(Objection.objects.filter(state=Objection.State.PROPOSED).order_by("decide_due")),
        "repair_submitted": list(
            RepairApplication.objects.filter(state=RepairApplication.State.SUBMITTED).order_by("accept_due")
        ),
        "repair_accepted": list(
            RepairApplication.objects.filter(state=RepairApplication.State.ACCEPTED).order_by("decide_due")
        ),
    }
    for cases in stages.values():
        for case in cases:
            case.overdue = case.due is not None and case.due < today
            case.due_soon = not case.overdue and case.due is not None and case.due <= soon
    return stages


def department_objections(user: object) -> QuerySet[Objection]:
    """Accepted objections waiting for the verification of ``user``'s department."""
    return (
        Objection.objects.filter(state=Objection.State.VERIFYING, record__archive__in=archives_visible_to(user).values("id"))
        .select_related("record__archive__occupation", "subject")
        .order_by("decide_due")
    )


def ratings_to_follow_up() -> QuerySet[Rating]:
    return Rating.objects.filter(needs_follow_up=True, followed_up_at__isnull=True).select_related(
        "objection", "application"
    )


def open_cases_due_by(day: date) -> list[Objection | RepairApplication]:
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
