"""Who may do what in the archives: one plain predicate per action (DESIGN §5, §6).

Services, views and templates all ask here, so a page never offers what the service
refuses. Services call a predicate and raise ``PermissionDenied`` when it says no;
views call the same predicate to refuse early (403) and pass the answers to the
template as flags (``record_actions`` …); templates never decide access themselves
(tests/archives/test_permissions_single_source.py fails when one does).

Each predicate answers "may ``user`` do this to this object in its present state":
the role (clerk 部门录入员, reviewer 部门审核员, credit office 信用办) in a department
that may act on the archive, the state, and four eyes (nobody approves what they wrote
or proposed). Scope (whether the object is visible at all, 404) stays in
``archives.selectors``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser

from archives.models import AnnualFinding, Archive, CreditRecord, Evidence, RecordChange
from departments.models import Membership
from departments.scope import department_ids, is_credit_office

if TYPE_CHECKING:
    from credit_portal.models import User

    Actor = User | AnonymousUser | None

CLERK = Membership.Role.CLERK
REVIEWER = Membership.Role.REVIEWER
State = CreditRecord.State

# Audit actions that make someone an author of a record's content (four eyes). The
# older names are kept so entries written before the ``archives.`` prefix still count.
AUTHORING_ACTIONS = (
    "archives.record.drafted", "archives.record.edited", "record.drafted", "record.edited",
)
_ACTING_CACHE = "_acting_department_ids"


def acting_department_ids(archive: Archive) -> frozenset[int]:
    """Departments that may act on ``archive``, read once per archive instance."""
    cached = getattr(archive, _ACTING_CACHE, None)
    if cached is None:
        from archives.scope import acting_department_ids as read

        cached = frozenset(read(archive))
        setattr(archive, _ACTING_CACHE, cached)
    return cached


def _pk(user: Actor) -> int | None:
    return getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None


def roles_on(user: Actor, archive: Archive) -> frozenset[str]:
    """The roles (clerk, reviewer) ``user`` holds in a department that may act on ``archive``."""
    if _pk(user) is None:
        return frozenset()
    roles = []
    for role in (CLERK, REVIEWER):
        mine = department_ids(user, role=role)
        # The owner is always among the acting departments: a role held there, or in no
        # department at all, is answered without reading the others (one query fewer on
        # most archive pages, whose viewer works in the owning department).
        if mine and (archive.department_id in mine or mine & acting_department_ids(archive)):
            roles.append(role)
    return frozenset(roles)


def has_role_on(user: Actor, archive: Archive, role: str) -> bool:
    return role in roles_on(user, archive)


def is_department_staff(user: Actor) -> bool:
    return bool(department_ids(user))


def is_clerk(user: Actor) -> bool:
    return bool(department_ids(user, role=CLERK))


# --- people and archives ---------------------------------------------------------------


def can_use_staff_pages(user: Actor) -> bool:
    """Department staff and the credit office; citizens and institutions get 403."""
    return is_department_staff(user) or is_credit_office(user)


def departments_for_new_archives(user: Actor) -> frozenset[int]:
    """The departments ``user`` may open archives for (offered on the forms)."""
    return department_ids(user)


def is_reviewer_on(user: Actor, archive: Archive) -> bool:
    """Reviewers of a responsible department reach the signing check page (the page
    itself says when four eyes leave the signing to another reviewer)."""
    return has_role_on(user, archive, REVIEWER)


def can_register_person(user: Actor) -> bool:
    """Only department staff register people: an archive needs a keeping department."""
    return is_department_staff(user)


def can_open_archive(user: Actor) -> bool:
    return is_department_staff(user)


def can_open_archive_for(user: Actor, department: object) -> bool:
    """An archive is opened only for a department the user belongs to."""
    return getattr(department, "pk", None) in department_ids(user)


def can_share_archive(user: Actor, archive: Archive) -> bool:
    """The credit office, or a reviewer of the owning department."""
    return is_credit_office(user) or archive.department_id in department_ids(user, role=REVIEWER)


def can_edit_subject(user: Actor) -> bool:
    return can_use_staff_pages(user)


def can_view_archive(user: Actor, archive: Archive) -> bool:
    return is_credit_office(user) or bool(roles_on(user, archive))


def can_reveal_personal_data(user: Actor, archive: Archive) -> bool:
    """Showing the ID number or phone in full is an audited read for those who see the archive."""
    return can_view_archive(user, archive)


def can_edit_archive(user: Actor, archive: Archive) -> bool:
    return bool(roles_on(user, archive)) and archive.state == Archive.State.OPEN


def can_close_archive(user: Actor, archive: Archive) -> bool:
    return has_role_on(user, archive, REVIEWER) and archive.state == Archive.State.OPEN


def can_enter_record(user: Actor, archive: Archive) -> bool:
    return has_role_on(user, archive, CLERK) and archive.state == Archive.State.OPEN


# --- records before publication -----------------------------------------------------------


def can_edit_record(user: Actor, record: CreditRecord) -> bool:
    return has_role_on(user, record.archive, CLERK) and record.is_editable


def can_submit_record(user: Actor, record: CreditRecord) -> bool:
    return can_edit_record(user, record)


def can_delete_draft(user: Actor, record: CreditRecord) -> bool:
    """A draft or returned record was never published, so a clerk may delete it."""
    return can_edit_record(user, record) and record.published_at is None


def can_add_record_evidence(user: Actor, record: CreditRecord) -> bool:
    return bool(roles_on(user, record.archive)) and (record.is_editable or record.state == State.SUBMITTED)


def can_delete_evidence(user: Actor, evidence: Evidence) -> bool:
    """Evidence not yet part of anything published or signed can be taken away again."""
    if evidence.record_id is not None:
        return can_add_record_evidence(user, evidence.record) and evidence.change_id is None
    if evidence.finding_id is not None:
        return can_add_finding_evidence(user, evidence.finding)
    if evidence.change_id is not None:
        return can_add_change_evidence(user, evidence.change)
    return False


def can_return_record(user: Actor, record: CreditRecord) -> bool:
    return has_role_on(user, record.archive, REVIEWER) and record.state == State.SUBMITTED


def is_author(user: Actor, record: CreditRecord) -> bool:
    """Whether ``user`` wrote or edited this record's content (read from the audit trail
    too, so a reviewer who edited a draft once is caught even after a clerk touched it)."""
    from credit_portal.models import AuditEntry

    pk = _pk(user)
    if pk is None:
        return False
    if pk in {record.created_by_id, record.updated_by_id}:
        return True
    return AuditEntry.objects.filter(
        object_type=record._meta.label_lower, object_id=str(record.pk), actor_id=pk, action__in=AUTHORING_ACTIONS,
    ).exists()


def can_publish_record(user: Actor, record: CreditRecord) -> bool:
    """A reviewer of a responsible department, never the record's author (four eyes)."""
    return can_return_record(user, record) and not is_author(user, record)


