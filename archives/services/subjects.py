"""Subjects and archives: find or create a person, open, edit and close archives."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from archives import permissions, validators
from archives.events import emit_subject_renamed
from archives.models import Archive, Subject
from archives.services.records.common import department_work_changed
from credit_portal import audit
from credit_portal.crypto import blind_index
from credit_portal.exceptions import TransitionNotAllowed
from departments.models import Department, Occupation, OccupationDepartment

if TYPE_CHECKING:
    from credit_portal.models import User

# Said when registration cannot go ahead for a person the clerk's department does not
# keep: the same words whether the number is unknown or kept by another department,
# so a clerk learns nothing about other departments' people (DESIGN §6).


SUBJECT_INDEX_PURPOSE = "id_number"


def subject_index_for(id_number: str) -> str:
    """The blind index of a normalized ID number: how a subject is found."""
    return blind_index(id_number, purpose=SUBJECT_INDEX_PURPOSE)


def find_subject_by_id_number(id_number: str) -> Subject | None:
    """Exact look-up through the blind index; ``id_number`` is validated first."""
    number = validators.validate_id_number(id_number)
    return Subject.objects.filter(id_number_index=subject_index_for(number)).first()


def _require_staff(by: User) -> None:
    if not permissions.can_use_staff_pages(by):
        raise PermissionDenied(_("Only department staff and the credit office keep subjects."))


def find_or_create_subject(
    *,
    name: str,
    id_number: str,
    by: User,
    phone: str = "",
    political_status: str = "",
    education: str = "",
) -> tuple[Subject, bool]:
    """Return the subject with this ID number, creating it if there is none.

    Callers: department clerks and reviewers, the credit office. One person is one
    subject however many departments keep an archive for them (no duplicates: the
    blind index is unique). An existing subject is returned unchanged; when the name
    does not match, nothing is created and the caller is told to check the input.
    """
    _require_staff(by)
    number = validators.validate_id_number(id_number)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Enter the person's name.")})
    index = subject_index_for(number)
    with transaction.atomic():
        existing = Subject.objects.select_for_update().filter(id_number_index=index).first()
        if existing is not None:
            if existing.name != name:
                # Whether the number is known to another department is not said
                # (DESIGN §6): the words fit a typing error in either field.
                raise ValidationError(
                    {"name": _("The name and the ID number do not belong together. Check both against the identity card.")}
                )
            return existing, False
        subject = Subject(
            name=name,
            gender=validators.gender_of(number),
            id_number=number,
            id_number_index=index,
            id_number_masked=validators.masked_id_number(number),
            birth_date=validators.birth_date_of(number),
            phone=phone.strip(),
            political_status=political_status,
            education=education,
            created_by=by,
        )
        # Another clerk may have created the same person a moment ago.
        _insert(subject, {"id_number": _("This person was just registered; search for them.")})
        audit.record("archives.subject.created", actor=by, target=subject, subject_ref=str(subject.pk))
    return subject, True


def update_subject(subject: Subject, *, by: User, **fields: str) -> Subject:
    """Change a subject's name, phone, political status or education.

    Callers: staff who can see the subject (one of its archives is in their scope).
    The ID number never changes: a wrong number is a different person.
    """
    from archives.selectors import subjects_visible_to

    allowed = {"name", "phone", "political_status", "education"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)} through update_subject.")
    with transaction.atomic():
        locked = subjects_visible_to(by).select_for_update().filter(pk=subject.pk).first()
        if locked is None:
            raise PermissionDenied(_("This subject is not kept by your department."))
        renamed_from = locked.name
        for key, value in fields.items():
            setattr(locked, key, value.strip() if isinstance(value, str) else value)
        if not locked.name:
            raise ValidationError({"name": _("Enter the person's name.")})
        locked.save(update_fields=[*fields.keys(), "updated_at"])
        if locked.name != renamed_from:
            emit_subject_renamed(locked)
        department_work_changed()  # the name on the dashboards' lists
        audit.record(
            "archives.subject.updated", actor=by, target=locked, subject_ref=str(locked.pk), detail={"fields": sorted(fields)}
        )
    return locked


def check_minimum_age(occupation: Occupation, *, birth_date: date, on: date) -> None:
    """Refuse an archive for a person younger than the occupation's minimum age.

    The minimum age is catalogue data with its basis (e.g. 002 §二（一）5 "18岁以上成年
    学生"); age is counted in full years from the birth date in the ID number, so a
    person born on 29 February comes of age on 1 March in a common year (as
    ``Subject.age_on`` counts it for the minors' protection of 003 item 10). Called by
    ``open_archive`` and by the Excel/API intake, so every path refuses alike.
    """
    from credit_portal.templatetags.portal import cite_sources

    if occupation.minimum_age is None:
        return
    if Subject(birth_date=birth_date).age_on(on) >= occupation.minimum_age:
        return
    raise ValidationError({"occupation": _(
        "An archive for %(occupation)s is opened only for a person aged %(age)s or over (%(basis)s). "
        "On %(day)s this person is not yet %(age)s, so no archive is opened."
    ) % {
        "occupation": occupation.name, "age": occupation.minimum_age,
        "basis": cite_sources(occupation.minimum_age_basis), "day": date_format(on, "DATE_FORMAT"),
    }}, code="under_minimum_age")


def open_archive(
    *,
    subject: Subject,
    occupation: Occupation,
    department: Department,
    employer: str,
    by: User,
    title: str = "",
    post: str = "",
    practice_start: date | None = None,
    duties: str = "",
) -> Archive:
    """Open a subject's archive in one occupation, kept by ``department``.

    Callers: a clerk or reviewer of ``department``, which must be responsible for the
    occupation in the catalogue (000 §二 names the responsible units). One archive per
    subject and occupation.
    """
    if not permissions.can_open_archive_for(by, department):
        raise PermissionDenied(_("You can only open archives for your own department."))
    if not OccupationDepartment.objects.filter(occupation=occupation, department=department).exists():
        raise ValidationError(
            {"occupation": _("Your department is not responsible for this occupation in the catalogue.")}
        )
    check_minimum_age(occupation, birth_date=subject.birth_date, on=timezone.localdate())
    if not employer.strip():
        raise ValidationError({"employer": _("Enter the employer.")})
    if practice_start is not None:
        validators.validate_not_future(practice_start, field="practice_start")
        if practice_start < subject.birth_date:
            raise ValidationError({"practice_start": _("The start of practice is before the person's birth date.")})
    now = timezone.now()
    archive = Archive(
        subject=subject,
        occupation=occupation,
        department=department,
        employer=employer.strip(),
        title=title.strip(),
        post=post.strip(),
        practice_start=practice_start,
        duties=duties.strip(),
        created_by=by,
        last_updated_at=now,
    )
    with transaction.atomic():
        if Archive.objects.filter(subject=subject, occupation=occupation).exists():
            raise ValidationError({"occupation": _("This person already has an archive for this occupation.")})
        _insert(archive, {"occupation": _("This person already has an archive for this occupation.")})
        audit.record("archives.archive.opened", actor=by, target=archive, subject_ref=str(subject.pk))
        department_work_changed()  # on the department's archive list
    return archive


def update_archive(archive: Archive, *, by: User, **fields: object) -> Archive:
    """Change the employment details of an open archive (clerk or reviewer in scope)."""
    allowed = {"employer", "title", "post", "practice_start", "duties"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)} through update_archive.")
    with transaction.atomic():
        locked = Archive.objects.select_for_update().select_related("subject").get(pk=archive.pk)
        if locked.state != Archive.State.OPEN:
            raise TransitionNotAllowed(_("A closed archive cannot be changed."))
        if not permissions.can_edit_archive(by, locked):
            raise PermissionDenied(_("This archive is not kept by your department."))
        if "practice_start" in fields and fields["practice_start"] is not None:
            validators.validate_not_future(fields["practice_start"], field="practice_start")  # type: ignore[arg-type]
        for key, value in fields.items():
            setattr(locked, key, value.strip() if isinstance(value, str) else value)
        if not locked.employer:
            raise ValidationError({"employer": _("Enter the employer.")})
        locked.last_updated_at = timezone.now()
        department_work_changed()
        locked.save(update_fields=[*fields.keys(), "last_updated_at"])
        audit.record("archives.archive.updated", actor=by, target=locked, subject_ref=str(locked.subject_id),
                     detail={"fields": sorted(fields)})
    return locked


def close_archive(archive: Archive, *, reason: str, by: User) -> Archive:
    """Close an archive (the person left the occupation). Records stay; nothing is deleted.

    Callers: a reviewer of a department that may act on the archive.
    """
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the archive is closed.")})
    with transaction.atomic():
        locked = Archive.objects.select_for_update().get(pk=archive.pk)
        if locked.state != Archive.State.OPEN:
            raise TransitionNotAllowed(_("The archive is already closed."))
        if not permissions.can_close_archive(by, locked):
            raise PermissionDenied(_("Only a reviewer of the responsible department closes an archive."))
        locked.state = Archive.State.CLOSED
        locked.closed_reason = reason.strip()
        locked.closed_at = timezone.now()
        locked.save(update_fields=["state", "closed_reason", "closed_at"])
        department_work_changed()  # off the overdue lists
        audit.record("archives.archive.closed", actor=by, target=locked, subject_ref=str(locked.subject_id))
    return locked


def share_archive(archive: Archive, *, department: Department, by: User) -> None:
    """Let one more department act on ``archive`` (a django-guardian object permission
    granted to that department's group). Callers: the credit office, or a reviewer of
    the owning department."""
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    from departments.scope import department_group_name

    if not permissions.can_share_archive(by, archive):
        raise PermissionDenied(_("Only the credit office or the owning department's reviewer shares an archive."))
    with transaction.atomic():
        group, _created = Group.objects.get_or_create(name=department_group_name(department))
        assign_perm("archives.share_archive", group, archive)
        audit.record(
            "archives.archive.shared", actor=by, target=archive, subject_ref=str(archive.subject_id),
            detail={"department": department.code},
        )


def _insert(row: models.Model, clash: dict[str, str]) -> None:
    """Insert ``row``; a unique constraint another request won a moment ago becomes the
    ``clash`` error on the form (in a savepoint, so the caller's transaction goes on)."""
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        raise ValidationError(clash) from None
