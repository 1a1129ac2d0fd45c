"""Writes of units and their serious dishonesty. Every write is one transaction with its
audit entry; the credit record in the representative's archive is written only by the
record services (``archives.services``), which audit it and push it through the outbox
(``record.published`` / ``record.withdrawn``, with ``source`` = ``unit`` and the unit's
credit code and name), so the platform receives it like every other record.

003 §三（一）2: "对企事业单位严重失信行为，在记入企事业单位信用记录的同时，记入其法定代表人、
主要负责人和其他负有直接责任人员的个人信用记录". The path is the record lifecycle's own four eyes
(DESIGN §5): a clerk of the keeping department proposes (the record is drafted with its
evidence and submitted, and the person is told before publication, 《征信业管理条例》 art. 15);
another reviewer of the department publishes it (``archives.permissions.can_publish_record``);
withdrawing the unit's dishonesty is a withdrawal proposal on that record which another
reviewer approves (``archives.permissions.can_approve_change``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import services as archive_services
from archives import validators
from archives.models import CreditRecord, RecordChange
from archives.units import permissions, selectors
from archives.units.models import Unit, UnitDishonesty
from credit_portal import audit
from credit_portal.exceptions import TransitionNotAllowed
from departments.models import Department, RecordCategory

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from archives.models import Archive, Subject
    from credit_portal.models import User


def _audit_unit(action: str, unit: Unit, by: User | None, **detail: Any) -> None:
    audit.record(
        f"units.unit.{action}", actor=by, target=unit, subject_ref=str(unit.representative_id), detail=detail or None
    )


def _audit_item(action: str, item: UnitDishonesty, by: User | None, **detail: Any) -> None:
    audit.record(
        f"units.dishonesty.{action}",
        actor=by,
        target=item,
        subject_ref=str(item.unit.representative_id),
        detail={"unit": item.unit.credit_code, "record": item.record_id, **detail},
    )


def check_representative(subject: Subject | None, department: Department, *, on: date | None = None) -> Archive:
    """The representative's archive for ``department``, or a ValidationError on
    ``representative`` saying why the person cannot be the unit's representative here."""
    if subject is None:
        raise ValidationError(
            {
                "representative": _(
                    "Nobody with this ID number is registered: register the legal representative and open their archive first."
                )
            }
        )
    day = on or timezone.localdate()
    if subject.is_minor_on(day):
        # A legal representative acts for the unit (《民法典》第六十一条) and needs full civil
        # capacity; minors are protected (003 §三（四）10「对……未成年人予以适当保护」).
        raise ValidationError(
            {
                "representative": _("The legal representative must be an adult: this person was under 18 on %(day)s.")
                % {"day": day.isoformat()}
            }
        )
    archive = selectors.representative_archive(subject, department)
    if archive is None:
        raise ValidationError(
            {
                "representative": _(
                    "The legal representative has no open archive kept by %(department)s that holds \u201c%(category)s\u201d: "
                    "open their archive (e.g. enterprise legal representatives and responsible persons) first."
                )
                % {"department": department.display_name, "category": _category().name}
            }
        )
    return archive


def _category() -> RecordCategory:
    try:
        return RecordCategory.objects.get(code=selectors.UNIT_DISHONESTY_CATEGORY)
    except RecordCategory.DoesNotExist:
        raise ValidationError(_("The catalogue has no category for a unit's serious dishonesty.")) from None


def register_unit(
    *, by: User, department: Department, credit_code: str, name: str, representative_id_number: str
) -> Unit:
    """Register a unit kept by ``department`` with its legal representative (a clerk of
    the department). The credit code is checked (GB 32100-2015, python-stdnum); the
    representative must be a registered adult with an open archive the department keeps
    in an occupation holding 所在单位严重失信行为."""
    if not permissions.can_register_unit_for(by, department):
        raise PermissionDenied(_("Only a clerk of the department registers its units."))
    errors: dict[str, list[str]] = {}
    code = ""
    try:
        code = validators.validate_unit_credit_code(credit_code or "")
    except ValidationError as exc:
        errors["credit_code"] = exc.messages
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Enter the unit's name.")]
    archive = None
    try:
        subject = archive_services.find_subject_by_id_number(representative_id_number or "")
    except ValidationError as exc:
        errors["representative"] = exc.messages
    else:
        try:
            archive = check_representative(subject, department)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            unit = Unit.objects.create(
                credit_code=code,
                name=name[:200],
                department=department,
                representative=archive.subject,
                representative_archive=archive,
                created_by=by,
            )
            _audit_unit("registered", unit, by, credit_code=code, archive=archive.pk)
    except IntegrityError:
        raise ValidationError(
            {"credit_code": _("A unit with this unified social credit code is already registered.")}
        ) from None
    return unit


RECORD_FIELDS = ("title", "description", "decision_number", "deciding_body", "occurred_on", "decided_on", "is_penalty")