def publishes_on_unit_page(record: CreditRecord) -> bool:
    """A record a unit's serious dishonesty wrote is published with the records of the
    other persons it names, on the unit's page (``archives.units``: all or nothing, 003
    §三（一）2), never on its own from the review queue."""
    return record.source == CreditRecord.Source.UNIT_DISHONESTY


def can_publish_record_alone(user: Actor, record: CreditRecord) -> bool:
    """What the record's review page offers: ``can_publish_record`` for a record that is
    not one of a unit's serious dishonesty."""
    return can_publish_record(user, record) and not publishes_on_unit_page(record)


# --- changes to published records (four eyes) ---------------------------------------------


def _is_live(record: CreditRecord) -> bool:
    return record.state == State.PUBLISHED and record.is_current


def can_propose_change(user: Actor, record: CreditRecord) -> bool:
    """A clerk or reviewer of a responsible department proposes a correction or a
    withdrawal of the current published version; another reviewer decides it."""
    return bool(roles_on(user, record.archive)) and _is_live(record)


def can_add_change_evidence(user: Actor, change: RecordChange) -> bool:
    return change.is_pending and bool(roles_on(user, change.record.archive))


def can_approve_change(user: Actor, change: RecordChange) -> bool:
    """A reviewer of a responsible department who did not propose it (four eyes)."""
    return (
        change.is_pending
        and has_role_on(user, change.record.archive, REVIEWER)
        and _pk(user) != change.proposed_by_id
        and _is_live(change.record)
    )


