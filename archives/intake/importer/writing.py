"""Writing a prepared import: new people, archives, records and their natural keys in
one transaction, with one audit entry for the batch. On PostgreSQL the rows are written
with COPY (``credit_portal.bulkload``) with ids taken from the sequences; elsewhere with
``bulk_create``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import validators
from archives.intake.catalogue import Choices
from archives.intake.importer.outcome import CHUNK, ImportConflict, Outcome, Progress, chunks
from archives.intake.models import IntakeKey
from archives.intake.rows import ParsedRow
from archives.models import Archive, CreditRecord, Subject
from credit_portal import audit, bulkload
from departments.models import Department

if TYPE_CHECKING:
    from credit_portal.models import User

COPY_ROWS = 10_000  # rows per COPY statement (the progress bar moves between them)


@dataclass
class _Plan:
    """What a prepared outcome writes: new people (by blind index), new archives (by
    the person's blind index) and one record per row, in row order."""

    rows: list[ParsedRow]
    new_subjects: dict[str, ParsedRow]  # blind index → the person's first row
    new_archives: dict[str, ParsedRow]  # blind index → the row that opens the archive
    submitted: list[bool]  # per row: lands awaiting review


def _plan(
    todo: list[ParsedRow], subjects: dict[str, Subject], archives: dict[object, Archive], *, submit: bool
) -> _Plan:
    new_subjects: dict[str, ParsedRow] = {}
    new_archives: dict[str, ParsedRow] = {}
    for row in todo:
        index = row.person["_index"]
        known = subjects.get(index)
        if known is None:
            new_subjects.setdefault(index, row)
        if (known is None or known.pk not in archives) and index not in new_archives:
            new_archives[index] = row
    # Negative information is submitted only with its evidence, which an import does not
    # carry: it stays a draft until a clerk attaches it and submits it.
    submitted = [submit and row.cleaned["polarity"] != CreditRecord.Polarity.NEGATIVE for row in todo]
    return _Plan(rows=todo, new_subjects=new_subjects, new_archives=new_archives, submitted=submitted)


def _write_orm(
    plan: _Plan,
    *,
    department: Department,
    choices: Choices,
    by: User,
    source: str,
    subjects: dict[str, Subject],
    archives: dict[object, Archive],
    progress: Progress | None,
) -> list[int]:
    """SQLite (and any database without COPY): ``bulk_create``, encrypting in ``pre_save``."""
    now = timezone.now()
    made: dict[str, Subject] = {}
    for index, row in plan.new_subjects.items():
        number = row.person["id_number"]
        made[index] = Subject(
            id=uuid.uuid4(),
            name=row.person["name"],
            gender=validators.gender_of(number),
            id_number=number,
            id_number_index=index,
            id_number_masked=validators.masked_id_number(number),
            birth_date=validators.birth_date_of(number),
            phone=row.person.get("phone", ""),
            created_by=by,
        )
    Subject.objects.bulk_create(made.values(), batch_size=CHUNK)
    people = {**subjects, **made}
    opened: dict[str, Archive] = {}
    for index, row in plan.new_archives.items():
        opened[index] = Archive(
            subject=people[index],
            occupation=choices.occupation,
            department=department,
            employer=row.archive.get("employer", ""),
            post=row.archive.get("post", ""),
            created_by=by,
            last_updated_at=now,
        )
    Archive.objects.bulk_create(opened.values(), batch_size=CHUNK)
    records = []
    for row, to_review in zip(plan.rows, plan.submitted, strict=True):
        index = row.person["_index"]
        folder = opened.get(index) or archives[people[index].pk]
        records.append(
            CreditRecord(
                archive=folder,
                source=source,
                created_by=by,
                updated_by=by,
                state=CreditRecord.State.SUBMITTED if to_review else CreditRecord.State.DRAFT,
                submitted_at=now if to_review else None,
                **row.cleaned,
            )
        )
    CreditRecord.objects.bulk_create(records, batch_size=CHUNK)
    if progress:
        progress("writing", len(records) // 2, len(records))
    IntakeKey.objects.bulk_create(
        [
            IntakeKey(
                department=department,
                key=row.person["_key"],
                record=record,
                content_digest=row.person.get("_digest", ""),
            )
            for row, record in zip(plan.rows, records, strict=True)
        ],
        batch_size=CHUNK,
    )
    return [record.pk for record in records]


SUBJECT_COLUMNS = (
    "id",
    "name",
    "gender",
    "id_number",
    "id_number_index",
    "id_number_masked",
    "birth_date",
    "phone",
    "created_at",
    "updated_at",
    "created_by_id",
)
ARCHIVE_COLUMNS = (
    "id",
    "subject_id",
    "occupation_id",
    "department_id",
    "employer",
    "post",
    "state",
    "created_at",
    "last_updated_at",
    "created_by_id",
)
# The ids, state and times first (known when writing), then the content (``record_copy_text``).
RECORD_COLUMNS = (
    "id",
    "archive_id",
    "source",
    "state",
    "submitted_at",
    "created_at",
    "updated_at",
    "created_by_id",
    "updated_by_id",
    "lineage",
    "subject_was_minor",
    "category_id",
    "domain_id",
    "polarity",
    "severity",
    "title",
    "description",
    "decision_number",
    "deciding_body",
    "occurred_on",
    "decided_on",
    "unit_credit_code",
    "unit_name",
    "is_penalty",
    "source_type",
)


def subject_copy_text(row: ParsedRow, *, id_token: str, phone_token: str) -> str:
    """A new person's columns from ``name`` to ``phone`` as COPY text, made where the row
    is checked (a pool worker) so the importing process only adds ids and times."""
    number, esc = row.person["id_number"], bulkload.escape
    return "\t".join(
        (
            esc(row.person["name"]),
            validators.gender_of(number),
            id_token,
            row.person["_index"],
            validators.masked_id_number(number),
            validators.birth_date_of(number).isoformat(),
            phone_token,
        )
    )


def record_copy_text(data: dict[str, Any]) -> str:
    """A record's columns from ``lineage`` to ``source_type`` as COPY text (see
    ``subject_copy_text``)."""
    esc, domain = bulkload.escape, data["domain_id"]
    return "\t".join(
        (
            str(uuid.uuid4()),
            "t" if data["subject_was_minor"] else "f",
            str(data["category_id"]),
            "\\N" if domain is None else str(domain),
            data["polarity"],
            data.get("severity", ""),
            esc(data.get("title", "")),
            esc(data.get("description", "")),
            esc(data.get("decision_number", "")),
            esc(data.get("deciding_body", "")),
            data["occurred_on"].isoformat(),
            data["decided_on"].isoformat(),
            esc(data.get("unit_credit_code", "")),
            esc(data.get("unit_name", "")),
            "t" if data.get("is_penalty") else "f",
            data.get("source_type", ""),
        )
    )


KEY_COLUMNS = ("department_id", "key", "record_id", "content_digest", "created_at")


def _copy(
    cursor: Any, table: str, columns: tuple[str, ...], lines: list[str], *, progress: Progress | None = None
) -> None:
    """COPY prepared lines (tab-separated, escaped) into ``table``; the model's other
    columns get their defaults."""
    extra, tail = bulkload.copy_tail(table, columns)
    for done, part in enumerate(chunks(lines, COPY_ROWS), start=1):
        bulkload.write_rows(cursor, table, columns + extra, "".join(line + tail + "\n" for line in part))
        if progress:
            progress("writing", min(done * COPY_ROWS, len(lines)), len(lines))


def _write_copy(
    plan: _Plan,
    *,
    department: Department,
    choices: Choices,
    by: User,
    source: str,
    subjects: dict[str, Subject],
    archives: dict[object, Archive],
    progress: Progress | None,
) -> list[int]:
    """PostgreSQL: COPY from prepared lines; ids come from the tables' sequences first so
    records can name their archives and keys their records before anything is written."""
    esc = bulkload.escape
    now = bulkload.Format(postgres=True).ts(timezone.now())
    user = str(by.pk)
    subject_lines = []
    people: dict[str, str] = {index: str(s.pk) for index, s in subjects.items()}
    stamp = f"{now}\t{now}\t{user}"
    for index, row in plan.new_subjects.items():
        pk = str(row.person["_pk"])
        people[index] = pk
        subject_lines.append(f"{pk}\t{row.person['_subject_copy']}\t{stamp}")
    folders: dict[str, int] = {}
    for index, subject in subjects.items():
        if subject.pk in archives:
            folders[index] = archives[subject.pk].pk
    archive_lines = []
    occupation, unit = str(choices.occupation.pk), str(department.pk)
    for pk, (index, row) in zip(
        bulkload.take_ids("archives_archive", len(plan.new_archives)), plan.new_archives.items(), strict=True
    ):
        folders[index] = pk
        archive_lines.append(
            "\t".join(
                (
                    str(pk),
                    people[index],
                    occupation,
                    unit,
                    esc(row.archive.get("employer", "")),
                    esc(row.archive.get("post", "")),
                    Archive.State.OPEN.value,
                    now,
                    now,
                    user,
                )
            )
        )
    record_ids = bulkload.take_ids("archives_creditrecord", len(plan.rows))
    heads = {
        False: f"{source}\t{CreditRecord.State.DRAFT.value}\t\\N\t{now}\t{now}\t{user}\t{user}",
        True: f"{source}\t{CreditRecord.State.SUBMITTED.value}\t{now}\t{now}\t{now}\t{user}\t{user}",
    }
    record_lines = []
    key_lines = []
    for pk, row, to_review in zip(record_ids, plan.rows, plan.submitted, strict=True):
        person = row.person
        record_lines.append(f"{pk}\t{folders[person['_index']]}\t{heads[to_review]}\t{person['_record_copy']}")
        key_lines.append(f"{unit}\t{person['_key']}\t{pk}\t{person.get('_digest', '')}\t{now}")
    with connection.cursor() as cursor:
        _copy(cursor, "archives_subject", SUBJECT_COLUMNS, subject_lines)
        _copy(cursor, "archives_archive", ARCHIVE_COLUMNS, archive_lines)
        _copy(cursor, "archives_creditrecord", RECORD_COLUMNS, record_lines, progress=progress)
        _copy(cursor, "intake_intakekey", KEY_COLUMNS, key_lines)
    return record_ids


def write(
    outcome: Outcome,
    *,
    department: Department,
    choices: Choices,
    by: User,
    source: str,
    submit: bool,
    subjects: dict[str, Subject],
    archives: dict[object, Archive],
    progress: Progress | None = None,
    job: models.Model | None = None,
) -> Outcome:
    """Write the valid, new rows of a prepared outcome in one transaction, with one
    audit entry for the batch."""
    todo = [row for row in outcome.rows if not row.errors and row.number not in outcome.existing]
    outcome.skipped = len(outcome.existing)
    if not todo:
        outcome.written = True
        return outcome
    plan = _plan(todo, subjects, archives, submit=submit)
    writer = (
        _write_copy
        if connection.vendor == "postgresql" and all("_pk" in r.person for r in plan.new_subjects.values())
        else _write_orm
    )
    try:
        with transaction.atomic():
            record_ids = writer(
                plan,
                department=department,
                choices=choices,
                by=by,
                source=source,
                subjects=subjects,
                archives=archives,
                progress=progress,
            )
            audit.record(
                "intake.batch.imported",
                actor=by,
                target=job,
                detail={
                    "via": source,
                    "job": str(job.pk) if job is not None else None,
                    "records": len(record_ids),
                    "submitted": sum(plan.submitted),
                    "subjects": len(plan.new_subjects),
                    "archives": len(plan.new_archives),
                },
            )
    except IntegrityError:
        raise ImportConflict(
            _(
                "Someone registered some of the same people or records at the same moment; nothing was written. "
                "Upload the file again."
            )
        ) from None
    outcome.created = len(record_ids)
    outcome.record_ids = {row.number: pk for row, pk in zip(todo, record_ids, strict=True)}
    outcome.written = True
    return outcome
