"""The intake service: validated rows become subjects, archives and draft records.

One function, ``import_rows``, serves the Excel upload, ``manage.py import_records``
and the department-system API. The rules are the web form's: the ID number is
checked by python-stdnum (``archives.validators``), record content by
``archives.services.records.validate_record_content`` (the same function behind
``draft_record``), the uploader must be a clerk of a department responsible for the
occupation in the catalogue (000 §二; ``open_archive``'s rule). Rows land as drafts
written by the uploader, so four eyes holds as for any record: another person
reviews and publishes (DESIGN §5). When the department (or the command's
``--submit``) sends imported rows straight to review, each row goes through
``submit_record`` itself, which also tells the subject of negative information
before it can be published (《征信业管理条例》 art. 15).

Writes happen in bulk, in one transaction: the whole job or nothing ("a job never
half-writes"). With ``mode=all`` any refused row stops the job before anything is
written; with ``mode=valid`` the valid rows are written and the others reported.
The audit trail gets the same entries as the one-by-one services (archives.subject.created,
archives.archive.opened, archives.record.drafted) through ``audit.record_many``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import validators
from archives.intake.catalogue import Choices
from archives.intake.models import IntakeKey
from archives.intake.rows import ParsedRow, validation_errors
from archives.models import Archive, CreditRecord, Subject
from archives.services import submit_record
from archives.services.records import validate_record_content
from archives.services.subjects import subject_index_for
from credit_portal import audit
from credit_portal.crypto import blind_index
from credit_portal.exceptions import DomainError
from departments.models import Department, Membership, OccupationDepartment
from departments.scope import department_ids

if TYPE_CHECKING:
    from credit_portal.models import User

CHUNK = 1000
Progress = Callable[[str, int, int], None]


class ImportConflict(DomainError):
    """Another writer created one of the same people, archives or rows at the same moment."""


@dataclass
class Outcome:
    rows: list[ParsedRow] = field(default_factory=list)
    created: int = 0
    skipped: int = 0
    written: bool = False
    record_ids: dict[int, int] = field(default_factory=dict)  # row number → record id
    existing: dict[int, IntakeKey] = field(default_factory=dict)  # row number → key found

    @property
    def refused(self) -> list[ParsedRow]:
        return [row for row in self.rows if row.errors]

    @property
    def total(self) -> int:
        return len(self.rows)


def check_may_import(*, department: Department, occupation_id: int, by: User) -> None:
    """A clerk of ``department``, which the catalogue makes responsible for the occupation."""
    if department.id not in department_ids(by, role=Membership.Role.CLERK):
        raise PermissionDenied(_("Only a clerk of the department imports its records."))
    if not OccupationDepartment.objects.filter(occupation_id=occupation_id, department=department).exists():
        raise PermissionDenied(_("Your department is not responsible for this occupation in the catalogue."))


def row_key(row: ParsedRow, choices: Choices) -> str:
    """The natural key of a row: the person, the kind of fact, its date, number and title.
    A keyed hash (it holds the ID number), so the key table holds no personal data."""
    data = row.record
    content = "|".join((
        choices.occupation.code, row.person["id_number"], data["category"].code, data.get("polarity", ""),
        data["decided_on"].isoformat(), data.get("decision_number", "").strip(), data.get("title", "").strip(),
    ))
    return "row:" + blind_index(content, purpose="intake-row")


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:  # type: ignore[type-arg]
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _subject_stub(row: ParsedRow, known: dict[str, Subject]) -> Subject:
    found = known.get(row.person["_index"])
    if found is not None:
        return found
    return Subject(birth_date=validators.birth_date_of(row.person["id_number"]), name=row.person["name"])


def prepare(
    rows: Iterable[ParsedRow], *, department: Department, choices: Choices, keys: Callable[[ParsedRow], str] | None = None,
    progress: Progress | None = None, total_hint: int = 0,
) -> tuple[Outcome, dict[str, Subject], dict[object, Archive]]:
    """Check every row without writing: cell types (already parsed), duplicates in the
    batch, the person's name against the portal's, the archive's state, the record
    content by the web form's rules, and whether the row was imported before."""
    outcome = Outcome()
    key_of = keys or (lambda row: row_key(row, choices))
    seen: dict[str, int] = {}
    names: dict[str, tuple[str, int]] = {}
    for count, row in enumerate(rows, start=1):
        outcome.rows.append(row)
        if "id_number" in row.person:
            row.person["_index"] = subject_index_for(row.person["id_number"])
            earlier = names.setdefault(row.person["_index"], (row.person.get("name", ""), row.number))
            if row.person.get("name") and earlier[0] != row.person["name"]:
                row.add("name", _("The same ID number has the name \"%(name)s\" in row %(row)s.")
                        % {"name": earlier[0], "row": earlier[1]}, "name_mismatch")
        if not row.errors:
            row.person["_key"] = key_of(row)
            first = seen.setdefault(row.person["_key"], row.number)
            if first != row.number:
                row.add("", _("Duplicate of row %(row)s: the same record appears twice in this file.") % {"row": first},
                        "duplicate_row")
        if progress and count % CHUNK == 0:
            progress("checking", count, total_hint)
    candidates = [row for row in outcome.rows if "_index" in row.person]
    subjects: dict[str, Subject] = {}
    for part in _chunks(sorted({row.person["_index"] for row in candidates})):
        for subject in Subject.objects.filter(id_number_index__in=part).only("id", "name", "birth_date", "id_number_index"):
            subjects[subject.id_number_index] = subject
    archives: dict[object, Archive] = {}
    for part in _chunks([s.pk for s in subjects.values()]):
        for archive in Archive.objects.filter(subject_id__in=part, occupation=choices.occupation).only(
            "id", "subject_id", "state", "department_id", "occupation_id"
        ):
            archives[archive.subject_id] = archive
    existing: dict[str, IntakeKey] = {}
    keyed = [row.person["_key"] for row in outcome.rows if "_key" in row.person]
    for part in _chunks(keyed):
        for found in IntakeKey.objects.filter(department=department, key__in=part).only("key", "record_id", "content_digest"):
            existing[found.key] = found
    for count, row in enumerate(outcome.rows, start=1):
        if progress and count % CHUNK == 0:
            progress("matching", count, len(outcome.rows))
        if "_index" not in row.person:
            continue
        subject = subjects.get(row.person["_index"])
        if subject is not None and row.person.get("name") and subject.name != row.person["name"]:
            row.add("name", _("This ID number is already registered under a different name. Check both."), "name_mismatch")
        archive = archives.get(subject.pk) if subject is not None else None
        if archive is not None and archive.state != Archive.State.OPEN:
            row.add("", _("Records cannot be added to a closed archive."), "archive_closed")
        if row.person.get("_key") in existing:
            outcome.existing[row.number] = existing[row.person["_key"]]
            continue
        if row.errors:
            continue
        stub = Archive(occupation=choices.occupation, subject=_subject_stub(row, subjects))
        try:
            row.record = validate_record_content(stub, row.record, category_ids=choices.category_ids)
        except ValidationError as exc:
            row.errors.extend(validation_errors(exc))
    return outcome, subjects, archives


