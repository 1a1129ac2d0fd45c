"""The intake service: validated rows become subjects, archives and draft records.

Two entry points share one path: ``import_cells`` for a sheet's raw cells (the Excel
upload and ``manage.py import_records``) and ``import_rows`` for rows already typed
(the department-system API). The rules are the web form's: every cell is typed by
``archives.intake.rows``, the ID number checked by python-stdnum
(``archives.validators``), record content by
``archives.services.records.validate_record_content`` (the function behind
``draft_record``), and the uploader must be a clerk of a department responsible for
the occupation in the catalogue (000 §二; ``open_archive``'s rule). Rows land as drafts
written by the uploader, so four eyes holds as for any record: ``publish_record``
refuses anyone who created or edited the record (``permissions.is_author`` reads
``created_by``), so another reviewer publishes it (DESIGN §5). When the department
(or the command's ``--submit``) sends imported rows straight to review, rows that are
not negative land submitted; negative ones stay drafts until a clerk attaches the
evidence and submits them, which also tells the person (《征信业管理条例》 art. 15).

Scale (100,000 rows a file): the checks that need no database (typing, the ID
number, the record content, blind indexes, the natural key and, on PostgreSQL, the
SM4 encryption of new people's ID numbers and phones) run in a process pool for large
files; the database is asked in bulk (people by blind index, archives, keys imported
before), never per row. On PostgreSQL the rows are written with COPY
(``credit_portal.bulkload``, the loader the benchmark data uses) with ids taken from
the sequences; on SQLite with ``bulk_create``. One transaction: the whole job or
nothing ("a job never half-writes"). With ``mode=all`` any refused row stops the job
before anything is written; with ``mode=valid`` the valid rows are written and the
others reported.

Audit: one entry for the batch (``intake.batch.imported``, naming the job and how
many people, archives and records it wrote and how many went to review) instead of one
per row; the records themselves carry who wrote them (``created_by``), which is what
four eyes reads. Outbox: drafts and records awaiting review emit no event (only
publication does, ``archives.events``), so an import writes none; the record events
follow when a reviewer publishes each record.
"""

from __future__ import annotations

import multiprocessing
import os
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from archives import validators
from archives.intake import conf
from archives.intake.catalogue import Choices
from archives.intake.models import IntakeKey
from archives.intake.rows import ParsedRow, parse_cells, validation_errors
from archives.models import Archive, CreditRecord, Subject
from archives.services.records import validate_record_content
from archives.services.subjects import check_minimum_age, subject_index_for
from credit_portal import audit, bulkload
from credit_portal.crypto import associated_data_for, blind_index, encrypt
from credit_portal.exceptions import DomainError
from departments.models import Department, Membership, OccupationDepartment
from departments.scope import department_ids

if TYPE_CHECKING:
    from credit_portal.models import User

CHUNK = 1000  # ids per IN (…) look-up
POOL_CHUNK = 2000  # rows a pool worker checks at a time
COPY_ROWS = 10_000  # rows per COPY statement (the progress bar moves between them)
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


# --- checks without the database (in this process or in pool workers) -------------------


@dataclass(frozen=True)
class _Checker:
    choices: Choices
    key_of: Callable[[ParsedRow], str] | None
    encrypt: bool  # PostgreSQL: new people's ID number and phone are encrypted here too
    language: str
    # The keeping department: some categories are one kind of unit's own (associations'
    # sanctions, 004 item 27), checked by the content rules.
    department: Department


# What a forked pool worker inherits: set before the pool starts, never sent per chunk.
_CHECKER: _Checker | None = None


class _Person:
    """What the content rules read of the person (the birth date) and the portal's own
    age rule (``Subject.is_minor_on``), without a model instance per row."""

    __slots__ = ("birth_date",)
    age_on = Subject.age_on
    is_minor_on = Subject.is_minor_on

    def __init__(self, birth_date: date) -> None:
        self.birth_date = birth_date


class _Folder:
    """An unsaved archive as the content rules read it: its occupation, keeping
    department and person."""

    __slots__ = ("department", "occupation", "subject")

    def __init__(self, occupation: object, department: Department, subject: _Person) -> None:
        self.occupation, self.department, self.subject = occupation, department, subject


