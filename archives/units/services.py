"""Writes of units, their responsible persons and their serious dishonesty. Every write is
one transaction with its audit entry; the credit records in the named persons' archives
are written only by the record services (``archives.services``), which audit it and push it through the outbox
(``record.published`` / ``record.withdrawn``, with ``source`` = ``unit`` and the unit's
credit code and name), so the platform receives it like every other record.

003 §三（一）2: "对企事业单位严重失信行为，在记入企事业单位信用记录的同时，记入其法定代表人、
主要负责人和其他负有直接责任人员的个人信用记录". The path is the record lifecycle's own four eyes
(DESIGN §5): a clerk of the keeping department proposes, naming the persons it is recorded
against (one record each is drafted with its evidence and submitted, and each person is
told before publication, 《征信业管理条例》 art. 15); another reviewer of the department
publishes them all (``archives.permissions.can_publish_record``); withdrawing the unit's
dishonesty is a withdrawal proposal on each record in force, which another reviewer
approves (``archives.permissions.can_approve_change``). Each step runs over all the
records in one transaction: one refusal and none of them moves.
"""

from __future__ import annotations

from collections.abc import Iterable
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
from archives.units.models import Unit, UnitDishonesty, UnitDishonestyRecord, UnitPerson
from credit_portal import audit
from credit_portal.exceptions import TransitionNotAllowed
from departments.models import Department, RecordCategory

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from archives.models import Archive, Subject
    from archives.units.selectors import DishonestyRow
    from credit_portal.models import User


Role = UnitPerson.Role


def _audit_unit(action: str, unit: Unit, by: User | None, **detail: Any) -> None:
    audit.record(f"units.unit.{action}", actor=by, target=unit, detail=detail or None)


def _audit_person(action: str, person: UnitPerson, by: User | None, **detail: Any) -> None:
    audit.record(
        f"units.person.{action}",
        actor=by,
        target=person,
        subject_ref=str(person.subject_id),
        detail={"unit": person.unit.credit_code, "role": person.role, "archive": person.archive_id, **detail},
    )


def _audit_item(action: str, row: DishonestyRow | UnitDishonesty, by: User | None, **detail: Any) -> None:
    item = row if isinstance(row, UnitDishonesty) else row.item
    records = [] if isinstance(row, UnitDishonesty) else [r.record.pk for r in row.records]
    audit.record(
        f"units.dishonesty.{action}",
        actor=by,
        target=item,
        detail={"unit": item.unit.credit_code, "records": records, **detail},
    )


def role_label(role: str) -> str:
    return str(Role(role).label)


def check_person(
    subject: Subject | None, department: Department, *, role: str, field: str, on: date | None = None
) -> Archive:
    """The person's archive for ``department``, or a ValidationError on ``field`` saying
    why the person cannot hold ``role`` in a unit the department keeps. The same checks
    for the three roles of 003 §三（一）2."""
    label = role_label(role)
    if subject is None:
        raise ValidationError(
            {field: _("Nobody with this ID number is registered: register the person and open their archive first.")}
        )
    day = on or timezone.localdate()
    if subject.is_minor_on(day):
        # A legal representative acts for the unit (《民法典》第六十一条) and needs full civil
        # capacity, and so do those answering for its conduct; minors are protected
        # (003 §三（四）10「对……未成年人予以适当保护」).
        raise ValidationError(
            {
                field: _("The %(role)s must be an adult: this person was under 18 on %(day)s.")
                % {"role": label, "day": day.isoformat()}
            }
        )
    archive = selectors.person_archive(subject, department)
    if archive is None:
        raise ValidationError(
            {
                field: _(
                    "The %(role)s has no open archive kept by %(department)s that holds \u201c%(category)s\u201d: "
                    "open their archive (e.g. enterprise legal representatives and responsible persons) first."
                )
                % {"role": label, "department": department.display_name, "category": _category().name}
            }
        )
    return archive


def _category() -> RecordCategory:
    try:
        return RecordCategory.objects.get(code=selectors.UNIT_DISHONESTY_CATEGORY)
    except RecordCategory.DoesNotExist:
        raise ValidationError(_("The catalogue has no category for a unit's serious dishonesty.")) from None