def propose_dishonesty(unit: Unit, *, by: User, evidence: UploadedFile, **data: Any) -> UnitDishonesty:
    """Record a unit's serious dishonesty (a clerk of the keeping department): the
    corresponding record is drafted in the representative's archive (serious negative
    information, ``source = unit_dishonesty``, the unit's credit code and name), its
    evidence attached and submitted; it is published only when another reviewer approves."""
    unknown = set(data) - set(RECORD_FIELDS)
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = (
            Unit.objects.select_for_update()
            .select_related(
                "department",
                "representative",
                "representative_archive",
            )
            .get(pk=unit.pk)
        )
        if not permissions.can_record_dishonesty(by, locked):
            raise PermissionDenied(_("Only a clerk of the keeping department records a unit's dishonesty."))
        occurred = data.get("occurred_on")
        if occurred and locked.representative.is_minor_on(occurred):
            raise ValidationError(
                {
                    "occurred_on": _(
                        "The legal representative was under 18 at the time of the conduct: it is not written into their archive."
                    )
                }
            )
        record = archive_services.draft_record(
            locked.representative_archive,
            by=by,
            source=CreditRecord.Source.UNIT_DISHONESTY,
            category=_category(),
            polarity=CreditRecord.Polarity.NEGATIVE,
            severity=CreditRecord.Severity.SERIOUS,
            unit_credit_code=locked.credit_code,
            unit_name=locked.name,
            source_type=CreditRecord.SourceType.PENALTY,
            **data,
        )
        archive_services.attach_evidence(evidence, by=by, record=record, description=_("Decision on the unit"))
        archive_services.submit_record(record, by=by)
        item = UnitDishonesty.objects.create(
            unit=locked,
            record=record,
            lineage=record.lineage,
            proposed_by=by,
            proposed_at=timezone.now(),
        )
        _audit_item("proposed", item, by)
    return item


def approve_dishonesty(item: UnitDishonesty, *, by: User) -> CreditRecord:
    """Another reviewer of the keeping department approves: the record is published in
    the representative's archive (and pushed to the platform by ``publish_record``)."""
    with transaction.atomic():
        row = selectors.get_dishonesty_for_action(by, item.pk)
        if row.record.state != CreditRecord.State.SUBMITTED:
            raise TransitionNotAllowed(_("Only a unit's dishonesty awaiting approval can be approved."))
        if permissions.is_proposer(by, row.item):
            raise PermissionDenied(
                _("You proposed this unit's dishonesty: another reviewer of the department approves it.")
            )
        if not permissions.can_approve_dishonesty(by, row.item, row.record):
            raise PermissionDenied(_("Only another reviewer of the keeping department approves a unit's dishonesty."))
        record = archive_services.publish_record(row.record, by=by)
        _audit_item("approved", row.item, by)
    return record


def return_dishonesty(item: UnitDishonesty, *, by: User, reason: str) -> CreditRecord:
    """A reviewer of the keeping department sends it back to the clerk with a reason
    (the record is returned; the clerk corrects and resubmits it from the record page)."""
    with transaction.atomic():
        row = selectors.get_dishonesty_for_action(by, item.pk)
        if row.record.state != CreditRecord.State.SUBMITTED:
            raise TransitionNotAllowed(_("Only a unit's dishonesty awaiting approval can be returned."))
        if not permissions.can_return_dishonesty(by, row.item, row.record):
            raise PermissionDenied(_("Only a reviewer of the keeping department returns a unit's dishonesty."))
        record = archive_services.return_record(row.record, reason=reason, by=by)
        _audit_item("returned", row.item, by)
    return record


def propose_withdrawal(item: UnitDishonesty, *, by: User, reason: str) -> RecordChange:
    """Propose withdrawing the unit's dishonesty: a withdrawal proposal on the propagated
    record, which another reviewer approves."""
    with transaction.atomic():
        row = selectors.get_dishonesty_for_action(by, item.pk)
        if not permissions.can_propose_withdrawal(by, row.item, row.record, row.pending):
            if row.pending is not None:
                raise TransitionNotAllowed(_("A change to this record is already awaiting approval."))
            if row.record.state != CreditRecord.State.PUBLISHED:
                raise TransitionNotAllowed(_("Only a unit's dishonesty in force can be withdrawn."))
            raise PermissionDenied(_("Only staff of the keeping department propose withdrawing a unit's dishonesty."))
        change = archive_services.propose_withdrawal(row.record, by=by, reason=reason)
        _audit_item("withdrawal_proposed", row.item, by, change=change.pk)
    return change


def approve_withdrawal(item: UnitDishonesty, *, by: User) -> CreditRecord:
    """Another reviewer than the proposer approves the withdrawal: the propagated record
    is withdrawn (``archives.services.approve_change``), which ends the unit's dishonesty."""
    with transaction.atomic():
        row = selectors.get_dishonesty_for_action(by, item.pk)
        if row.pending is None or row.pending.kind != RecordChange.Kind.WITHDRAWAL:
            raise TransitionNotAllowed(_("No withdrawal of this unit's dishonesty awaits approval."))
        if getattr(by, "pk", None) == row.pending.proposed_by_id:
            raise PermissionDenied(_("You cannot approve a change you proposed: another reviewer must."))
        if not permissions.can_approve_withdrawal(by, row.item, row.pending):
            raise PermissionDenied(_("Only another reviewer of the keeping department approves the withdrawal."))
        return archive_services.approve_change(row.pending, by=by)


def propagated_record_ended(
    record: CreditRecord, *, reason: str, current: CreditRecord | None, by: User | None
) -> None:
    """``archives.hooks`` callback, in the record transition's transaction: when the
    record a unit's dishonesty created is withdrawn, repaired or expired (by whatever
    path), the unit's trail says so. A correction keeps it (same lineage)."""
    if record.source != CreditRecord.Source.UNIT_DISHONESTY or reason == "corrected":
        return
    item = UnitDishonesty.objects.select_related("unit").filter(lineage=record.lineage).first()
    if item is not None:
        _audit_item("ended", item, by, reason=reason)
