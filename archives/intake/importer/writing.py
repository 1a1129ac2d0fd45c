"""Writing an import: new people, archives and records with their natural keys, chunk by
chunk inside the import's one transaction, and one audit entry for the batch. On
PostgreSQL the rows are written with COPY (``credit_portal.bulkload``'s format) on a
thread of their own (``copying``) with ids taken from the sequences, while the next
chunk is checked; elsewhere with ``bulk_create``."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, connection, models
from django.utils import timezone

from archives import validators
from archives.intake.catalogue import Choices
from archives.intake.importer.copying import CopyThread, Statement
from archives.intake.importer.matching import Matcher
from archives.intake.importer.outcome import CHUNK, Progress
from archives.intake.rows import ParsedRow
from archives.models import Archive, CreditRecord, Subject
from credit_portal import audit, bulkload, generations
from departments.models import Department

if TYPE_CHECKING:
    from credit_portal.models import User


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
    "review_department_id",
    "review_occupation_id",
    "intake_department_id",
    "intake_key",
    "intake_digest",
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


def _lines(lines: list[str], tail: str) -> str:
    return "".join(line + tail + "\n" for line in lines)


class Writer:
    """Writes the valid, new rows of an import chunk by chunk (``add``), then the batch's
    audit entry (``finish``); used as a context manager inside the import's transaction,
    which it leaves only after its last COPY ended.

    New rows land as drafts written by the uploader, or submitted (waiting in the
    review queue of the archive's department and occupation) when asked and not
    negative: negative information is submitted only with its evidence, which an import
    does not carry, so it stays a draft until a clerk attaches it and submits it."""

    def __init__(
        self,
        matcher: Matcher,
        *,
        department: Department,
        choices: Choices,
        by: User,
        source: str,
        submit: bool,
        progress: Progress | None,
        total_hint: int,
    ) -> None:
        self.matcher, self.department, self.choices, self.by = matcher, department, choices, by
        self.source, self.submit, self.progress, self.total_hint = source, submit, progress, total_hint
        self.people: dict[str, Any] = {}  # blind index → id of a person this import registered
        self.folders: dict[str, tuple[int, int]] = {}  # blind index → (archive id, its department) opened here
        self.record_ids: dict[int, int] = {}  # row number → record id
        self.counts = {"submitted": 0, "subjects": 0, "archives": 0}
        self.now = timezone.now()
        self.copying = connection.vendor == "postgresql"
        self._thread: CopyThread | None = None
        # A chunk's COPY statements, made but not yet sent: sent with the next chunk's
        # look-ups and ids done (``_copy``) or by ``finish``.
        self._held: list[Statement] | None = None

    def __enter__(self) -> Writer:
        if self.copying:
            # Foreign keys checked by each COPY (on the thread, while the next chunk is
            # checked) instead of all at the commit, in series after everything else;
            # the same checks, only earlier. Restored in ``finish``; a rollback restores
            # it too (the setting belongs to the transaction or savepoint).
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if self._thread is None:
            return
        self._thread.close()
        error = self._thread.error
        if error is not None and isinstance(exc, DatabaseError) and exc.__cause__ is not error:
            # The thread's failure (a key taken by another writer) aborted the transaction,
            # so this process's next statement failed too: the first error is the cause.
            self._thread.check()

    def wait(self) -> None:
        """Wait until the chunks handed over are written. The importing process uses the
        connection only then: a statement sent while a COPY is under way would end it."""
        if self._thread is not None:
            self._thread.wait()

    def _send_held(self) -> None:
        """Hand the held chunk's COPY statements to the thread (started with the first, after
        a large file's pool of checkers forked: the workers fork from a process with no other
        thread)."""
        if self._held is None:
            return
        statements, self._held = self._held, None
        if self._thread is None:
            self._thread = CopyThread()
        self._thread.put(statements)

    def _to_review(self, row: ParsedRow) -> bool:
        return self.submit and row.cleaned["polarity"] != CreditRecord.Polarity.NEGATIVE

    def add(self, rows: list[ParsedRow]) -> None:
        """Write ``rows`` (valid and new, in file order)."""
        if not rows:
            return
        new_subjects: dict[str, ParsedRow] = {}
        new_archives: dict[str, ParsedRow] = {}
        for row in rows:
            index = row.person["_index"]
            known = self.matcher.subjects.get(index)
            if known is None and index not in self.people:
                new_subjects.setdefault(index, row)
            if index not in self.folders and (known is None or known.pk not in self.matcher.archives):
                new_archives.setdefault(index, row)
        self.matcher.ours_people.update(new_subjects)
        self.matcher.ours_keys.update(row.person["_key"] for row in rows)
        self.wait()
        if self.copying and all("_pk" in row.person for row in new_subjects.values()):
            self._copy(rows, new_subjects, new_archives)
        else:
            self._orm(rows, new_subjects, new_archives)
        self.counts["subjects"] += len(new_subjects)
        self.counts["archives"] += len(new_archives)
        if self.progress:
            done = len(self.record_ids)
            self.progress("writing", done, max(self.total_hint, done))

    def _folder(self, index: str) -> tuple[int, int]:
        if index in self.folders:
            return self.folders[index]
        archive = self.matcher.archives[self.matcher.subjects[index].pk]
        return archive.pk, archive.department_id

    def _copy(self, rows: list[ParsedRow], new_subjects: dict[str, ParsedRow], new_archives: dict[str, ParsedRow]) -> None:
        """PostgreSQL: COPY text with ids from the sequences, so records name their
        archives and keys their records before anything is written."""
        # The statements this chunk needs (ids) while the connection is free, then the
        # previous chunk's COPY goes to the thread and this chunk's COPY text is made while
        # the server writes it: the server does not wait for the text, nor the text for the
        # server. Chunk n is matched before chunk n-1 is in the table, which changes no
        # answer: the look-ups leave out what this import writes (``Matcher.ours_people``,
        # ``ours_keys``), written or not.
        archive_ids = bulkload.take_ids("archives_archive", len(new_archives))
        ids = bulkload.take_ids("archives_creditrecord", len(rows))
        self._send_held()
        esc = bulkload.escape
        now = bulkload.Format(postgres=True).ts(self.now)
        user = str(self.by.pk)
        stamp = f"{now}\t{now}\t{user}"
        subject_lines = []
        for index, row in new_subjects.items():
            pk = row.person["_pk"]
            self.people[index] = pk
            subject_lines.append(f"{pk}\t{row.person['_subject_copy']}\t{stamp}")
        archive_lines = []
        occupation, unit = str(self.choices.occupation.pk), self.department.pk
        for pk, (index, row) in zip(archive_ids, new_archives.items(), strict=True):
            self.folders[index] = (pk, unit)
            person = self.people.get(index) or str(self.matcher.subjects[index].pk)
            archive_lines.append(
                "\t".join(
                    (
                        str(pk),
                        person,
                        occupation,
                        str(unit),
                        esc(row.archive.get("employer", "")),
                        esc(row.archive.get("post", "")),
                        Archive.State.OPEN.value,
                        now,
                        now,
                        user,
                    )
                )
            )
        draft = f"{self.source}\t{CreditRecord.State.DRAFT.value}\t\\N\t{now}\t{now}\t{user}\t{user}\t\\N\t\\N"
        submitted = f"{self.source}\t{CreditRecord.State.SUBMITTED.value}\t{now}\t{now}\t{now}\t{user}\t{user}"
        record_lines = []
        folders, submit, negative = self.folders, self.submit, CreditRecord.Polarity.NEGATIVE.value
        for pk, row in zip(ids, rows, strict=True):  # per row: kept to lookups and two f-strings
            person = row.person
            folder, owner = folders.get(person["_index"]) or self._folder(person["_index"])
            if submit and row.cleaned["polarity"] != negative:
                self.counts["submitted"] += 1
                head = f"{submitted}\t{owner}\t{occupation}"
            else:
                head = draft
            record_lines.append(
                f"{pk}\t{folder}\t{head}\t{unit}\t{person['_key']}\t{person.get('_digest', '')}\t{person['_record_copy']}"
            )
        self.record_ids.update(zip((row.number for row in rows), ids, strict=True))
        statements: list[Statement] = []
        for table, columns, lines in (
            ("archives_subject", SUBJECT_COLUMNS, subject_lines),
            ("archives_archive", ARCHIVE_COLUMNS, archive_lines),
            ("archives_creditrecord", RECORD_COLUMNS, record_lines),
        ):
            if lines:
                extra, tail = bulkload.copy_tail(table, columns)
                statements.append((table, columns + extra, _lines(lines, tail)))
        self._held = statements
        if self._thread is None:
            # The first chunk is not held: nothing is being written yet, so the server would
            # only wait for the next chunk's checks.
            self._send_held()

    def _orm(self, rows: list[ParsedRow], new_subjects: dict[str, ParsedRow], new_archives: dict[str, ParsedRow]) -> None:
        """SQLite (and any database without COPY): ``bulk_create``, encrypting in ``pre_save``."""
        # Rows written by COPY so far first (these may join archives they open).
        self._send_held()
        self.wait()
        made: list[Subject] = []
        for index, row in new_subjects.items():
            number = row.person["id_number"]
            subject = Subject(
                id=uuid.uuid4(),
                name=row.person["name"],
                gender=validators.gender_of(number),
                id_number=number,
                id_number_index=index,
                id_number_masked=validators.masked_id_number(number),
                birth_date=validators.birth_date_of(number),
                phone=row.person.get("phone", ""),
                created_by=self.by,
            )
            self.people[index] = subject.pk
            made.append(subject)
        Subject.objects.bulk_create(made, batch_size=CHUNK)
        opened: dict[str, Archive] = {}
        for index, row in new_archives.items():
            opened[index] = Archive(
                subject_id=self.people.get(index) or self.matcher.subjects[index].pk,
                occupation=self.choices.occupation,
                department=self.department,
                employer=row.archive.get("employer", ""),
                post=row.archive.get("post", ""),
                created_by=self.by,
                last_updated_at=self.now,
            )
        Archive.objects.bulk_create(opened.values(), batch_size=CHUNK)
        for index, archive in opened.items():
            self.folders[index] = (archive.pk, self.department.pk)
        records = []
        for row in rows:
            folder, owner = self._folder(row.person["_index"])
            to_review = self._to_review(row)
            self.counts["submitted"] += to_review
            records.append(
                CreditRecord(
                    archive_id=folder,
                    source=self.source,
                    created_by=self.by,
                    updated_by=self.by,
                    state=CreditRecord.State.SUBMITTED if to_review else CreditRecord.State.DRAFT,
                    submitted_at=self.now if to_review else None,
                    review_department_id=owner if to_review else None,
                    review_occupation_id=self.choices.occupation.pk if to_review else None,
                    intake_department=self.department,
                    intake_key=row.person["_key"],
                    intake_digest=row.person.get("_digest", ""),
                    **row.cleaned,
                )
            )
        CreditRecord.objects.bulk_create(records, batch_size=CHUNK)
        for row, record in zip(rows, records, strict=True):
            self.record_ids[row.number] = record.pk

    def finish(self, *, job: models.Model | None) -> None:
        """Send the held chunk, wait for the last COPY, restore deferred constraint checks and write the
        batch's audit entry (none when nothing was new)."""
        self._send_held()
        self.wait()
        if self.copying:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        if not self.record_ids:
            return
        if self.counts["submitted"]:
            # The review queue page caches its table under this generation (as every
            # submission does, ``services.records.common._enter_review_queue``).
            generations.advance_on_commit("review-queue")
        if self.counts["archives"]:
            # The department's archive list caches its pages under this generation (as
            # every archive opened does, ``services.subjects.open_archive``).
            generations.advance_on_commit("department-work")
        if self.progress:
            done = len(self.record_ids)
            self.progress("writing", done, max(self.total_hint, done))
        audit.record(
            "intake.batch.imported",
            actor=self.by,
            target=job,
            detail={
                "via": self.source,
                "job": str(job.pk) if job is not None else None,
                "records": len(self.record_ids),
                **self.counts,
            },
        )
