"""The reviewer's side: return or publish a submitted record, with what the person is told before
negative information is published and when a penalty is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import permissions
from archives.events import emit_record_event
from archives.models import CreditRecord, Notice
from archives.services.notices import notify_subject
from archives.services.records.common import (
    REVIEW_QUEUE_FIELDS,
    State,
    _audit,
    _enter_review_queue,
    _lock,
    _touch_archive,
    expire_if_over,
)
from archives.services.records.display import display_until_for, repair_opens_on
from credit_portal.exceptions import TransitionNotAllowed

if TYPE_CHECKING:
    from credit_portal.models import User


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
        # Decided so long ago that the period is already over: it ends now, not tonight,
        # and no repair notice announces a display that is not happening.
        if not expire_if_over(locked) and locked.is_penalty:
            _send_repair_notice(locked)
    return locked


def _send_repair_notice(record: CreditRecord) -> None:
    """The credit repair notice (信用修复告知书). The day it names comes from
    ``repair_opens_on``, the rule the eligibility check applies, so the person is never
    told a later (or earlier) day than the one the credit office accepts. Where repair is
    open from the decision date, as for minor information (DESIGN §7: "for minor
    information, as soon as the obligation is fulfilled"), the notice names no day: only
    the obligations and the commitment stand between the person and an application."""
    earliest = repair_opens_on(record)
    values = {
        "title": record.title,
        "number": record.decision_number or "—",
        "until": record.display_until.isoformat() if record.display_until else "—",
    }
    if earliest <= record.decided_on:  # no minimum display period
        body = _(
            "The administrative penalty \"%(title)s\" (%(number)s) has been recorded in your credit archive and is "
            "shown until %(until)s. No minimum display period applies to it: as soon as you have fulfilled the "
            "obligations it sets and made a credit commitment, you may apply for credit repair to end its display "
            "early."
        ) % values
    else:
        body = _(
            "The administrative penalty \"%(title)s\" (%(number)s) has been recorded in your credit archive and is "
            "shown until %(until)s. Once you have fulfilled the obligations it sets and made a credit commitment, "
            "you may apply for credit repair from %(earliest)s to end its display early."
        ) % {**values, "earliest": earliest.isoformat()}
    notify_subject(
        record.archive.subject,
        kind=Notice.Kind.REPAIR_NOTICE,
        record=record,
        title=_("Credit repair notice"),
        body=body,
    )
