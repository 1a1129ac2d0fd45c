"""The credit record lifecycle (DESIGN §5).

draft → submitted → published; submitted → returned → submitted; published →
corrected (a new version) | withdrawn | repaired | expired. Each transition is one
function: it locks the row, checks who may act and whether the state allows it, saves,
writes the audit trail and emits the outbox event in one transaction.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import hooks, permissions, validators
from archives.events import emit_record_event
from archives.models import Archive, CreditRecord, DisplayRule, Evidence, Notice
from archives.services.notices import notify_subject
from credit_portal import audit
from credit_portal.exceptions import TransitionNotAllowed
from departments.models import OccupationCategory, RecordCategory

if TYPE_CHECKING:
    from credit_portal.models import User

State = CreditRecord.State
SEVERITY_RANK = {"": 0, CreditRecord.Severity.MINOR: 1, CreditRecord.Severity.GENERAL: 2, CreditRecord.Severity.SERIOUS: 3}

EDITABLE_FIELDS = {
    "category", "polarity", "severity", "title", "description", "decision_number", "deciding_body",
    "occurred_on", "decided_on", "domain", "unit_credit_code", "unit_name", "is_penalty", "source_type",
}


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    return day + relativedelta(months=months)


def display_rule_for(tier: str) -> DisplayRule:
    try:
        return DisplayRule.objects.get(tier=tier)
    except DisplayRule.DoesNotExist:
        raise ValidationError(_("No display rule is configured for this kind of information.")) from None


def display_until_for(record: CreditRecord) -> date | None:
    """When public and third-party display ends: the decision date plus the tier's
    maximum period (DESIGN §7; 国办发〔2025〕22号 three tiers). Neutral information
    has no display period."""
    if record.polarity == CreditRecord.Polarity.NEUTRAL:
        return None
    rule = display_rule_for(record.tier)
    return add_months(record.decided_on, rule.max_months)


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


def _lock(record: CreditRecord) -> CreditRecord:
    return CreditRecord.objects.select_for_update(of=("self",)).select_related("archive__subject", "archive__occupation",
                                                                 "archive__department", "category", "domain").get(pk=record.pk)


REVIEW_QUEUE_FIELDS = ("review_department", "review_occupation")


def _enter_review_queue(record: CreditRecord, *, queued: bool) -> None:
    """Set (on submission) or clear (on return and publication) the record's copy of its
    archive's department and occupation, which the review queue filters on."""
    record.review_department_id = record.archive.department_id if queued else None
    record.review_occupation_id = record.archive.occupation_id if queued else None


def _touch_archive(archive: Archive) -> None:
    Archive.objects.filter(pk=archive.pk).update(last_updated_at=timezone.now())


def _audit(action: str, record: CreditRecord, by: User | None, **detail: Any) -> None:
    audit.record(f"archives.record.{action}", actor=by, target=record, subject_ref=str(record.archive.subject_id), detail=detail or None)


def draft_record(archive: Archive, *, by: User, source: str = CreditRecord.Source.WEB_FORM, **data: Any) -> CreditRecord:
    """Create a draft record in ``archive``.

    Callers: a clerk of a department that may act on the archive. The archive must be
    open. Categories are limited to the occupation's (000 §二).
    """
    with transaction.atomic():
        archive = Archive.objects.select_for_update().select_related("subject").get(pk=archive.pk)
        if archive.state != Archive.State.OPEN:
            raise TransitionNotAllowed(_("Records cannot be added to a closed archive."))
        if not permissions.can_enter_record(by, archive):
            raise PermissionDenied(_("Only a clerk of the responsible department enters records."))
        data = _clean(archive, dict(data))
        record = CreditRecord(archive=archive, source=source, created_by=by, updated_by=by, **data)
        record.subject_was_minor = archive.subject.is_minor_on(record.occurred_on)
        record.save(force_insert=True)
        _audit("drafted", record, by)
    return record


def edit_record(record: CreditRecord, *, by: User, **data: Any) -> CreditRecord:
    """Change a draft or returned record. Published records are never edited in place:
    use ``correct_record``."""
    with transaction.atomic():
        locked = _lock(record)
        if not locked.is_editable:
            raise TransitionNotAllowed(_("Only drafts and returned records can be edited; correct a published record instead."))
        if not permissions.can_edit_record(by, locked):
            raise PermissionDenied(_("Only a clerk of the responsible department edits records."))
        current = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
        current.update(data)
        cleaned = _clean(locked.archive, current)
        for key, value in cleaned.items():
            setattr(locked, key, value)
        locked.subject_was_minor = locked.archive.subject.is_minor_on(locked.occurred_on)
        locked.updated_by = by
        locked.save()
        _audit("edited", locked, by, fields=sorted(data))
    return locked


