"""What an import produces, and the pieces its stages share."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from archives.intake.rows import ParsedRow
from archives.models import CreditRecord
from credit_portal.exceptions import DomainError

CHUNK = 1000  # ids per IN (…) look-up
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
    # row number → the record imported before under the row's key (id, key and digest only)
    existing: dict[int, CreditRecord] = field(default_factory=dict)

    @property
    def refused(self) -> list[ParsedRow]:
        return [row for row in self.rows if row.errors]

    @property
    def total(self) -> int:
        return len(self.rows)


def chunks(items: list, size: int = CHUNK) -> Iterable[list]:  # type: ignore[type-arg]
    for start in range(0, len(items), size):
        yield items[start : start + size]
