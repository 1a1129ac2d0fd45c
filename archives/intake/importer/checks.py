"""Every check of one row that needs no database, in the importing process or in a
forked pool worker: typing the cells (``archives.intake.rows``), the blind index of the
ID number, the natural key, the record content by the web form's rules
(``archives.services.records.validate_record_content``) and, on PostgreSQL, the SM4
encryption of a new person's ID number and phone."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import cast

from django.core.exceptions import ValidationError
from django.utils import translation

from archives import validators
from archives.intake.catalogue import Choices
from archives.intake.importer.writing import record_copy_text, subject_copy_text
from archives.intake.rows import ParsedRow, parse_cells, row_cells, validation_errors
from archives.models import Archive, Subject
from archives.services.records import validate_record_content
from archives.services.subjects import SUBJECT_INDEX_PURPOSE
from credit_portal.crypto import associated_data_maker, blind_index, blind_indexer, encrypter
from departments.models import Department

KEY_PURPOSE = "intake-row"


def row_key(row: ParsedRow, choices: Choices, *, index: Callable[[str], str] | None = None) -> str:
    """The natural key of a row: the person, the kind of fact, its date, number and title.
    A keyed hash (it holds the ID number), so the record's key column holds no personal data.
    ``index``: ``blind_indexer(KEY_PURPOSE)``, made once per file by bulk callers."""
    data = row.record
    content = "|".join(
        (
            choices.occupation.code,
            row.person["id_number"],
            data["category"].code,
            data.get("polarity", ""),
            data["decided_on"].isoformat(),
            data.get("decision_number", "").strip(),
            data.get("title", "").strip(),
        )
    )
    return "row:" + (index(content) if index is not None else blind_index(content, purpose=KEY_PURPOSE))


@dataclass(frozen=True)
class Checker:
    """What every row of one import is checked with, set up once per import (keyed
    HMACs, the SM4 key, the day) instead of once per value."""

    choices: Choices
    key_of: Callable[[ParsedRow], str] | None
    encrypt: bool  # PostgreSQL: new people's ID number and phone are encrypted here too
    language: str
    # The keeping department: some categories are one kind of unit's own (associations'
    # sanctions, 004 item 27), checked by the content rules.
    department: Department
    # ``subject_index_for`` (the blind index people are found by) and the natural key's hash.
    person_index: Callable[[str], str] = field(default_factory=lambda: blind_indexer(SUBJECT_INDEX_PURPOSE))
    key_index: Callable[[str], str] = field(default_factory=lambda: blind_indexer(KEY_PURPOSE))
    seal: Callable[[str, bytes], str] | None = None  # ``crypto.encrypter()`` when ``encrypt``
    id_number_data: Callable[[object], bytes] = field(
        default_factory=lambda: associated_data_maker("archives_subject", "id_number")
    )
    phone_data: Callable[[object], bytes] = field(
        default_factory=lambda: associated_data_maker("archives_subject", "phone")
    )

    @classmethod
    def for_import(
        cls, *, choices: Choices, department: Department, key_of: Callable[[ParsedRow], str] | None, encrypt: bool
    ) -> Checker:
        return cls(
            choices=choices,
            key_of=key_of,
            encrypt=encrypt,
            language=translation.get_language() or "zh-hans",
            department=department,
            seal=encrypter() if encrypt else None,
        )


# What a forked pool worker inherits: set before the pool starts, never sent per chunk.
_CHECKER: Checker | None = None


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


def check_row(row: ParsedRow, checker: Checker) -> ParsedRow:
    """Every check of one row that needs no database: the blind index of the ID number,
    the natural key, the record content by the web form's rules (kept aside in
    ``content_errors`` until the row is known to be new) and the values to write."""
    number = row.person.get("id_number")
    if number is None:
        return row
    row.person["_index"] = checker.person_index(number)
    if row.errors:
        return row
    row.person["_key"] = (
        checker.key_of(row) if checker.key_of else row_key(row, checker.choices, index=checker.key_index)
    )
    # The person's birth date follows from the ID number, registered or not, so the
    # content is checked against the same date the portal holds.
    person = _Person(validators.birth_date_of(number))
    try:
        data = validate_record_content(
            cast(Archive, _Folder(checker.choices.occupation, checker.department, person)),
            row.record,
            category_ids=checker.choices.category_ids,
            today=checker.choices.today,
        )
    except ValidationError as exc:
        row.content_errors = validation_errors(exc)
        return row
    category, domain = data.pop("category"), data.pop("domain", None)
    data["category_id"], data["domain_id"] = category.pk, domain.pk if domain is not None else None
    data["subject_was_minor"] = person.is_minor_on(data["occurred_on"])
    row.cleaned = data
    if checker.seal is not None:
        # Bound to a subject id chosen now; unused when the person turns out to be registered.
        pk = str(uuid.uuid4())  # as text: a UUID object costs more to send back from a pool worker
        row.person["_pk"] = pk
        # The COPY text is made here too (in a pool worker for a large file), so the
        # importing process, which reads, matches and writes in series, only adds ids.
        row.person["_subject_copy"] = subject_copy_text(
            row,
            id_token=checker.seal(number, checker.id_number_data(pk)),
            phone_token=checker.seal(row.person.get("phone", ""), checker.phone_data(pk)),
        )
        row.person["_record_copy"] = record_copy_text(data)
    return row


def check_chunk(chunk: list[tuple[int, list[object]]], *, keep_raw: bool = True) -> list[ParsedRow]:
    """Type and check a chunk of sheet rows (a pool worker's task). ``keep_raw=False``:
    the rows come back without their cells, which the importing process still holds
    (``with_raw``), so they are not pickled back."""
    checker = _CHECKER
    assert checker is not None  # noqa: S101 - set by the pool before any call
    with translation.override(checker.language):
        rows = [check_row(parse_cells(number, cells, checker.choices), checker) for number, cells in chunk]
    for row in rows:
        row.record = {}  # typed content is in ``cleaned``; the catalogue objects need not travel back
        if not keep_raw:
            row.raw = []
            if row.cleaned is not None and "_record_copy" in row.person:
                # The content is already COPY text: the writer reads only the polarity
                # (whether the row goes to review), so the rest need not be pickled back
                # (half of a checked row's pickle: 160 → 86 bytes).
                row.cleaned = {"polarity": row.cleaned["polarity"]}
    return rows


def with_raw(rows: list[ParsedRow], chunk: list[tuple[int, list[object]]]) -> list[ParsedRow]:
    """The rows of ``check_chunk(chunk, keep_raw=False)`` with their cells again, as
    ``parse_cells`` keeps them (the error report shows them)."""
    for row, (_number, cells) in zip(rows, chunk, strict=True):
        row.raw = row_cells(cells)
    return rows


def set_checker(checker: Checker | None) -> None:
    """The checker ``check_chunk`` uses: set before a pool forks, so workers inherit it."""
    global _CHECKER
    _CHECKER = checker