def delete_draft(record: CreditRecord, *, by: User) -> None:
    """Delete a draft or returned record that was never published, with its evidence
    (clerk in scope). Only the audit trail keeps its identifiers."""
    with transaction.atomic():
        locked = _lock(record)
        if not locked.is_editable or locked.published_at is not None:
            raise TransitionNotAllowed(_("Only drafts and returned records that were never published can be deleted."))
        if not permissions.can_delete_draft(by, locked):
            raise PermissionDenied(_("Only a clerk of the responsible department deletes drafts."))
        files = list(locked.evidence.values_list("file", flat=True))
        _audit("deleted", locked, by, evidence=len(files))
        locked.notices.all().delete()
        locked.evidence.all().delete()
        locked.delete()

        def remove_files() -> None:
            from django.core.files.storage import default_storage

            for name in files:
                default_storage.delete(name)

        transaction.on_commit(remove_files)


def submit_record(record: CreditRecord, *, by: User) -> CreditRecord:
    """Send a draft or returned record for review (clerk in scope).

    Negative information: the subject is told now, before a reviewer can publish it
    (《征信业管理条例》 art. 15; DESIGN §7).
    """
    with transaction.atomic():
        locked = _lock(record)
        if locked.state not in {State.DRAFT, State.RETURNED}:
            raise TransitionNotAllowed(_("Only drafts and returned records can be submitted."))
        if not permissions.can_submit_record(by, locked):
            raise PermissionDenied(_("Only a clerk of the responsible department submits records."))
        # Negative information rests on its proof: the reviewer decides on the evidence,
        # and the person can ask to see it (DESIGN §3: evidence backs a record).
        if locked.is_negative and not locked.evidence.exists():
            raise ValidationError(_("Negative information needs evidence: attach the decision or other proof before submitting."))
        locked.state = State.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.updated_by = by
        _enter_review_queue(locked, queued=True)
        locked.save(update_fields=["state", "submitted_at", "updated_by", *REVIEW_QUEUE_FIELDS, "updated_at"])
        _audit("submitted", locked, by)
        if locked.is_negative and not locked.notices.filter(kind=Notice.Kind.PRE_PUBLICATION).exists():
            send_pre_publication_notice(locked)
    return locked


def send_pre_publication_notice(record: CreditRecord, *, content: CreditRecord | None = None) -> None:
    """Tell the person before negative information about them is published:
    "征信机构…采集个人不良信息的，应当告知信息主体本人" (《征信业管理条例》 art. 15).
    ``content`` is what will be published when it differs from ``record`` (a proposed change)."""
    shown = content or record
    notify_subject(
        record.archive.subject,
        kind=Notice.Kind.PRE_PUBLICATION,
        record=record,
        title=_("Negative information is about to be recorded in your credit archive"),
        body=_(
            "%(department)s intends to publish the following negative information in your %(occupation)s "
            "credit archive: %(title)s (decision %(number)s of %(date)s). If you believe it is wrong, you "
            "may raise an objection in the portal."
        ) % {
            "department": record.archive.department.display_name,
            "occupation": record.archive.occupation.name,
            "title": shown.title,
            "number": shown.decision_number or "—",
            "date": shown.decided_on.isoformat(),
        },
    )


