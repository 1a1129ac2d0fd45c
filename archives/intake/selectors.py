"""Reads of the intake that encode who may see what."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from archives.intake.models import ImportJob
from credit_portal.exceptions import NotFound
from departments.models import Department, Membership, Occupation, OccupationDepartment
from departments.scope import department_ids

if TYPE_CHECKING:
    from credit_portal.models import User


def import_departments(user: User) -> QuerySet[Department]:
    """Departments ``user`` imports for: those where they are a clerk."""
    return Department.objects.filter(id__in=department_ids(user, role=Membership.Role.CLERK)).order_by("sort_order")


def import_occupations(user: User) -> QuerySet[Occupation]:
    """Occupations of those departments in the catalogue (000 §二)."""
    ids = OccupationDepartment.objects.filter(department_id__in=department_ids(user, role=Membership.Role.CLERK))
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