def write(
    outcome: Outcome, *, department: Department, choices: Choices, by: User, source: str, submit: bool,
    subjects: dict[str, Subject], archives: dict[object, Archive], progress: Progress | None = None,
) -> Outcome:
    """Write the valid, new rows of a prepared outcome in one transaction."""
    todo = [row for row in outcome.rows if not row.errors and row.number not in outcome.existing]
    outcome.skipped = len(outcome.existing)
    if not todo:
        outcome.written = True
        return outcome
    now = timezone.now()
    try:
        with transaction.atomic():
            planned: list[audit.PlannedEntry] = []
            new_subjects: dict[str, Subject] = {}
            for row in todo:
                index = row.person["_index"]
                if index in subjects or index in new_subjects:
                    continue
                number = row.person["id_number"]
                new_subjects[index] = Subject(
                    id=uuid.uuid4(), name=row.person["name"], gender=validators.gender_of(number), id_number=number,
                    id_number_index=index, id_number_masked=validators.masked_id_number(number),
                    birth_date=validators.birth_date_of(number), phone=row.person.get("phone", ""), created_by=by,
                )
            Subject.objects.bulk_create(new_subjects.values(), batch_size=CHUNK)
            planned += [audit.PlannedEntry("archives.subject.created", s, str(s.pk), {"via": source}) for s in new_subjects.values()]
            people = {**subjects, **new_subjects}
            new_archives: dict[object, Archive] = {}
            for row in todo:
                subject = people[row.person["_index"]]
                if subject.pk in archives or subject.pk in new_archives:
                    continue
                new_archives[subject.pk] = Archive(
                    subject=subject, occupation=choices.occupation, department=department,
                    employer=row.archive.get("employer", ""), post=row.archive.get("post", ""), created_by=by,
                    last_updated_at=now,
                )
            Archive.objects.bulk_create(new_archives.values(), batch_size=CHUNK)
            planned += [audit.PlannedEntry("archives.archive.opened", a, str(a.subject_id), {"via": source})
                        for a in new_archives.values()]
            folders = {**archives, **new_archives}
            records = []
            for row in todo:
                subject = people[row.person["_index"]]
                record = CreditRecord(archive=folders[subject.pk], source=source, created_by=by, updated_by=by,
                                      **row.record)
                record.subject_was_minor = subject.is_minor_on(record.occurred_on)
                records.append(record)
            CreditRecord.objects.bulk_create(records, batch_size=CHUNK)
            if progress:
                progress("writing", len(records) // 2, len(records))
            IntakeKey.objects.bulk_create(
                [IntakeKey(department=department, key=row.person["_key"], record=record,
                           content_digest=row.person.get("_digest", ""))
                 for row, record in zip(todo, records, strict=True)],
                batch_size=CHUNK,
            )
            planned += [
                audit.PlannedEntry("archives.record.drafted", r, str(people[row.person["_index"]].pk), {"via": source})
                for row, r in zip(todo, records, strict=True)
            ]
            audit.record_many(planned, actor=by)
            if submit:
                for count, record in enumerate(records, start=1):
                    if record.is_negative:
                        # Negative information is submitted only with its evidence, which an
                        # import does not carry: it stays a draft until a clerk attaches it.
                        continue
                    submit_record(record, by=by)
                    if progress and count % 200 == 0:
                        progress("submitting", count, len(records))
    except IntegrityError:
        raise ImportConflict(
            _("Someone registered some of the same people or records at the same moment; nothing was written. "
              "Upload the file again.")
        ) from None
    outcome.created = len(records)
    outcome.record_ids = {row.number: record.pk for row, record in zip(todo, records, strict=True)}
    outcome.written = True
    return outcome


def import_rows(
    rows: Iterable[ParsedRow], *, department: Department, choices: Choices, by: User, mode: str = "all",
    submit: bool = False, source: str = CreditRecord.Source.EXCEL, progress: Progress | None = None,
    total_hint: int = 0, keys: Callable[[ParsedRow], str] | None = None,
) -> Outcome:
    """Check ``rows`` and write them (see the module's docstring). Callers: a clerk of
    ``department``. ``mode`` is ``all`` (any refused row: nothing written) or
    ``valid`` (write the valid rows). Raises ``PermissionDenied`` for a caller who may
    not import, ``ImportConflict`` when a concurrent writer got there first."""
    check_may_import(department=department, occupation_id=choices.occupation.pk, by=by)
    outcome, subjects, archives = prepare(rows, department=department, choices=choices, keys=keys, progress=progress,
                                          total_hint=total_hint)
    if outcome.refused and mode == "all":
        outcome.skipped = len(outcome.existing)
        return outcome
    return write(outcome, department=department, choices=choices, by=by, source=source, submit=submit,
                 subjects=subjects, archives=archives, progress=progress)
