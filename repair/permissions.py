"""Who may do what on a case: plain predicates, asked by the services (which refuse),
the views (which answer 403/404) and the templates (which offer only what is allowed).

No other module decides access to a case; ``tests/repair/test_permissions.py`` fails
when a repair template or view compares states or roles itself.

Rules (DESIGN §5, §6): the credit office accepts, refuses, concludes and assigns;
once a case is assigned, only the officer in charge or a supervisor
(``repair.supervise_case``) acts on it. The department that keeps the record answers
an objection: a clerk or reviewer drafts, another member who is a reviewer signs
(four eyes). The subject files, adds statements and rates.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from archives.selectors import can_act_on
from credit_portal.models import User
from departments.models import Membership
from departments.scope import department_ids
from departments.scope import is_credit_office as _is_credit_office
from repair import case_types, citizens
from repair.models import Objection, PersonalStatement

Case = case_types.Case


def is_credit_office(user: User) -> bool:
    return _is_credit_office(user)


def is_supervisor(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False) and is_credit_office(user)
                and user.has_perm("repair.supervise_case"))


def is_staff_member(user: User) -> bool:
    """Department staff or the credit office: the people who see case pages."""
    return bool(department_ids(user)) or is_credit_office(user)


def is_case_subject(user: User, case: Case) -> bool:
    subject = citizens.subject_for(user)
    return subject is not None and subject.pk == case.subject_id


# --- the credit office -----------------------------------------------------------------------

def may_handle(user: User, case: Case) -> bool:
    """Credit office staff act on a case; once it is assigned, only the officer in
    charge (``assigned_to``, the single record of the assignment) or a supervisor."""
    if not is_credit_office(user):
        return False
    return is_supervisor(user) or case.assigned_to_id is None or case.assigned_to_id == user.pk


def why_not_handle(user: User, case: Case) -> str:
    """The reason ``may_handle`` says no, in words for the page and the service."""
    if not is_credit_office(user):
        return _("Only the credit office handles objections and repair applications.")
    if not may_handle(user, case):
        officer = case.assigned_to
        return _("This case is assigned to %(officer)s: only they or a supervisor can act on it.") % {
            "officer": officer.get_full_name() or officer.get_username(),
        }
    return ""


def may_accept(user: User, case: Case) -> bool:
    return may_handle(user, case) and case.state == case.State.SUBMITTED


def may_conclude(user: User, case: Case) -> bool:
    return may_handle(user, case) and case.state == case_types.of(case).conclude_state


def may_send_back(user: User, case: Case) -> bool:
    """The credit office returns a signed department answer for more work (补正)."""
    return (case_types.of(case).department_answers and may_handle(user, case)
            and case.state == Objection.State.PROPOSED)


def may_request_material(user: User, case: Case) -> bool:
    """补正材料: the handling officer asks for missing material, one request at a time."""
    return may_handle(user, case) and case.is_open and case.material_requested_at is None


def may_take(user: User, case: Case) -> bool:
    return is_credit_office(user) and case.is_open and case.assigned_to_id is None and not is_supervisor(user)


def may_reassign(user: User, case: Case) -> bool:
    return is_supervisor(user) and case.is_open


def may_assign_to(by: User, case: Case, officer: User) -> bool:
    """A supervisor assigns any open case; an officer may take an unassigned one for themself."""
    if not case.is_open or not is_credit_office(officer):
        return False
    return is_supervisor(by) or (by.pk == officer.pk and case.assigned_to_id is None and is_credit_office(by))


def may_follow_up_ratings(user: User) -> bool:
    return is_credit_office(user)


# --- the department that keeps the record ----------------------------------------------------

def is_keeping_department_member(user: User, case: Case) -> bool:
    archive = case.record.archive
    return can_act_on(user, archive, role=Membership.Role.CLERK) or can_act_on(
        user, archive, role=Membership.Role.REVIEWER
    )


def is_keeping_department_reviewer(user: User, case: Case) -> bool:
    return can_act_on(user, case.record.archive, role=Membership.Role.REVIEWER)


def may_draft_answer(user: User, case: Case) -> bool:
    """A clerk or reviewer of the keeping department drafts (or redrafts) the answer
    while the objection is with the department and the round is not signed."""
    return (case_types.of(case).department_answers and case.state == Objection.State.VERIFYING
            and is_keeping_department_member(user, case))


def may_sign_answer(user: User, case: Case) -> bool:
    """A reviewer of the keeping department who did not draft the answer signs it."""
    return (case_types.of(case).department_answers and case.state == Objection.State.VERIFYING
            and case.has_unsigned_answer
            and is_keeping_department_reviewer(user, case) and case.drafted_by_id != user.pk)


# --- the subject -----------------------------------------------------------------------------

def may_add_statement(user: User, case: Case, *, statement: PersonalStatement | None) -> bool:
    return (case.state in case.STATEMENT_STATES and statement is None
            and is_case_subject(user, case))


def may_add_material(user: User, case: Case) -> bool:
    return case.is_open and is_case_subject(user, case)


def may_withdraw(user: User, case: Case) -> bool:
    return case.is_open and is_case_subject(user, case)


def may_rate(user: User, case: Case, *, rated: bool) -> bool:
    return not case.is_open and not rated and is_case_subject(user, case)


@dataclass(frozen=True)
class CaseActions:
    """What ``user`` may do on ``case`` now: the only input of the case pages' buttons."""

    accept: bool
    conclude: bool
    send_back: bool
    request_material: bool
    take: bool
    reassign: bool
    draft_answer: bool
    sign_answer: bool
    waiting_for_department: bool
    why_not: str


def actions_for(user: User, case: Case) -> CaseActions:
    office = is_credit_office(user)
    if not office:
        why_not = ""
    elif not case.is_open:
        why_not = _("This case is concluded; nothing more can be done on it.")
    else:
        why_not = why_not_handle(user, case)
    return CaseActions(
        accept=may_accept(user, case),
        conclude=may_conclude(user, case),
        send_back=may_send_back(user, case),
        request_material=may_request_material(user, case),
        take=may_take(user, case),
        reassign=may_reassign(user, case),
        draft_answer=may_draft_answer(user, case),
        sign_answer=may_sign_answer(user, case),
        waiting_for_department=office and may_handle(user, case) and case_types.of(case).department_answers
        and case.state == Objection.State.VERIFYING,
        why_not=why_not,
    )
