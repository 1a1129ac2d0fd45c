"""Who may do what in the departments app: one predicate per action, asked by the
services, the views and the templates alike (no page decides access itself).

The model permission says which role may act; the membership says for which
department (DESIGN §6).
"""

from __future__ import annotations

from credit_portal.models import User
from departments.models import Department, RuleFiling
from departments.scope import department_ids


def may_view_coverage(user: User) -> bool:
    """The coverage table of 000's annex: the credit office's oversight of the
    departments (DESIGN §4), a model permission of its role group."""
    return user.has_perm("departments.view_coverageentry")


def may_change_coverage(user: User) -> bool:
    return user.has_perm("departments.change_coverageentry")


def can_view_city(user: User) -> bool:
    """The credit office's view of the city: coverage, yearly report, charts, filings and
    evaluations of every department (DESIGN §1: "oversee departments' coverage, run
    yearly reports")."""
    return user.has_perm("departments.view_coverageentry")


def can_file_rules(user: User, department: Department | None = None) -> bool:
    """A clerk or reviewer files their own department's rules (001 §五: "报县信用办备案");
    with no department: whether they may file for any."""
    if not user.has_perm("departments.add_rulefiling"):
        return False
    mine = department_ids(user)
    return bool(mine) if department is None else department.pk in mine


def can_acknowledge(user: User, filing: RuleFiling) -> bool:
    """The credit office acknowledges a filing once; nobody acknowledges their own."""
    return (
        user.has_perm("departments.change_rulefiling")
        and filing.acknowledged_at is None
        and filing.filed_by_id != user.pk
    )


def can_evaluate(user: User) -> bool:
    return user.has_perm("departments.add_departmentevaluation") and can_view_city(user)
