"""What a record may contain: the editable fields, the categories of the archive's occupation, and
the checks every writer applies (the web form, Excel and API intake, proposed changes, case answers)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import validators
from archives.models import Archive, CreditRecord
from archives.services.records.display import retention_cutoff
from departments.models import OccupationCategory, RecordCategory

EDITABLE_FIELDS = {
    "category", "polarity", "severity", "title", "description", "decision_number", "deciding_body",
    "occurred_on", "decided_on", "domain", "unit_credit_code", "unit_name", "is_penalty", "source_type",
}


def categories_for(archive: Archive) -> list[RecordCategory]:
    """The categories an archive's occupation holds: the common ones and the
    occupation's own (000 §二). Each carries ``must_record_basis``: the seed's words when
    the seed says the item must be recorded (必须记入, e.g. 000 §二（一）「廉政记录（特别是被
    纪检监察部门处分的信息必须记入信用档案）」), else None; the record form marks those."""
    own = OccupationCategory.objects.filter(occupation_id=archive.occupation_id)
    must = own.filter(category_id=OuterRef("pk"), must_record=True).values("must_record_basis")[:1]
    return list(
        (RecordCategory.objects.filter(is_common=True) | RecordCategory.objects.filter(id__in=own.values("category_id")))
        .annotate(must_record_basis=Subquery(must))
    )


def validate_record_content(
    archive: Archive, data: dict[str, Any], *, category_ids: set[int] | None = None, today: date | None = None
) -> dict[str, Any]:
    """The web form's validation of record content, for bulk callers (Excel and API
    intake) that write many rows at once: the same rules, with the occupation's
    categories read once by the caller (``category_ids``) instead of once per row, and
    the day the rows are checked against (``today``) taken once per file."""
    return _clean(archive, dict(data), category_ids=category_ids, today=today)


# The choices' value lists, built once (``Choices.values`` builds a new list per access).
_POLARITIES = frozenset(CreditRecord.Polarity.values)
_SEVERITIES = frozenset(CreditRecord.Severity.values)
_SOURCE_TYPES = frozenset({"", *CreditRecord.SourceType.values})


def _clean(
    archive: Archive, data: dict[str, Any], *, category_ids: set[int] | None = None, today: date | None = None
) -> dict[str, Any]:
    """Validate record content; raises one ValidationError with every field's message."""
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Unknown record fields: {sorted(unknown)}")
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    category = data.get("category")
    if category is None:
        add("category", _("Choose the category."))
    elif category.pk not in (category_ids if category_ids is not None else {c.pk for c in categories_for(archive)}):
        add("category", _("This category is not part of this occupation's archive."))
    elif category.keeper_kind and archive.department.kind != category.keeper_kind:
        # 004 item 27: sanctions such as 公开谴责 are an association's own measures
        # against its members; no other unit records them (the category says who may).
        add("category", _("Only a unit of the kind \u201c%(kind)s\u201d may record \u201c%(category)s\u201d.") % {
            "kind": category.get_keeper_kind_display(), "category": category.name,
        })
    polarity = data.get("polarity") or ""
    if polarity not in _POLARITIES:
        add("polarity", _("Choose whether the information is positive, neutral or negative."))
    if category is not None and category.positive_only and polarity and polarity != CreditRecord.Polarity.POSITIVE:
        # 003 item 5: honours are 优良信用记录, never negative or neutral information.
        add("polarity", _("\u201c%(category)s\u201d is an honour: record it as positive information.")
            % {"category": category.name})
    severity = data.get("severity") or ""
    if polarity == CreditRecord.Polarity.NEGATIVE:
        if severity not in _SEVERITIES:
            add("severity", _("Choose the severity of the negative information."))
    elif severity:
        add("severity", _("Only negative information has a severity."))
    data["severity"] = severity if polarity == CreditRecord.Polarity.NEGATIVE else ""
    if not (data.get("title") or "").strip():
        add("title", _("Enter a title."))
    today = today or timezone.localdate()
    occurred, decided = data.get("occurred_on"), data.get("decided_on")
    if occurred is None:
        add("occurred_on", _("Enter the date of the conduct."))
    elif occurred > today:
        add("occurred_on", _("The date of the conduct cannot be in the future."))
    if decided is None:
        add("decided_on", _("Enter the date of the decision."))
    elif decided > today:
        add("decided_on", _("The date of the decision cannot be in the future."))
    if occurred and decided and occurred > decided:
        add("decided_on", _("The decision cannot come before the conduct."))
    if decided and polarity == CreditRecord.Polarity.NEGATIVE and decided < retention_cutoff(today):
        # The nightly purge would delete it (art. 16, archives.services.records.display).
        add("decided_on", _("Negative information is kept for 5 years and must then be deleted (征信业管理条例 "
                            "art. 16); a decision dated before %(day)s can no longer be entered.")
            % {"day": retention_cutoff(today).isoformat()})
    if occurred and occurred < archive.subject.birth_date:
        add("occurred_on", _("The date of the conduct is before the person's birth date."))
    code = (data.get("unit_credit_code") or "").strip()
    if code:
        try:
            data["unit_credit_code"] = validators.validate_unit_credit_code(code)
        except ValidationError as exc:
            add("unit_credit_code", exc.messages[0])
    if (data.get("source_type") or "") not in _SOURCE_TYPES:
        add("source_type", _("Choose where the information comes from."))
    if data.get("is_penalty") and polarity != CreditRecord.Polarity.NEGATIVE:
        add("is_penalty", _("Only negative information can be an administrative penalty."))
    if errors:
        raise ValidationError(errors)
    for key in ("title", "description", "decision_number", "deciding_body", "unit_name"):
        if key in data and isinstance(data[key], str):
            data[key] = data[key].strip()
    return data


def check_correction(record: CreditRecord, changes: dict[str, Any]) -> dict[str, Any]:
    """Validate ``changes`` to ``record`` as ``correct_record`` would, without writing:
    the merged content must be a valid record. Returns the changes that differ from
    the record. Callers: the objection answer, drafted before the correction is made."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Unknown record fields: {sorted(unknown)}")
    data = {name: getattr(record, name) for name in EDITABLE_FIELDS}
    data.update(changes)
    cleaned = _clean(record.archive, data)
    return {name: cleaned[name] for name in EDITABLE_FIELDS if cleaned.get(name) != getattr(record, name)}