def _find_subject(id_number: str, *, field: str) -> Subject | None:
    try:
        return archive_services.find_subject_by_id_number(id_number or "")
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def register_unit(
    *, by: User, department: Department, credit_code: str, name: str, representative_id_number: str
) -> Unit:
    """Register a unit kept by ``department`` with its legal representative (a clerk of
    the department). The credit code is checked (GB 32100-2015, python-stdnum); the
    representative must be a registered adult with an open archive the department keeps
    in an occupation holding 所在单位严重失信行为. The principal person in charge and the
    directly responsible persons are added afterwards (``assign_person``)."""
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
        subject = _find_subject(representative_id_number, field="representative")
        archive = check_person(subject, department, role=Role.LEGAL_REPRESENTATIVE, field="representative")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            unit = Unit.objects.create(credit_code=code, name=name[:200], department=department, created_by=by)
            _audit_unit("registered", unit, by, credit_code=code)
            person = UnitPerson.objects.create(
                unit=unit,
                role=Role.LEGAL_REPRESENTATIVE,
                subject=archive.subject,
                archive=archive,
                added_by=by,
                added_at=timezone.now(),
            )
            _audit_person("assigned", person, by)
    except IntegrityError:
        raise ValidationError(
            {"credit_code": _("A unit with this unified social credit code is already registered.")}
        ) from None
    return unit


def assign_person(unit: Unit, *, by: User, role: str, id_number: str) -> UnitPerson:
    """Name the unit's legal representative, principal person in charge or one more
    directly responsible person (a clerk of the keeping department). For the legal
    representative and the principal, who are one person each, the new person replaces
    the current one, whose link is ended in the same transaction.

    Refused with the reason and nothing written: another department's staff; a role that
    is none of the three; a person nobody registered, a minor, a person without an open
    archive of the keeping department holding the category; a person who already holds
    that role in the unit.

    The records the unit's dishonesty already wrote are not moved: they stay in the
    archive of whoever was responsible when the conduct occurred (003 §三（一）2 records it
    against 负有直接责任人员 of that behaviour), and ``UnitDishonestyRecord.person`` keeps
    the link of that time."""
    if role not in Role.values:
        raise ValidationError({"role": _("Choose the role: legal representative, principal person in charge or other directly responsible person.")})
    with transaction.atomic():
        locked = Unit.objects.select_for_update().select_related("department").get(pk=unit.pk)
        if not permissions.can_change_people(by, locked):
            raise PermissionDenied(_("Only a clerk of the keeping department changes a unit's responsible persons."))
        subject = _find_subject(id_number, field="id_number")
        archive = check_person(subject, locked.department, role=role, field="id_number")
        current = list(UnitPerson.objects.select_for_update().filter(unit=locked, role=role, ended_at__isnull=True))
        if any(p.subject_id == archive.subject_id for p in current):
            raise ValidationError(
                {"id_number": _("This person already is the unit's %(role)s.") % {"role": role_label(role)}}
            )
        now = timezone.now()
        replaced = None
        if role in UnitPerson.SINGLE_ROLES and current:
            replaced = current[0]
            replaced.ended_at = now
            replaced.ended_by = by
            replaced.save(update_fields=["ended_at", "ended_by"])
            _audit_person("ended", replaced, by, replaced_by_subject=str(archive.subject_id))
        person = UnitPerson.objects.create(
            unit=locked, role=role, subject=archive.subject, archive=archive, added_by=by, added_at=now
        )
        _audit_person("assigned", person, by, replaced=replaced.pk if replaced else None)
    return person


def end_person(person: UnitPerson, *, by: User) -> UnitPerson:
    """A principal person in charge or a directly responsible person leaves the role (a
    clerk of the keeping department). The legal representative is replaced, never only
    removed: a unit always has one. The link is ended, not deleted, and the records
    already written stay in the person's archive (see ``assign_person``)."""
    with transaction.atomic():
        locked = UnitPerson.objects.select_for_update(of=("self",)).select_related("unit").get(pk=person.pk)
        if not permissions.can_change_people(by, locked.unit):
            raise PermissionDenied(_("Only a clerk of the keeping department changes a unit's responsible persons."))
        if locked.ended_at is not None:
            raise TransitionNotAllowed(_("This person no longer holds the role."))
        if locked.role == Role.LEGAL_REPRESENTATIVE:
            raise TransitionNotAllowed(_("A unit always has a legal representative: name the new one instead."))
        if not permissions.can_end_person(by, locked):  # the predicate the page asks, after the reasons above
            raise PermissionDenied(_("Only a clerk of the keeping department changes a unit's responsible persons."))
        locked.ended_at = timezone.now()
        locked.ended_by = by
        locked.save(update_fields=["ended_at", "ended_by"])
        _audit_person("ended", locked, by)
    return locked