def _check(row: ParsedRow, checker: _Checker) -> ParsedRow:
    """Every check of one row that needs no database: the blind index of the ID number,
    the natural key, the record content by the web form's rules (kept aside in
    ``content_errors`` until the row is known to be new) and the values to write."""
    number = row.person.get("id_number")
    if number is None:
        return row
    row.person["_index"] = subject_index_for(number)
    if row.errors:
        return row
    row.person["_key"] = checker.key_of(row) if checker.key_of else row_key(row, checker.choices)
    # The person's birth date follows from the ID number, registered or not, so the
    # content is checked against the same date the portal holds.
    person = _Person(validators.birth_date_of(number))
    try:
        data = validate_record_content(cast(Archive, _Folder(checker.choices.occupation, checker.department, person)), row.record,
                                       category_ids=checker.choices.category_ids)
    except ValidationError as exc:
        row.content_errors = validation_errors(exc)
        return row
    category, domain = data.pop("category"), data.pop("domain", None)
    data["category_id"], data["domain_id"] = category.pk, domain.pk if domain is not None else None
    data["subject_was_minor"] = person.is_minor_on(data["occurred_on"])
    row.cleaned = data
    if checker.encrypt:
        # Bound to a subject id chosen now; unused when the person turns out to be registered.
        pk = uuid.uuid4()
        row.person["_pk"] = pk
        row.person["_id_token"] = encrypt(number, associated_data=associated_data_for("archives_subject", pk, "id_number"))
        row.person["_phone_token"] = encrypt(row.person.get("phone", ""),
                                             associated_data=associated_data_for("archives_subject", pk, "phone"))
    return row


def _check_cells(chunk: list[tuple[int, list[object]]]) -> list[ParsedRow]:
    """Type and check a chunk of sheet rows (a pool worker's task)."""
    checker = _CHECKER
    assert checker is not None  # noqa: S101 - set by _checked_cells before any call
    with translation.override(checker.language):
        rows = [_check(parse_cells(number, cells, checker.choices), checker) for number, cells in chunk]
    for row in rows:
        row.record = {}  # typed content is in ``cleaned``; the catalogue objects need not travel back
    return rows


def _workers() -> int:
    return conf.number("INTAKE_WORKERS") or os.cpu_count() or 1


def _checked_cells(
    cells: Iterable[tuple[int, list[object]]], checker: _Checker, *, progress: Progress | None, total_hint: int,
) -> Iterator[ParsedRow]:
    """Checked rows in sheet order. A large file is read here while a pool of workers
    (forked, so they inherit ``_CHECKER``) checks earlier chunks; a small one, or where
    no process can be started, is checked in this process."""
    global _CHECKER
    _CHECKER = checker
    # Decided on the rows read, not on the size the sheet declares (a sheet need not
    # declare it): once the file is large enough, the rest goes to the pool.
    pool = None
    try_pool = _workers() > 1
    done = 0
    try:
        pending: deque[Any] = deque()
        chunk: list[tuple[int, list[object]]] = []
        for item in cells:
            chunk.append(item)
            if len(chunk) < POOL_CHUNK:
                continue
            if pool is None and try_pool and done + len(chunk) >= conf.number("INTAKE_POOL_FROM_ROWS"):
                try_pool = False
                try:
                    # The workers never touch the database connection they inherit: they only compute.
                    pool = multiprocessing.get_context("fork").Pool(_workers())
                except (AssertionError, OSError, ValueError):  # a daemonic worker process may not have children
                    pool = None
            if pool is None:
                yield from _check_cells(chunk)
            else:
                pending.append(pool.apply_async(_check_cells, (chunk,)))
                while len(pending) > 2 * _workers():
                    yield from pending.popleft().get()
            done += len(chunk)
            chunk = []
            if progress:
                progress("checking", done, max(total_hint, done))
        if pool is not None:
            if chunk:
                pending.append(pool.apply_async(_check_cells, (chunk,)))
            while pending:
                yield from pending.popleft().get()
        elif chunk:
            yield from _check_cells(chunk)
    finally:
        _CHECKER = None
        if pool is not None:
            pool.terminate()


# --- matching against the database -------------------------------------------------------


def prepare(
    rows: Iterable[ParsedRow], *, department: Department, choices: Choices, keys: Callable[[ParsedRow], str] | None = None,
    progress: Progress | None = None, total_hint: int = 0,
) -> tuple[Outcome, dict[str, Subject], dict[object, Archive]]:
    """Check typed rows without writing (see ``match``); the rows are checked here."""
    checker = _Checker(choices=choices, key_of=keys, encrypt=connection.vendor == "postgresql",
                       language=translation.get_language() or "zh-hans", department=department)
    return match((_check(row, checker) for row in rows), department=department, choices=choices, progress=progress,
                 total_hint=total_hint)


