"""The mandatory content of a report, by purpose (法定必含内容).

Where a decision about the person is tied by law or policy to their credit (recruitment,
appointment, licensing, awards, bidding), a report that left out their negative records
would mislead: 《广东省加强个人诚信体系建设分工方案》 item 23 speaks of "连续三年以上无不良信用记录的行政相对人",
济政办〔2017〕55号 item 13 ties "职称职务晋升、岗位聘用" to the credit evaluation. The rules
are data (``MandatoryContent``), each naming its source; the person may add categories,
never remove these. Three places apply them: ``check_terms`` (the consent), the query's
scope (``services.queries``) and the report builder (``services.reports``), so a
forged form or a narrowed API request cannot produce a report without them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Expression, QuerySet
from django.utils.translation import gettext as _

from departments.models import RecordCategory
from disclosure.models import MandatoryContent, Purpose

Content = MandatoryContent.Content


@dataclass(frozen=True)
class Mandatory:
    """What a report for one purpose must contain, with the sources that say so."""

    purpose: str
    negative_records: bool = False
    latest_finding: bool = False
    categories: tuple[RecordCategory, ...] = ()
    sources: tuple[str, ...] = field(default_factory=tuple)

    @property
    def any(self) -> bool:
        return self.negative_records or self.latest_finding or bool(self.categories)

    @property
    def purpose_label(self) -> str:
        return str(dict(Purpose.choices).get(self.purpose, self.purpose))

    @property
    def category_ids(self) -> list[int]:
        return [c.pk for c in self.categories]

    def labels(self) -> list[str]:
        """The mandatory content in words, for the form, the consent and the report."""
        items: list[str] = []
        if self.negative_records:
            items.append(str(Content.NEGATIVE_RECORDS.label))
        if self.latest_finding:
            items.append(str(Content.LATEST_FINDING.label))
        items += [_("every effective record of the category %(name)s") % {"name": c.name} for c in self.categories]
        return items


def _build(purpose: str, rules: list[MandatoryContent]) -> Mandatory:
    return Mandatory(
        purpose=purpose,
        negative_records=any(r.content == Content.NEGATIVE_RECORDS for r in rules),
        latest_finding=any(r.content == Content.LATEST_FINDING for r in rules),
        categories=tuple(r.category for r in rules if r.content == Content.CATEGORY and r.category is not None),
        sources=tuple(dict.fromkeys(r.source for r in rules)),
    )


def _rules() -> QuerySet[MandatoryContent]:
    return (
        MandatoryContent.objects.filter(is_active=True)
        .select_related("category")
        .order_by("content", "category__sort_order", "id")
    )


def mandatory_for(purpose: str) -> Mandatory:
    """The rules in force for ``purpose`` (one query)."""
    return _build(purpose, list(_rules().filter(purpose=purpose)))


# The columns of ``rule_rows``, in order; ``mandatory_from_rows`` reads them back.
RULE_COLUMNS = ("id", "content", "category_id", "category__name", "category__sort_order", "source")


def rules_in_force(purpose: str | Expression) -> QuerySet[MandatoryContent]:
    """The rules in force for ``purpose`` (a value, or an outer reference of a query
    that reads them with its own rows), unordered."""
    return _rules().filter(purpose=purpose).order_by()


def rule_rows(purpose: str, *leading: Expression) -> QuerySet[MandatoryContent]:
    """The rules in force for ``purpose`` as plain rows (``leading`` columns, then
    ``RULE_COLUMNS``), unordered: a caller that reads them together with other rows in
    one query (the third-party query reads them with the authorization's scope,
    ``services.queries``) gives them, without the leading columns, to
    ``mandatory_from_rows``, which puts them in ``_rules``' order."""
    return rules_in_force(purpose).values_list(*leading, *RULE_COLUMNS)


# ``mandatory_from_rows`` by its arguments: a function of the rows alone (read afresh by
# every query, so nothing here can outlive a change of the rules), and between two
# queries of a purpose they are the same; building the Mandatory anew cost four model
# instances per query API request. Bounded: emptied when full.
_FROM_ROWS: dict[tuple[str, tuple[tuple[object, ...], ...]], Mandatory] = {}
_FROM_ROWS_MAX = 256


def mandatory_from_rows(purpose: str, rows: Iterable[tuple[object, ...]]) -> Mandatory:
    """``mandatory_for(purpose)`` from the rows of ``rule_rows(purpose)``: the same
    rules in the same order (content, the category's sort order, id), so the same
    labels and sources. The same rows give the same (shared, read-only) ``Mandatory``."""
    ordered = tuple(sorted((tuple(row) for row in rows), key=lambda row: (row[1], row[4] is None, row[4] or 0, row[0])))
    key = (purpose, ordered)
    found = _FROM_ROWS.get(key)
    if found is None:
        if len(_FROM_ROWS) >= _FROM_ROWS_MAX:
            _FROM_ROWS.clear()
        found = _FROM_ROWS[key] = _from_rows(purpose, ordered)
    return found


def _from_rows(purpose: str, ordered: tuple[tuple[object, ...], ...]) -> Mandatory:
    rules = []
    for pk, content, category_id, name, sort_order, source in ordered:
        category = RecordCategory(pk=category_id, name=name, sort_order=sort_order) if category_id is not None else None
        rules.append(MandatoryContent(pk=pk, purpose=purpose, content=content, category=category, source=source))
    return _build(purpose, rules)


def mandatory_by_purpose() -> dict[str, Mandatory]:
    """The rules of every purpose that has some, in the order of ``Purpose`` (one
    query), for the authorization form."""
    by_purpose: dict[str, list[MandatoryContent]] = {}
    for rule in _rules():
        by_purpose.setdefault(rule.purpose, []).append(rule)
    return {purpose: _build(purpose, by_purpose[purpose]) for purpose in Purpose.values if purpose in by_purpose}


def missing_categories(mandatory: Mandatory, chosen: Iterable[RecordCategory]) -> list[RecordCategory]:
    """Mandatory categories the person left out. Choosing none means every category,
    which leaves nothing out."""
    chosen_ids = {c.pk for c in chosen}
    if not chosen_ids:
        return []
    return [c for c in mandatory.categories if c.pk not in chosen_ids]


def missing_message(mandatory: Mandatory, missing: Iterable[RecordCategory]) -> str:
    return _(
        "For this purpose the report must include %(names)s; it cannot be left out "
        "(legal basis: %(source)s). Tick it again."
    ) % {"names": "、".join(c.name for c in missing), "source": "；".join(mandatory.sources)}
