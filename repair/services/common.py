"""What every case service shares: the timeline step with its audit entry and outbox
event, notices, files, locking and the small refusals.

Audit actions are ``repair.<object>.<verb>`` (``repair.objection.filed``,
``repair.application.approved``); outbox events keep their published names
(``objection.updated``, ``repair.updated``: docs/exchange/schema-v1.json).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import services as archive_services
from archives.models import CreditRecord, Notice, Subject
from archives.services.evidence import check_upload
from credit_portal import audit, workdays
from credit_portal.crypto import sm3_hexdigest
from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.models import User
from exchange.outbox import emit
from repair import case_check, case_types, deadlines, permissions
from repair.models import CaseEvent, CaseFile

Case = case_types.Case
Checked = tuple[UploadedFile, Any, bytes]


def today() -> date:
    return timezone.localdate()


def new_reference(case_type: case_types.CaseType) -> str:
    return f"{case_type.reference_prefix}-{today():%Y%m%d}-{uuid.uuid4().hex[:6].upper()}"


def shown_date(day: date) -> str:
    """A date as told to the citizen, marked provisional (暂定) past the official calendar."""
    if deadlines.is_provisional(day):
        return _("%(date)s (provisional)") % {"date": day.isoformat()}
    return day.isoformat()


def step(case: Case, action: str, by: User | None, *, note: str = "", due: date | None = None,
         at: datetime | None = None) -> None:
    """One step of a case, in the caller's transaction: its timeline row, its audit
    entry and its ``*.updated`` outbox event. Concluding steps also emit
    ``*.concluded`` with the outcome, from the step's service."""
    case_type = case_types.of(case)
    if action not in case_check.STEPS:  # each step's entry is what ``verify_tables`` checks the case against
        raise ValueError(f"unknown case step {action!r}: add it to repair.case_check.STEPS")
    at = at or timezone.now()
    event = CaseEvent.objects.create(
        **case_types.owner_kwargs(case), action=action,
        actor=by if getattr(by, "is_authenticated", False) else None, note=note, at=at, due=due,
    )
    audit.record(
        f"repair.{case_type.audit_object}.{action}", actor=by, target=case, subject_ref=str(case.subject_id),
        detail={"state": case.state, "reference": case.reference, "due": due.isoformat() if due else None,
                **case_check.recorded(case, event)},
    )
    emit(f"{case_type.event_prefix}.updated", aggregate=case, payload=_updated_payload(case, action, at))


def restate(case: Case, *, by: User | None) -> None:
    """The entry for a change of ``case`` that is no step of its own (the demo's case moved
    back in time as a whole, ``repair.demo``), in the caller's transaction: what the case
    now says, for ``verify_tables`` (``repair.case_check``). No timeline step, no event."""
    case_type = case_types.of(case)
    audit.record(
        f"repair.{case_type.audit_object}.restated", actor=by, target=case,  # case_check.RESTATED
        subject_ref=str(case.subject_id),
        detail={"state": case.state, "reference": case.reference, **case_check.recorded(case, None)},
    )


def _updated_payload(case: Case, step_name: str, at: datetime) -> dict[str, Any]:
    """Payload of ``objection.updated`` / ``repair.updated`` (docs/exchange/schema-v1.json).
    No free text and no ID number or phone: the person is subject_id + subject_index."""
    return {
        case_types.of(case).id_key: case.pk,
        "reference": case.reference,
        "step": step_name,
        "state": case.state,
        "record_id": case.record_id,
        "lineage": str(case.record.lineage),
        "accept_due": case.accept_due.isoformat(),
        "decide_due": case.decide_due.isoformat() if case.decide_due else None,
        "occurred_at": at.isoformat(),
        **person_sent(case, minor=minors_lineage(case.record)),
    }


def notify(case: Case, title: str, body: str) -> None:
    if case.is_adverse:
        body = f"{body} {remedies()}"
    archive_services.notify_subject(
        case.subject, kind=Notice.Kind.CASE_UPDATE, title=title,
        body=f"{body}（{_('reference')}：{case.reference}）", record=case.record,
    )


def state_title(case: Case) -> str:
    """The notice title of a case step: its kind and its state's one name."""
    return _("%(kind)s %(reference)s: %(state)s") % {
        "kind": case_types.of(case).label, "reference": case.reference, "state": case.get_state_display(),
    }


def checked_files(uploads: Iterable[UploadedFile]) -> list[Checked]:
    """Check every file before anything is written: a bad file refuses the whole filing."""
    return [(upload, *check_upload(upload)) for upload in uploads]


def store_files(case: Case, checked: list[Checked], *, kind: str, by: User) -> None:
    for upload, file_kind, content in checked:
        row = CaseFile(
            **case_types.owner_kwargs(case), kind=kind, original_name=(upload.name or "file")[:200],
            content_type=file_kind.content_type, size=len(content), digest=sm3_hexdigest(content),
            uploaded_by=by, uploaded_at=timezone.now(),
        )
        row.file.save("upload", ContentFile(content), save=False)
        row.save(force_insert=True)


# 《中华人民共和国行政复议法》(2023) 第二十条: "可以自知道或者应当知道该行政行为之日起六十日内提出行政复议申请";
# 《中华人民共和国行政诉讼法》第四十六条: "应当自知道或者应当知道作出行政行为之日起六个月内提出".
def remedies() -> str:
    """The next steps open to a citizen after an outcome against them, with their basis."""
    return _(
        "If you disagree with this decision, you may apply for administrative reconsideration within 60 days of "
        "the day you learn of it (Administrative Reconsideration Law, art. 20), or bring an administrative lawsuit "
        "before a people's court within 6 months (Administrative Procedure Law, art. 46)."
    )