def return_record(record: CreditRecord, *, reason: str, by: User) -> CreditRecord:
    """Send a submitted record back to the clerk with a reason (reviewer in scope)."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the record is returned.")})
    with transaction.atomic():
        locked = _lock(record)
        if locked.state != State.SUBMITTED:
            raise TransitionNotAllowed(_("Only records awaiting review can be returned."))
        if not permissions.can_return_record(by, locked):
            raise PermissionDenied(_("Only a reviewer of the responsible department returns records."))
        locked.state = State.RETURNED
        locked.return_reason = reason.strip()
        _enter_review_queue(locked, queued=False)
        locked.save(update_fields=["state", "return_reason", *REVIEW_QUEUE_FIELDS, "updated_at"])
        _audit("returned", locked, by)
    return locked


def publish_record(record: CreditRecord, *, by: User) -> CreditRecord:
    """Publish a submitted record.

    Callers: a reviewer of a department that may act on the archive, never the
    record's author or last editor (four eyes, DESIGN §5). Sets the display period
    from the configurable rules, counted from the decision date. A penalty record
    carries the credit repair notice (信用修复告知书, "两书同达").
    """
    with transaction.atomic():
        locked = _lock(record)
        if locked.state != State.SUBMITTED:
            raise TransitionNotAllowed(_("Only records awaiting review can be published."))
        if not permissions.can_return_record(by, locked):
            raise PermissionDenied(_("Only a reviewer of the responsible department publishes records."))
        # Four eyes (DESIGN §5): nobody publishes content they wrote or edited.
        if not permissions.can_publish_record(by, locked):
            raise PermissionDenied(_("You cannot publish a record you wrote or edited: another reviewer must."))
        if locked.is_negative and not locked.evidence.exists():
            raise ValidationError(_("Negative information needs evidence before it is published."))
        locked.state = State.PUBLISHED
        locked.published_by = by
        locked.published_at = timezone.now()
        locked.display_until = display_until_for(locked)
        locked.return_reason = ""
        _enter_review_queue(locked, queued=False)
        locked.save(update_fields=["state", "published_by", "published_at", "display_until", "return_reason",
                                   *REVIEW_QUEUE_FIELDS, "updated_at"])
        _touch_archive(locked.archive)
        _audit("published", locked, by)
        emit_record_event("record.published", locked)
        if locked.is_penalty:
            _send_repair_notice(locked)
    return locked


def _send_repair_notice(record: CreditRecord) -> None:
    rule = display_rule_for(record.tier)
    earliest = add_months(record.decided_on, rule.min_months)
    notify_subject(
        record.archive.subject,
        kind=Notice.Kind.REPAIR_NOTICE,
        record=record,
        title=_("Credit repair notice"),
        body=_(
            "The administrative penalty \"%(title)s\" (%(number)s) has been recorded in your credit archive and is "
            "shown until %(until)s. Once you have fulfilled the obligations it sets and made a credit commitment, "
            "you may apply for credit repair from %(earliest)s to end its display early."
        ) % {
            "title": record.title,
            "number": record.decision_number or "—",
            "until": record.display_until.isoformat() if record.display_until else "—",
            "earliest": earliest.isoformat(),
        },
    )


def escalates(old: CreditRecord, new: CreditRecord) -> bool:
    """Whether ``new`` makes the record negative or more severe than ``old``: such a change
    follows the whole negative-record path (evidence, notice before publication)."""
    if not new.is_negative:
        return False
    return not old.is_negative or SEVERITY_RANK[new.severity] > SEVERITY_RANK[old.severity]


def new_version(old: CreditRecord, data: dict[str, Any], *, reason: str, by: User | None) -> CreditRecord:
    """The unsaved next version of ``old`` with ``data`` cleaned in (nothing written)."""
    merged = {name: getattr(old, name) for name in EDITABLE_FIELDS}
    merged.update(data)
    cleaned = _clean(old.archive, merged)
    new = CreditRecord(
        archive=old.archive, lineage=old.lineage, version=old.version + 1, supersedes=old,
        source=old.source, created_by=by, updated_by=by, state=State.PUBLISHED,
        under_objection=old.under_objection, change_reason=reason, **cleaned,
    )
    new.subject_was_minor = old.archive.subject.is_minor_on(new.occurred_on)
    return new


def apply_correction(
    old: CreditRecord, data: dict[str, Any], *, reason: str, proposed_by: User, by: User,
    evidence: list[Evidence] | None = None,
) -> CreditRecord:
    """Write a correction: version n becomes ``corrected``, version n+1 is published with
    the display period from the rules. The caller holds the lock on ``old`` and has
    checked who may do it; only ``archives.services`` call this."""
    now = timezone.now()
    new = new_version(old, data, reason=reason, by=proposed_by)
    new.published_by, new.published_at, new.submitted_at = by, now, now
    new.display_until = display_until_for(new)
    old.state, old.is_current, old.ended_at = State.CORRECTED, False, now
    old.save(update_fields=["state", "is_current", "ended_at", "updated_at"])
    new.save(force_insert=True)
    for item in evidence or []:
        item.record = new
        item.save(update_fields=["record"])
    _touch_archive(old.archive)
    _audit("corrected", new, by, previous=old.pk, proposed_by=proposed_by.pk)
    emit_record_event("record.corrected", new)
    hooks.record_ended(old, reason="corrected", current=new, by=by)
    if new.is_penalty and escalates(old, new):
        _send_repair_notice(new)
    return new


def apply_withdrawal(locked: CreditRecord, *, reason: str, by: User) -> CreditRecord:
    """Mark the current published version withdrawn; the caller holds the lock and has checked."""
    locked.state = State.WITHDRAWN
    locked.change_reason = reason
    locked.ended_at = timezone.now()
    locked.save(update_fields=["state", "change_reason", "ended_at", "updated_at"])
    _touch_archive(locked.archive)
    _audit("withdrawn", locked, by)
    emit_record_event("record.withdrawn", locked)
    hooks.record_ended(locked, reason="withdrawn", current=None, by=by)
    return locked


def correct_record(record: CreditRecord, *, by: User, reason: str, **changes: Any) -> CreditRecord:
    """Carry out a correction a case has settled: a new published version, the old one
    kept as ``corrected`` and linked (DESIGN §3: nothing published is edited in place).

    Callers: the credit office concluding an objection the department has answered
    (two bodies have looked at it). Department staff propose changes instead
    (``archives.services.changes.propose_correction``), which another reviewer approves.
    A change that makes the record negative or more severe is refused here: it needs
    the negative-record path (evidence, notice before publication).
    """
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the record is corrected.")})
    with transaction.atomic():
        old = _lock(record)
        if old.state != State.PUBLISHED or not old.is_current:
            raise TransitionNotAllowed(_("Only the current published version of a record can be corrected."))
        if not permissions.can_apply_case_outcome(by, old):
            raise PermissionDenied(_("A published record is changed by proposal: another reviewer of the department approves it."))
        if escalates(old, new_version(old, dict(changes), reason=reason, by=by)):
            raise ValidationError(
                _("This change makes the record negative or more severe: propose it with evidence so the person is told first.")
            )
        return apply_correction(old, dict(changes), reason=reason.strip(), proposed_by=by, by=by)


def withdraw_record(record: CreditRecord, *, reason: str, by: User) -> CreditRecord:
    """Carry out a withdrawal a case has settled (the credit office concluding an
    objection the department answered). It stays readable in the history, marked
    withdrawn. Department staff propose withdrawals instead."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the record is withdrawn.")})
    with transaction.atomic():
        locked = _lock(record)
        if locked.state != State.PUBLISHED or not locked.is_current:
            raise TransitionNotAllowed(_("Only a published record can be withdrawn."))
        if not permissions.can_apply_case_outcome(by, locked):
            raise PermissionDenied(_("A published record is changed by proposal: another reviewer of the department approves it."))
        return apply_withdrawal(locked, reason=reason.strip(), by=by)


