"""Who may do what in disclosure: one plain predicate per action (DESIGN §6).

Services, views, the API, the admin and templates all ask here, so a page never offers
what the service refuses. Services call a predicate and raise ``PermissionDenied``
when it says no; views call the same predicate to refuse early (403) and pass the
answers to templates as flags; templates never compare states or roles themselves
(tests/disclosure/test_permissions.py fails when a view or template decides access).

Who is who comes from the selectors (``subject_for``: the one subject a citizen has
proved to be; ``acting_institution``: the institution a user queries for). The rules:

* only the person themself grants, approves, declines or revokes an authorization of
  their record (《征信业管理条例》 art. 18: a third party needs the subject's consent);
* only staff of a registered, active institution query or ask for an authorization,
  and only for their own institution (art. 18, 20: the stated purpose, nobody else's);
* a credit report is read by the institution it was issued to and the person it is
  about (the visibility itself is ``selectors.get_report_for``);
* the credit office (or a superuser) registers institutions, their staff and API
  keys, and links accounts to people after an in-person check; auditors read the
  office's admin pages, never edit (DESIGN §8, separation of duties).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from credit_portal.roles import Role
from departments.scope import has_role, is_credit_office
from disclosure.models import Authorization, Institution, InstitutionAPIKey
from disclosure.selectors import acting_institution, subject_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from archives.models import Subject
    from credit_portal.models import User

    Actor = User | AnonymousUser | None


# --- who is who ------------------------------------------------------------------------------


def is_institution_staff(user: Actor) -> bool:
    """Someone who queries for a registered, active institution (the institution pages)."""
    return acting_institution(user) is not None


def is_office(user: Actor) -> bool:
    """The credit office, or a superuser (who may stand in for it in the admin)."""
    return bool(
        getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)
        and (getattr(user, "is_superuser", False) or is_credit_office(user))
    )


# --- the subject's consent -------------------------------------------------------------------


def is_own_subject(user: Actor, subject: Subject) -> bool:
    """``user`` has proved to be ``subject``: the only one who decides about their record."""
    return _is_subject_id(user, subject.pk)


def _is_subject_id(user: Actor, subject_id: object) -> bool:
    own = subject_for(user)
    return own is not None and own.pk == subject_id


def may_revoke(user: Actor, authorization: Authorization) -> bool:
    """The person revokes an authorization that is in force now (an active one past
    its end reads as expired before the sweep marks it)."""
    return (authorization.effective_state() == Authorization.State.ACTIVE
            and _is_subject_id(user, authorization.subject_id))


def may_answer_request(user: Actor, authorization: Authorization) -> bool:
    """The person approves or declines an institution's request awaiting them."""
    return authorization.state == Authorization.State.PENDING and _is_subject_id(user, authorization.subject_id)


# --- institutions ----------------------------------------------------------------------------


def may_query(user: Actor) -> bool:
    """Only staff of a registered, active institution query a person's record."""
    return is_institution_staff(user)


def may_request_for(user: Actor, grantee: Institution | None) -> bool:
    """Institution staff ask a person for an authorization, for their own institution
    (``grantee`` None: the institution they act for)."""
    institution = acting_institution(user)
    return institution is not None and (grantee is None or grantee.pk == institution.pk)


def api_key_may_act(api_key: InstitutionAPIKey) -> bool:
    """A key acts while it is in force, its account is active and the account still
    queries for the key's institution (a moved staff member's key stops working)."""
    user = api_key.acts_as
    return (
        not api_key.has_expired and user.is_active and api_key.institution.is_active
        and acting_institution(user) == api_key.institution
    )


# --- the credit office -----------------------------------------------------------------------


def may_manage_institutions(user: Actor) -> bool:
    """Register institutions and their staff, issue and revoke their API keys."""
    return is_office(user)


def may_link_citizens(user: Actor) -> bool:
    """Link an account to a person after checking their identity card in person."""
    return is_credit_office(user)


def may_read_office_admin(user: Actor) -> bool:
    """The disclosure admin pages: the credit office, and auditors read-only."""
    return is_office(user) or has_role(user, Role.AUDITOR)