def require_handler(user: User, case: Case) -> None:
    if not permissions.may_handle(user, case):
        raise PermissionDenied(permissions.why_not_handle(user, case))


def lock(case: Case) -> Case:
    return type(case).objects.select_for_update(of=("self",)).select_related(
        "record__archive", "subject", "assigned_to"
    ).get(pk=case.pk)


def lock_open_case(case: Case, by: User) -> Case:
    """The step every handler's action starts with, inside its transaction: lock the case,
    refuse whoever may not handle it, refuse a concluded case."""
    locked = lock(case)
    require_handler(by, locked)
    refuse_if_closed(locked)
    return locked


def open_case(
    case_type: case_types.CaseType, *, record: CreditRecord, subject: Subject, by: User, at: datetime,
    duplicate: str, **fields: Any,
) -> Case:
    """A newly filed case of ``case_type`` on ``record`` (locked by the caller, inside its
    transaction): its reference and both deadlines counted from the filing day. A second
    open case of the kind on the record is refused with ``duplicate``; the unique
    constraint refuses it too when two arrive at once."""
    model = case_type.model
    if model.objects.filter(record=record, state__in=model.OPEN_STATES).exists():
        raise TransitionNotAllowed(duplicate)
    filed_on = timezone.localdate(at)
    case = model(
        reference=new_reference(case_type), record=record, subject=subject, filed_by=by, filed_at=at,
        accept_due=deadlines.due_from(case_type.accept_rule, filed_on=filed_on),
        decide_due=deadlines.due_from(case_type.decide_rule, filed_on=filed_on), **fields,
    )
    try:
        with transaction.atomic():
            case.save(force_insert=True)
    except IntegrityError:
        raise TransitionNotAllowed(duplicate) from None
    return case


def accept_case(case: Case, *, by: User, refusal: str, title: str, body: str) -> Case:
    """The credit office accepts a newly filed case, inside the caller's transaction: it
    moves to its kind's accepted state, its decision falls due by its kind's rule (counted
    from the filing or from today, as the rule says; a due day already set stays), the
    timeline says so and the person is told (``body`` names the day as ``%(due)s``).
    ``refusal`` is the message when the case is not newly filed."""
    case_type = case_types.of(case)
    locked = lock_open_case(case, by)
    if locked.state != case_type.model.State.SUBMITTED:
        raise TransitionNotAllowed(refusal)
    now = timezone.now()
    locked.state = case_type.accepted_state
    locked.accepted_at = now
    locked.decide_due = locked.decide_due or deadlines.due_from(
        case_type.decide_rule, filed_on=timezone.localdate(locked.filed_at), accepted_on=timezone.localdate(now)
    )
    locked.save(update_fields=["state", "accepted_at", "decide_due"])
    step(locked, "accepted", by, due=locked.decide_due, at=now)
    notify(locked, title, body % {"due": shown_date(locked.decide_due)})
    return locked


def refuse_if_closed(case: Case) -> None:
    if not case.is_open:
        raise TransitionNotAllowed(_("This case is already concluded; nothing was changed."))


def require_reason(reason: str, field_name: str = "reason") -> str:
    if not (reason or "").strip():
        raise ValidationError({field_name: _("Give the reason.")})
    return reason.strip()


def current_version(record: CreditRecord) -> CreditRecord:
    return CreditRecord.objects.get(lineage=record.lineage, is_current=True)


def open_deadlines(since: date) -> list[workdays.Deadline]:
    """``credit_portal.workdays`` deadlines: each open case's accept and decide days on
    or after ``since``, counted by its rule from the filing or acceptance day (the
    office's deadlines: the official day, earlier or later). Rows locked."""
    found = []
    for case_type in case_types.BY_SLUG.values():
        model = case_type.model
        for case in model.objects.select_for_update().filter(
            Q(accept_due__gte=since) | Q(decide_due__gte=since), state__in=model.OPEN_STATES,
        ).order_by("pk"):
            filed_on = timezone.localdate(case.filed_at)
            accepted_on = timezone.localdate(case.accepted_at) if case.accepted_at else None
            if case.accept_due and case.accept_due >= since:
                found.append(workdays.Deadline(case, "accept_due", functools.partial(
                    deadlines.due_from, case_type.accept_rule, filed_on=filed_on)))
            if case.decide_due and case.decide_due >= since:
                found.append(workdays.Deadline(case, "decide_due", functools.partial(
                    deadlines.due_from, case_type.decide_rule, filed_on=filed_on, accepted_on=accepted_on)))
    return found


def minors_lineage(record: CreditRecord) -> bool:
    """Whether ``record``, or its lineage's current version, is of conduct before 18."""
    return record.subject_was_minor or CreditRecord.objects.filter(
        lineage=record.lineage, is_current=True, subject_was_minor=True).exists()


def conclusion_sent(case: Any, *, minor: bool) -> str:
    """The conclusion as the platform gets it (``objection.concluded``, ``repair.concluded``):
    none for a record of conduct before 18, as its record events carry no reason
    (``archives.events.WITHHELD_FOR_MINORS``: it is the text that becomes the record's
    reason); else the schema's 5,000 characters at most. ``minor``: ``minors_lineage``."""
    return "" if minor else case.conclusion[:5000]


def person_sent(case: Any, *, minor: bool) -> dict[str, Any]:
    """The person as a case event names them: not at all on a lineage of conduct before
    18 (``minor``: ``minors_lineage``), whose record events name no one (a case event
    would tie the lineage to them)."""
    if minor:
        return {"subject_id": None, "subject_index": None}
    return {"subject_id": str(case.subject_id), "subject_index": case.subject.id_number_index}