def can_reject_change(user: Actor, change: RecordChange) -> bool:
    return change.is_pending and has_role_on(user, change.record.archive, REVIEWER) and _pk(user) != change.proposed_by_id


def can_cancel_change(user: Actor, change: RecordChange) -> bool:
    return change.is_pending and _pk(user) == change.proposed_by_id


def can_apply_case_outcome(user: Actor, record: CreditRecord) -> bool:
    """The credit office carries out the outcome of a case a department has answered
    (objections: the department proposes, the credit office concludes, so two bodies
    have looked at it); department staff change published records only by proposal."""
    return is_credit_office(user) and _settles_a_case(record)


def can_mark_repaired(user: Actor, record: CreditRecord) -> bool:
    return is_credit_office(user) and _settles_a_case(record) and record.is_negative


def _settles_a_case(record: CreditRecord) -> bool:
    """A case is filed while the record is published; its display may end before the case
    does (the nightly expiry does not wait for it). The person's case is still carried out
    then: an upheld objection withdraws or corrects the record (《征信业管理条例》 art. 25:
    "…核查和处理，并将结果书面答复"), an approved repair marks it repaired, instead of the
    record staying "expired" in the archive and on the platform for its 5 years."""
    return record.is_current and record.state in (State.PUBLISHED, State.EXPIRED)


# --- yearly findings --------------------------------------------------------------------------


def can_draft_finding(user: Actor, archive: Archive) -> bool:
    return bool(roles_on(user, archive))


def can_add_finding_evidence(user: Actor, finding: AnnualFinding) -> bool:
    return finding.state == AnnualFinding.State.DRAFT and bool(roles_on(user, finding.archive))


def can_delete_draft_finding(user: Actor, finding: AnnualFinding) -> bool:
    return can_add_finding_evidence(user, finding)


def can_sign_finding(user: Actor, finding: AnnualFinding) -> bool:
    """A reviewer in scope who did not draft it (four eyes on the seal)."""
    return (
        finding.state == AnnualFinding.State.DRAFT
        and has_role_on(user, finding.archive, REVIEWER)
        and _pk(user) != finding.created_by_id
    )


def can_use_review_queue(user: Actor) -> bool:
    """Reviewers decide what clerks submit; the credit office does not review departments' drafts."""
    return bool(department_ids(user, role=REVIEWER))


# --- flags for templates ----------------------------------------------------------------------


def archive_actions(user: Actor, archive: Archive) -> dict[str, bool]:
    return {
        "enter_record": can_enter_record(user, archive),
        "edit": can_edit_archive(user, archive),
        "close": can_close_archive(user, archive),
        "draft_finding": can_draft_finding(user, archive) and archive.state == Archive.State.OPEN,
        "reveal": can_reveal_personal_data(user, archive),
    }


def record_actions(user: Actor, record: CreditRecord, *, pending: RecordChange | None = None) -> dict[str, bool]:
    return {
        "edit": can_edit_record(user, record),
        "submit": can_submit_record(user, record),
        "delete": can_delete_draft(user, record),
        "add_evidence": can_add_record_evidence(user, record),
        "review": can_return_record(user, record),
        "publish": can_publish_record_alone(user, record),
        "publish_on_unit_page": can_publish_record(user, record) and publishes_on_unit_page(record),
        "propose": can_propose_change(user, record) and pending is None,
    }


def change_actions(user: Actor, change: RecordChange) -> dict[str, bool]:
    return {
        "approve": can_approve_change(user, change),
        "reject": can_reject_change(user, change),
        "cancel": can_cancel_change(user, change),
        "add_evidence": can_add_change_evidence(user, change),
    }


def finding_actions(user: Actor, finding: AnnualFinding) -> dict[str, bool]:
    return {
        "add_evidence": can_add_finding_evidence(user, finding),
        "delete": can_delete_draft_finding(user, finding),
        "sign": can_sign_finding(user, finding),
    }