def mark_repaired(record: CreditRecord, *, by: User, reason: str) -> CreditRecord:
    """End the public and third-party display of a negative record after approved credit
    repair; the record stays in the archive marked repaired (DESIGN §7). Callers: the
    repair services on behalf of the credit office."""
    with transaction.atomic():
        locked = _lock(record)
        if locked.state != State.PUBLISHED or not locked.is_negative:
            raise TransitionNotAllowed(_("Only published negative information can be repaired."))
        if not permissions.can_mark_repaired(by, locked):
            raise PermissionDenied(_("Only the credit office approves credit repair."))
        locked.state = State.REPAIRED
        locked.change_reason = reason.strip()
        locked.ended_at = timezone.now()
        locked.save(update_fields=["state", "change_reason", "ended_at", "updated_at"])
        _audit("repaired", locked, by)
        emit_record_event("record.repaired", locked)
        hooks.record_ended(locked, reason="repaired", current=None, by=by)
    return locked


def set_objection_flag(record: CreditRecord, *, flagged: bool, by: User) -> CreditRecord:
    """Flag or unflag a published record as under objection (DESIGN §7: flagged at once
    wherever it is shown). Callers: the objection services."""
    with transaction.atomic():
        locked = _lock(record)
        if locked.under_objection == flagged:
            return locked
        locked.under_objection = flagged
        locked.save(update_fields=["under_objection", "updated_at"])
        _audit("objection_flag", locked, by, flagged=flagged)
        emit_record_event("record.objection_flagged" if flagged else "record.objection_cleared", locked)
    return locked


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