def match(
    rows: Iterable[ParsedRow], *, department: Department, choices: Choices, progress: Progress | None = None,
    total_hint: int = 0,
) -> tuple[Outcome, dict[str, Subject], dict[object, Archive]]:
    """The checks of checked rows that need the whole file or the database: duplicates
    in the file, the same ID number under two names, the name against the portal's,
    the archive's state, and whether the row was imported before (then it is skipped,
    not refused). The database is read in bulk."""
    outcome = Outcome()
    seen: dict[str, int] = {}
    names: dict[str, tuple[str, int]] = {}
    for count, row in enumerate(rows, start=1):
        outcome.rows.append(row)
        index = row.person.get("_index")
        if index is not None:
            earlier = names.setdefault(index, (row.person.get("name", ""), row.number))
            if row.person.get("name") and earlier[0] != row.person["name"]:
                row.add("name", _("The same ID number has the name \"%(name)s\" in row %(row)s.")
                        % {"name": earlier[0], "row": earlier[1]}, "name_mismatch")
                row.person.pop("_key", None)
        key = row.person.get("_key")
        if key is not None and not row.errors:
            first = seen.setdefault(key, row.number)
            if first != row.number:
                row.add("", _("Duplicate of row %(row)s: the same record appears twice in this file.") % {"row": first},
                        "duplicate_row")
        if progress and count % CHUNK == 0 and total_hint:
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
        if archive is None and "id_number" in row.person:
            # A new archive: the occupation's minimum age, by the service's own rule.
            try:
                check_minimum_age(choices.occupation, birth_date=validators.birth_date_of(row.person["id_number"]),
                                  on=timezone.localdate())
            except ValidationError as exc:
                row.add("id_number", exc.messages[0], "under_minimum_age")
        if row.person.get("_key") in existing:
            outcome.existing[row.number] = existing[row.person["_key"]]
            continue
        if not row.errors and row.content_errors:
            row.errors.extend(row.content_errors)
    return outcome, subjects, archives


# --- writing -----------------------------------------------------------------------------


@dataclass
class _Plan:
    """What a prepared outcome writes: new people (by blind index), new archives (by
    the person's blind index) and one record per row, in row order."""

    rows: list[ParsedRow]
    new_subjects: dict[str, ParsedRow]  # blind index → the person's first row
    new_archives: dict[str, ParsedRow]  # blind index → the row that opens the archive
    submitted: list[bool]  # per row: lands awaiting review


def _plan(todo: list[ParsedRow], subjects: dict[str, Subject], archives: dict[object, Archive], *, submit: bool) -> _Plan:
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


