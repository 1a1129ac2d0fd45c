"""Proposal, notice, objection and decision (国办发〔2020〕49号).

propose (clerk; the notice goes out at once and the objection window starts) →
the person states their case (陈述申辩) within the window → staff of the department
answer → a reviewer who did not propose decides: list (published, on the public list,
pushed to the platform, a joint-punishment case opened) or not list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives.listing import permissions, rules, selectors
from archives.listing.events import emit_listing_event
from archives.listing.models import Listing, ListingBasis, ListingCategory, ObjectionFile
from archives.listing.services.common import audit_listing, lock, new_reference, notify_listed_person
from archives.models import Archive, CreditRecord, Notice, Subject
from archives.services.evidence import check_upload
from credit_portal.crypto import sm3_hexdigest
from credit_portal.exceptions import TransitionNotAllowed

if TYPE_CHECKING:
    from credit_portal.models import User

MAX_OBJECTION_FILES = 5


def propose_listing(
    archive: Archive, *, by: User, records: Iterable[CreditRecord], category: str, facts: str, legal_basis: str
) -> Listing:
    """Propose listing the archive's person as seriously dishonest, and tell them.

    Callers: a clerk of a department that keeps ``archive``. The basis must be effective
    serious negative records of this archive (current, published, within the display
    period, not recorded while a minor: 003 item 10); the category one of 004 item 25's
    four; facts and legal basis are required. A listing without basis is refused, with
    nothing written. The notice (reasons, basis, the right to state one's case and
    defend oneself, the last day to do so) is stored and sent by SMS after commit
    (国办发〔2020〕49号: 认定前告知); the window is ``rules.OBJECTION_WINDOW`` working days.
    """
    errors: dict[str, list[str]] = {}
    record_ids = sorted({r.pk for r in records})
    if not record_ids:
        errors.setdefault("records", []).append(
            _("Choose at least one effective serious negative record as the basis of the listing.")
        )
    if category not in ListingCategory.values:
        errors.setdefault("category", []).append(_("Choose the category of serious dishonesty."))
    if not (facts or "").strip():
        errors.setdefault("facts", []).append(_("Enter the facts of the serious dishonesty."))
    if not (legal_basis or "").strip():
        errors.setdefault("legal_basis", []).append(_("Enter the legal basis for the listing."))
    with transaction.atomic():
        archive = Archive.objects.select_for_update().select_related("subject", "department", "occupation").get(
            pk=archive.pk
        )
        if not permissions.can_propose(by, archive):
            raise PermissionDenied(_("Only a clerk of the department keeping the archive proposes a listing."))
        eligible = {r.pk: r for r in selectors.basis_candidates(archive)}
        if record_ids and any(pk not in eligible for pk in record_ids):
            errors.setdefault("records", []).append(
                _("A listing rests only on effective serious negative records of this archive.")
            )
        if errors:
            raise ValidationError(errors)
        if Listing.objects.filter(subject=archive.subject, department=archive.department,
                                  state__in=[Listing.State.PROPOSED, Listing.State.PUBLISHED]).exists():
            raise TransitionNotAllowed(_("This person already has an open listing procedure with your department."))
        today = timezone.localdate()
        listing = Listing.objects.create(
            reference=new_reference(), archive=archive, subject=archive.subject, department=archive.department,
            category=category, facts=facts.strip(), legal_basis=legal_basis.strip(), proposed_by=by,
            proposed_at=timezone.now(), notified_on=today,
            objection_due=rules.end_of(rules.Key.OBJECTION_WINDOW, today),
        )
        ListingBasis.objects.bulk_create(
            [ListingBasis(listing=listing, record=eligible[pk], lineage=eligible[pk].lineage) for pk in record_ids]
        )
        audit_listing("proposed", listing, by, records=record_ids, category=category,
                      objection_due=listing.objection_due.isoformat())
        _send_notice(listing, [eligible[pk] for pk in record_ids])
    return listing


def _send_notice(listing: Listing, records: list[CreditRecord]) -> None:
    basis = "；".join(f"{r.title}（{r.decision_number or '—'}，{r.decided_on:%Y-%m-%d}）" for r in records)
    notify_listed_person(
        listing,
        kind=Notice.Kind.PRE_PUBLICATION,
        title=_("Notice before listing as seriously dishonest"),
        body=_(
            "%(department)s intends to list you on the serious dishonesty list (%(category)s). Facts: %(facts)s "
            "Legal basis: %(basis)s Records it rests on: %(records)s. You have the right to state your case and "
            "defend yourself: do so in the portal under \"Serious dishonesty list notices\" by %(due)s. A reviewer who did not make "
            "the proposal decides after that day, taking your statement into account."
        ) % {
            "department": listing.department.display_name,
            "category": listing.get_category_display(),
            "facts": listing.facts,
            "basis": listing.legal_basis,
            "records": basis,
            "due": listing.objection_due.isoformat(),
        },
    )


def file_objection(listing: Listing, *, subject: Subject, text: str, files: Iterable[UploadedFile] = ()) -> Listing:
    """The person's statement and defence (陈述申辩) against a proposed listing.

    Callers: the person the listing is about (the citizen portal resolves ``subject``
    from the signed-in account), once, within the window. Files are checked by content
    like evidence (PDF, PNG, JPEG; size capped)."""
    files = list(files)
    if not (text or "").strip():
        raise ValidationError({"text": _("Enter your statement and defence.")})
    if len(files) > MAX_OBJECTION_FILES:
        raise ValidationError({"files": _("Attach at most %(n)d files.") % {"n": MAX_OBJECTION_FILES}})
    checked = []
    for upload in files:
        try:
            kind, content = check_upload(upload)
        except ValidationError as exc:
            raise ValidationError({"files": exc.messages}) from None
        checked.append((upload, kind, content))
    with transaction.atomic():
        locked = lock(listing)
        if locked.subject_id != subject.pk:
            raise PermissionDenied(_("Only the person concerned states their case."))
        if locked.state != Listing.State.PROPOSED:
            raise TransitionNotAllowed(_("The listing has been decided; it can no longer be objected to here."))
        if locked.objected_at:
            raise TransitionNotAllowed(_("You have already stated your case for this listing."))
        if permissions.window_closed(locked):
            raise TransitionNotAllowed(_("The objection window ended on %(day)s.") % {"day": locked.objection_due})
        now = timezone.now()
        locked.objection = text.strip()
        locked.objected_at = now
        locked.save(update_fields=["objection", "objected_at"])
        from django.core.files.base import ContentFile

        for upload, kind, content in checked:
            item = ObjectionFile(listing=locked, original_name=(upload.name or "")[:200], content_type=kind.content_type,
                                 size=len(content), digest=sm3_hexdigest(content), uploaded_at=now)
            item.file.save("upload", ContentFile(content), save=False)
            item.save()
        audit_listing("objected", locked, None, files=len(checked))
    return locked


def answer_objection(listing: Listing, *, by: User, answer: str) -> Listing:
    """The proposing department's written answer to the person's statement (shown to the
    person and to the decider). Callers: staff of the proposing department."""
    if not (answer or "").strip():
        raise ValidationError({"answer": _("Enter the answer to the person's statement.")})
    with transaction.atomic():
        locked = lock(listing)
        if not permissions.can_answer_objection(by, locked):
            if locked.state != Listing.State.PROPOSED or not locked.objected_at or locked.answered_at:
                raise TransitionNotAllowed(_("There is no unanswered statement on this listing."))
            raise PermissionDenied(_("Only staff of the proposing department answer."))
        locked.answer, locked.answered_by, locked.answered_at = answer.strip(), by, timezone.now()
        locked.save(update_fields=["answer", "answered_by", "answered_at"])
        audit_listing("answered", locked, by)
        notify_listed_person(
            locked, kind=Notice.Kind.CASE_UPDATE,
            title=_("Your statement on the proposed listing was answered"),
            body=_("%(department)s answered your statement (%(reference)s): %(answer)s") % {
                "department": locked.department.display_name, "reference": locked.reference, "answer": locked.answer,
            },
        )
    return locked


def decide_listing(listing: Listing, *, by: User, publish: bool, reason: str) -> Listing:
    """Decide a proposed listing.

    Callers: a reviewer of the proposing department who is not the proposer (four eyes;
    the proposer is refused). Only once the person has had their say: the objection
    window closed without an objection, or the objection was answered. The basis must
    still be in effect. Publishing sets the period (``rules.LISTING_PERIOD`` from today,
    never past the basis records' display), puts the listing on the public list, emits
    ``listing.published`` and opens the joint-punishment case (003 item 6)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reasons for the decision.")})
    with transaction.atomic():
        locked = lock(listing)
        if locked.state != Listing.State.PROPOSED:
            raise TransitionNotAllowed(_("This listing has already been decided."))
        if permissions.is_proposer(by, locked):
            raise PermissionDenied(_("You proposed this listing: another reviewer of the department decides."))
        if not permissions.is_of_department(by, locked, permissions.REVIEWER):
            raise PermissionDenied(_("Only a reviewer of the proposing department decides."))
        if not permissions.ready_for_decision(locked):
            if locked.objected_at:
                raise TransitionNotAllowed(_("Answer the person's statement before deciding."))
            raise TransitionNotAllowed(
                _("The objection window runs until %(day)s: decide after it ends.") % {"day": locked.objection_due}
            )
        now, today = timezone.now(), timezone.localdate()
        locked.decided_by, locked.decided_at, locked.decision_reason = by, now, reason.strip()
        if publish:
            in_force = selectors.basis_in_force(locked)
            if not in_force:
                raise TransitionNotAllowed(_("None of the records this listing rests on is in effect any more."))
            until = rules.end_of(rules.Key.LISTING_PERIOD, today)
            last_shown = max((r.display_until for r in in_force if r.display_until), default=None)
            if last_shown is not None:
                until = min(until, last_shown)
            locked.state, locked.listed_from, locked.listed_until = Listing.State.PUBLISHED, today, until
        else:
            locked.state = Listing.State.NOT_LISTED
        locked.save(update_fields=["decided_by", "decided_at", "decision_reason", "state", "listed_from",
                                   "listed_until"])
        audit_listing("published" if publish else "not_listed", locked, by)
        if publish:
            emit_listing_event("listing.published", locked)
            from archives.listing.services.punishment import open_case

            case = open_case(locked)
        notify_listed_person(
            locked, kind=Notice.Kind.CASE_UPDATE,
            title=_("You have been listed as seriously dishonest") if publish else _("You will not be listed"),
            # The time limit to correct the conduct is the person's to know: corrected
            # within it, they are no longer a target of joint punishment (003 item 10:
            # "对在规定期限内纠正失信行为的,不再作为联合惩戒对象").
            body=(_(
                "Decision on %(reference)s: listed from %(start)s until %(end)s. If you correct the conduct by "
                "%(due)s, the joint punishment measures no longer apply to you. Reasons: %(reason)s"
            ) % {
                "reference": locked.reference, "start": locked.listed_from, "end": locked.listed_until,
                "due": case.correction_due, "reason": locked.decision_reason,
            }) if publish else (_("Decision on %(reference)s: not listed. Reasons: %(reason)s") % {
                "reference": locked.reference, "reason": locked.decision_reason,
            }),
        )
    return locked