RECORD_FIELDS = ("title", "description", "decision_number", "deciding_body", "occurred_on", "decided_on", "is_penalty")


def default_people(people: Iterable[UnitPerson]) -> list[UnitPerson]:
    """Whom a unit's dishonesty is recorded against unless the clerk chooses otherwise:
    the current legal representative and principal person in charge, who answer for the
    unit by position; directly responsible persons are named per case, since 003 §三（一）2
    names 负有直接责任 for that behaviour."""
    return [p for p in people if p.ended_at is None and p.role in UnitPerson.SINGLE_ROLES]


def _named(unit: Unit, people: Iterable[object] | None) -> list[UnitPerson]:
    links = selectors.people_of(unit)
    if people is None:
        chosen = default_people(links)
    else:
        by_id = {str(p.pk): p for p in links}
        wanted = [str(getattr(p, "pk", p)) for p in people]
        if any(w not in by_id for w in wanted):
            raise ValidationError({"people": _("Choose among the unit's responsible persons.")})
        chosen = [by_id[w] for w in dict.fromkeys(wanted)]
    # One record per person: someone who is both legal representative and principal is
    # written once, under the first of their roles.
    seen: set[int] = set()
    named = []
    for person in selectors.sort_people(chosen):
        if person.subject_id not in seen:
            seen.add(person.subject_id)
            named.append(person)
    if not named:
        raise ValidationError({"people": _("Name at least one person it is recorded against.")})
    return named


def propose_dishonesty(
    unit: Unit, *, by: User, evidence: UploadedFile, people: Iterable[object] | None = None, **data: Any
) -> UnitDishonesty:
    """Record a unit's serious dishonesty (a clerk of the keeping department) against the
    persons named in ``people`` (ids or ``UnitPerson``s of the unit, current or former;
    by default its current legal representative and principal, ``default_people``): in
    each one's archive a record is drafted (serious negative information, ``source =
    unit_dishonesty``, the unit's credit code and name), the evidence attached and the
    record submitted, all in one transaction; they are published only when another
    reviewer approves. A person who was a minor at the time of the conduct, or whose
    archive refuses the record, refuses it all."""
    unknown = set(data) - set(RECORD_FIELDS)
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")
    stored = []  # the evidence files written, to delete if the whole is refused
    try:
        return _propose_dishonesty(unit, by=by, evidence=evidence, people=people, stored=stored, **data)
    except BaseException:
        # A later person's record refused rolls back every row, but a file in storage
        # is not part of the transaction: the files already written for the others go
        # too, so nothing is left half-written.
        for file in stored:
            file.delete(save=False)
        raise


def _propose_dishonesty(
    unit: Unit, *, by: User, evidence: UploadedFile, people: Iterable[object] | None, stored: list, **data: Any
) -> UnitDishonesty:
    with transaction.atomic():
        locked = Unit.objects.select_for_update().select_related("department").get(pk=unit.pk)
        if not permissions.can_record_dishonesty(by, locked):
            raise PermissionDenied(_("Only a clerk of the keeping department records a unit's dishonesty."))
        named = _named(locked, people)
        occurred = data.get("occurred_on")
        for person in named:
            if occurred and person.subject.is_minor_on(occurred):
                raise ValidationError(
                    {
                        "occurred_on": _(
                            "The %(role)s was under 18 at the time of the conduct: it is not written into their archive."
                        )
                        % {"role": role_label(person.role)}
                    }
                )
        item = UnitDishonesty.objects.create(unit=locked, proposed_by=by, proposed_at=timezone.now())
        category = _category()
        for person in named:
            record = archive_services.draft_record(
                person.archive,
                by=by,
                source=CreditRecord.Source.UNIT_DISHONESTY,
                category=category,
                polarity=CreditRecord.Polarity.NEGATIVE,
                severity=CreditRecord.Severity.SERIOUS,
                unit_credit_code=locked.credit_code,
                unit_name=locked.name,
                source_type=CreditRecord.SourceType.PENALTY,
                **data,
            )
            evidence.seek(0)
            stored.append(archive_services.attach_evidence(
                evidence, by=by, record=record, description=_("Decision on the unit")
            ).file)
            archive_services.submit_record(record, by=by)
            UnitDishonestyRecord.objects.create(item=item, person=person, record=record, lineage=record.lineage)
        _audit_item("proposed", selectors.get_dishonesty_for_action(by, item.pk), by)
    return item