def _write_orm(plan: _Plan, *, department: Department, choices: Choices, by: User, source: str,
               subjects: dict[str, Subject], archives: dict[object, Archive], progress: Progress | None) -> list[int]:
    """SQLite (and any database without COPY): ``bulk_create``, encrypting in ``pre_save``."""
    now = timezone.now()
    made: dict[str, Subject] = {}
    for index, row in plan.new_subjects.items():
        number = row.person["id_number"]
        made[index] = Subject(
            id=uuid.uuid4(), name=row.person["name"], gender=validators.gender_of(number), id_number=number,
            id_number_index=index, id_number_masked=validators.masked_id_number(number),
            birth_date=validators.birth_date_of(number), phone=row.person.get("phone", ""), created_by=by,
        )
    Subject.objects.bulk_create(made.values(), batch_size=CHUNK)
    people = {**subjects, **made}
    opened: dict[str, Archive] = {}
    for index, row in plan.new_archives.items():
        opened[index] = Archive(
            subject=people[index], occupation=choices.occupation, department=department,
            employer=row.archive.get("employer", ""), post=row.archive.get("post", ""), created_by=by, last_updated_at=now,
        )
    Archive.objects.bulk_create(opened.values(), batch_size=CHUNK)
    records = []
    for row, to_review in zip(plan.rows, plan.submitted, strict=True):
        index = row.person["_index"]
        folder = opened.get(index) or archives[people[index].pk]
        records.append(CreditRecord(
            archive=folder, source=source, created_by=by, updated_by=by,
            state=CreditRecord.State.SUBMITTED if to_review else CreditRecord.State.DRAFT,
            submitted_at=now if to_review else None, **row.cleaned,
        ))
    CreditRecord.objects.bulk_create(records, batch_size=CHUNK)
    if progress:
        progress("writing", len(records) // 2, len(records))
    IntakeKey.objects.bulk_create(
        [IntakeKey(department=department, key=row.person["_key"], record=record, content_digest=row.person.get("_digest", ""))
         for row, record in zip(plan.rows, records, strict=True)],
        batch_size=CHUNK,
    )
    return [record.pk for record in records]


SUBJECT_COLUMNS = ("id", "name", "gender", "id_number", "id_number_index", "id_number_masked", "birth_date", "phone",
                   "created_at", "updated_at", "created_by_id")
ARCHIVE_COLUMNS = ("id", "subject_id", "occupation_id", "department_id", "employer", "post", "state", "created_at",
                   "last_updated_at", "created_by_id")
RECORD_COLUMNS = ("id", "lineage", "archive_id", "source", "state", "submitted_at", "created_at", "updated_at",
                  "created_by_id", "updated_by_id", "subject_was_minor", "category_id", "domain_id", "polarity", "severity",
                  "title", "description", "decision_number", "deciding_body", "occurred_on", "decided_on",
                  "unit_credit_code", "unit_name", "is_penalty")
KEY_COLUMNS = ("department_id", "key", "record_id", "content_digest", "created_at")


def _copy(cursor: Any, table: str, columns: tuple[str, ...], lines: list[str], *,
          progress: Progress | None = None) -> None:
    """COPY prepared lines (tab-separated, escaped) into ``table``; the model's other
    columns get their defaults."""
    extra, tail = bulkload.copy_tail(table, columns)
    for done, part in enumerate(_chunks(lines, COPY_ROWS), start=1):
        bulkload.write_rows(cursor, table, columns + extra, "".join(line + tail + "\n" for line in part))
        if progress:
            progress("writing", min(done * COPY_ROWS, len(lines)), len(lines))


def _write_copy(plan: _Plan, *, department: Department, choices: Choices, by: User, source: str,
                subjects: dict[str, Subject], archives: dict[object, Archive], progress: Progress | None) -> list[int]:
    """PostgreSQL: COPY from prepared lines; ids come from the tables' sequences first so
    records can name their archives and keys their records before anything is written."""
    esc = bulkload.escape
    now = bulkload.Format(postgres=True).ts(timezone.now())
    user = str(by.pk)
    subject_lines = []
    people: dict[str, str] = {index: str(s.pk) for index, s in subjects.items()}
    for index, row in plan.new_subjects.items():
        number = row.person["id_number"]
        pk = str(row.person["_pk"])
        people[index] = pk
        subject_lines.append("\t".join((
            pk, esc(row.person["name"]), validators.gender_of(number), row.person["_id_token"], index,
            validators.masked_id_number(number), validators.birth_date_of(number).isoformat(), row.person["_phone_token"],
            now, now, user,
        )))
    folders: dict[str, int] = {}
    for index, subject in subjects.items():
        if subject.pk in archives:
            folders[index] = archives[subject.pk].pk
    archive_lines = []
    occupation, unit = str(choices.occupation.pk), str(department.pk)
    for pk, (index, row) in zip(bulkload.take_ids("archives_archive", len(plan.new_archives)), plan.new_archives.items(),
                                strict=True):
        folders[index] = pk
        archive_lines.append("\t".join((
            str(pk), people[index], occupation, unit, esc(row.archive.get("employer", "")), esc(row.archive.get("post", "")),
            Archive.State.OPEN.value, now, now, user,
        )))
    record_ids = bulkload.take_ids("archives_creditrecord", len(plan.rows))
    draft, submitted = CreditRecord.State.DRAFT.value, CreditRecord.State.SUBMITTED.value
    record_lines = []
    key_lines = []
    for pk, row, to_review in zip(record_ids, plan.rows, plan.submitted, strict=True):
        data = row.cleaned
        domain = data["domain_id"]
        record_lines.append("\t".join((
            str(pk), str(uuid.uuid4()), str(folders[row.person["_index"]]), source, submitted if to_review else draft,
            now if to_review else "\\N", now, now, user, user, "t" if data["subject_was_minor"] else "f",
            str(data["category_id"]), "\\N" if domain is None else str(domain), data["polarity"], data.get("severity", ""),
            esc(data.get("title", "")), esc(data.get("description", "")), esc(data.get("decision_number", "")),
            esc(data.get("deciding_body", "")), data["occurred_on"].isoformat(), data["decided_on"].isoformat(),
            esc(data.get("unit_credit_code", "")), esc(data.get("unit_name", "")), "t" if data.get("is_penalty") else "f",
        )))
        key_lines.append(f"{unit}\t{row.person['_key']}\t{pk}\t{row.person.get('_digest', '')}\t{now}")
    with connection.cursor() as cursor:
        _copy(cursor, "archives_subject", SUBJECT_COLUMNS, subject_lines)
        _copy(cursor, "archives_archive", ARCHIVE_COLUMNS, archive_lines)
        _copy(cursor, "archives_creditrecord", RECORD_COLUMNS, record_lines, progress=progress)
        _copy(cursor, "intake_intakekey", KEY_COLUMNS, key_lines)
    return record_ids


def write(
    outcome: Outcome, *, department: Department, choices: Choices, by: User, source: str, submit: bool,
    subjects: dict[str, Subject], archives: dict[object, Archive], progress: Progress | None = None,
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
    writer = _write_copy if connection.vendor == "postgresql" and all("_pk" in r.person for r in plan.new_subjects.values()) \
        else _write_orm
    try:
        with transaction.atomic():
            record_ids = writer(plan, department=department, choices=choices, by=by, source=source, subjects=subjects,
                                archives=archives, progress=progress)
            audit.record("intake.batch.imported", actor=by, target=job, detail={
                "via": source, "job": str(job.pk) if job is not None else None, "records": len(record_ids),
                "submitted": sum(plan.submitted), "subjects": len(plan.new_subjects),
                "archives": len(plan.new_archives),
            })
    except IntegrityError:
        raise ImportConflict(
            _("Someone registered some of the same people or records at the same moment; nothing was written. "
              "Upload the file again.")
        ) from None
    outcome.created = len(record_ids)
    outcome.record_ids = {row.number: pk for row, pk in zip(todo, record_ids, strict=True)}
    outcome.written = True
    return outcome


def _finish(
    outcome: Outcome, subjects: dict[str, Subject], archives: dict[object, Archive], *, department: Department,
    choices: Choices, by: User, mode: str, submit: bool, source: str, progress: Progress | None, job: models.Model | None,
) -> Outcome:
    if outcome.refused and mode == "all":
        outcome.skipped = len(outcome.existing)
        return outcome
    return write(outcome, department=department, choices=choices, by=by, source=source, submit=submit,
                 subjects=subjects, archives=archives, progress=progress, job=job)


def import_rows(
    rows: Iterable[ParsedRow], *, department: Department, choices: Choices, by: User, mode: str = "all",
    submit: bool = False, source: str = CreditRecord.Source.EXCEL, progress: Progress | None = None,
    total_hint: int = 0, keys: Callable[[ParsedRow], str] | None = None, job: models.Model | None = None,
) -> Outcome:
    """Check typed ``rows`` and write them (see the module's docstring). Callers: a clerk
    of ``department``. ``mode`` is ``all`` (any refused row: nothing written) or
    ``valid`` (write the valid rows). Raises ``PermissionDenied`` for a caller who may
    not import, ``ImportConflict`` when a concurrent writer got there first."""
    check_may_import(department=department, occupation_id=choices.occupation.pk, by=by)
    outcome, subjects, archives = prepare(rows, department=department, choices=choices, keys=keys, progress=progress,
                                          total_hint=total_hint)
    return _finish(outcome, subjects, archives, department=department, choices=choices, by=by, mode=mode, submit=submit,
                   source=source, progress=progress, job=job)


def import_cells(
    cells: Iterable[tuple[int, list[object]]], *, department: Department, choices: Choices, by: User,
    mode: str = "all", submit: bool = False, source: str = CreditRecord.Source.EXCEL, progress: Progress | None = None,
    total_hint: int = 0, job: models.Model | None = None,
) -> Outcome:
    """``import_rows`` for a sheet's raw cells (``reader.open_rows``): typing and the
    checks that need no database run in a process pool when the file is large."""
    check_may_import(department=department, occupation_id=choices.occupation.pk, by=by)
    checker = _Checker(choices=choices, key_of=None, encrypt=connection.vendor == "postgresql",
                       language=translation.get_language() or "zh-hans", department=department)
    checked = _checked_cells(cells, checker, progress=progress, total_hint=total_hint)
    outcome, subjects, archives = match(checked, department=department, choices=choices, progress=progress)
    return _finish(outcome, subjects, archives, department=department, choices=choices, by=by, mode=mode, submit=submit,
                   source=source, progress=progress, job=job)
