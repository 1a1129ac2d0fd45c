"""Department memberships against the audit trail (a check of
``credit_portal.trail_checks``, run by ``manage.py verify_tables``).

A membership opens a department's people's records to its holder (DESIGN §5), and the
services grant one only with an audit entry naming it, the user, the department and the
role (``services.grant_membership``; a department system's service account and the demo
accounts likewise). A row inserted in the database past them (someone giving themselves
a reviewer's seat), changed into another department or role, or put back after it was
revoked, has no entry that says so: this check names it.
"""

from __future__ import annotations

from collections.abc import Callable

from credit_portal import audit
from credit_portal.models import AuditEntry
from credit_portal.trail_checks import TableCheck, entry_problem, last_entries
from departments.models import Membership

GRANTED, REVOKED = "departments.membership.granted", "departments.membership.revoked"

# Other apps' entries that grant memberships without naming them: each source returns
# {membership id: the entry that granted it} (archives.intake: a department system's
# service account, issued before its membership had an entry of its own).
_grant_sources: list[Callable[[], dict[int, AuditEntry]]] = []


def register_grant_source(source: Callable[[], dict[int, AuditEntry]]) -> None:
    if source not in _grant_sources:
        _grant_sources.append(source)


def check_memberships(chunk_size: int = 2000) -> TableCheck:
    """Every membership row: the last entry naming it grants exactly it (user,
    department, role), with an intact MAC."""
    result = TableCheck("department memberships")
    last = _last_entries(chunk_size)
    for row in Membership.objects.select_related("department").order_by("pk").iterator(chunk_size=chunk_size):
        result.entries += 1
        named = f"membership {row.pk} (user {row.user_id}, {row.department.code}, {row.role})"
        if problem := _problem(row, last.get(str(row.pk))):
            result.problems.append(problem if problem.startswith("audit entry") else f"{named}: {problem}")
    return result


def _last_entries(chunk_size: int = 2000) -> dict[str, AuditEntry]:
    """The entry that decides each membership: the last one naming it, oldest first
    read, or else what a grant source vouches with."""
    last: dict[str, AuditEntry] = last_entries(  # type: ignore[assignment]
        [GRANTED, REVOKED], Membership._meta.label_lower, lambda entry: entry.object_id, chunk_size=chunk_size)
    for source in _grant_sources:
        for pk, entry in source().items():
            last.setdefault(str(pk), entry)
    return last


def _problem(row: Membership, entry: AuditEntry | None) -> str | None:
    if entry is None:
        return "no audit entry granted it"
    if problem := entry_problem(entry):
        return problem
    if entry.action == REVOKED:
        return f"revoked at {entry.created_at:%Y-%m-%d %H:%M}, yet present"
    if entry.action == GRANTED and (entry.detail.get("user"), entry.detail.get("department"),
                                    entry.detail.get("role")) != (row.user_id, row.department.code, row.role):
        return "differs from what its audit entry granted"
    return None


def carry_forward_memberships(through: int, by: object) -> int:
    """Before the trail's entries through ``through`` are purged: a membership whose
    deciding entry is among them, and which that entry still explains, gets a fresh
    ``membership.granted`` entry naming it (user, department, role, the entry carried)."""
    last = _last_entries()
    written = 0
    for row in Membership.objects.select_related("department").order_by("pk"):
        entry = last.get(str(row.pk))
        if entry is None or entry.sequence is None or entry.sequence > through or _problem(row, entry):
            continue
        audit.record(GRANTED, actor=by, target=row, detail={  # type: ignore[arg-type]
            "user": row.user_id, "department": row.department.code, "role": row.role,
            "carried_forward": entry.uid, "granted_at": entry.created_at.isoformat(),
        })
        written += 1
    return written