def approve_dishonesty(item: UnitDishonesty, *, by: User) -> list[CreditRecord]:
    """Another reviewer of the keeping department approves: every record of it is
    published in its person's archive (and pushed to the platform by
    ``publish_record``), in one transaction; if one cannot be, none is."""
    with transaction.atomic():
        row = selectors.get_dishonesty_for_action(by, item.pk)
        if not row.records or row.states != {CreditRecord.State.SUBMITTED}:
            raise TransitionNotAllowed(_("Only a unit's dishonesty awaiting approval can be approved."))
        if permissions.is_proposer(by, row.item):
            raise PermissionDenied(
                _("You proposed this unit's dishonesty: another reviewer of the department approves it.")
            )
        if not permissions.can_approve_dishonesty(by, row):
            raise PermissionDenied(_("Only another reviewer of the keeping department approves a unit's dishonesty."))
        records = [archive_services.publish_record(record, by=by) for record in row.current_records]
        _audit_item("approved", row, by)
    return records


def return_dishonesty(item: UnitDishonesty, *, by: User, reason: str) -> list[CreditRecord]:
    """A reviewer of the keeping department sends it back to the clerk with a reason
    (each record is returned; the clerk corrects and resubmits them from the record pages)."""
    with transaction.atomic():
        row = selectors.get_dishonesty_for_action(by, item.pk)
        if not row.records or row.states != {CreditRecord.State.SUBMITTED}:
            raise TransitionNotAllowed(_("Only a unit's dishonesty awaiting approval can be returned."))
        if not permissions.can_return_dishonesty(by, row):
            raise PermissionDenied(_("Only a reviewer of the keeping department returns a unit's dishonesty."))
        records = [archive_services.return_record(r, reason=reason, by=by) for r in row.current_records]
        _audit_item("returned", row, by)
    return records


def propose_withdrawal(item: UnitDishonesty, *, by: User, reason: str) -> list[RecordChange]:
    """Propose withdrawing the unit's dishonesty: a withdrawal proposal on each of its
    records still in force, in one transaction, which another reviewer approves."""
    with transaction.atomic():
        row = selectors.get_dishonesty_for_action(by, item.pk)
        if not permissions.can_propose_withdrawal(by, row):
            if row.pending_changes:
                raise TransitionNotAllowed(_("A change to this record is already awaiting approval."))
            if not permissions.in_force(row):
                raise TransitionNotAllowed(_("Only a unit's dishonesty in force can be withdrawn."))
            raise PermissionDenied(_("Only staff of the keeping department propose withdrawing a unit's dishonesty."))
        changes = [
            archive_services.propose_withdrawal(record, by=by, reason=reason) for record in permissions.in_force(row)
        ]
        _audit_item("withdrawal_proposed", row, by, changes=[c.pk for c in changes])
    return changes


def approve_withdrawal(item: UnitDishonesty, *, by: User) -> list[CreditRecord]:
    """Another reviewer than the proposer approves the withdrawal: each record with the
    withdrawal pending is withdrawn (``archives.services.approve_change``), all in one
    transaction, which ends the unit's dishonesty."""
    with transaction.atomic():
        row = selectors.get_dishonesty_for_action(by, item.pk)
        pending = row.pending_changes
        if not pending or any(c.kind != RecordChange.Kind.WITHDRAWAL for c in pending):
            raise TransitionNotAllowed(_("No withdrawal of this unit's dishonesty awaits approval."))
        if any(getattr(by, "pk", None) == c.proposed_by_id for c in pending):
            raise PermissionDenied(_("You cannot approve a change you proposed: another reviewer must."))
        if not permissions.can_approve_withdrawal(by, row):
            raise PermissionDenied(_("Only another reviewer of the keeping department approves the withdrawal."))
        return [archive_services.approve_change(change, by=by) for change in pending]


def propagated_record_ended(
    record: CreditRecord, *, reason: str, current: CreditRecord | None, by: User | None
) -> None:
    """``archives.hooks`` callback, in the record transition's transaction: when a record
    a unit's dishonesty created is withdrawn, repaired or expired (by whatever path), the
    unit's trail says so. A correction keeps it (same lineage)."""
    if record.source != CreditRecord.Source.UNIT_DISHONESTY or reason == "corrected":
        return
    link = UnitDishonestyRecord.objects.select_related("item__unit").filter(lineage=record.lineage).first()
    if link is not None:
        _audit_item("ended", link.item, by, reason=reason, record=record.pk, person=link.person_id)
