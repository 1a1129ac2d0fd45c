"""The person's query log against the audit trail (a check of
``credit_portal.trail_checks``, run by ``manage.py verify_tables``).

"Who queried me" reads ``QueryLog`` (the person's view of 《征信业管理条例》 art. 17, 18
and the seeds' query registration: 002 §二(三)1, 003 item 8). Every query writes its row
with an audit entry naming it (``services.queries._log``, ``services.green_channel``).
So a row deleted to hide a query from the person, or moved to another person, or a
refusal turned into a grant, no longer matches the entry that recorded it. Rows without
an entry (bulk-loaded demo data) are not this check's business.
"""

from __future__ import annotations

from datetime import timedelta

from credit_portal.crypto import sm3_hexdigest
from credit_portal.models import AuditEntry
from credit_portal.trail_checks import Carry, TableCheck, carried, carry_rows, entries_with_rows, vouched_ids, where
from disclosure.models import QueryLog

# The entries that record a QueryLog row, and the outcome each implies (None: read from its detail).
ACTIONS = {
    "disclosure.query.granted": QueryLog.Outcome.GRANTED,
    "disclosure.query.refused": QueryLog.Outcome.REFUSED,
    "disclosure.green_channel.checked": None,
}


# What the person's "who queried me" shows besides who, whose and the outcome: which
# institution or department, for what purpose, under which authorization, and when. Each
# query's entry records them (``vouched``); entries written before they did are compared
# on the rest. The free-text purpose goes in as its SM3 digest: the trail holds no free
# text a person may have typed. An entry is written in the query's own transaction, so
# its time and the row's differ by milliseconds: more than TIME_SLACK is a changed time.
TIME_SLACK = timedelta(minutes=5)


def vouched(log: QueryLog) -> dict[str, object]:
    """The facts of ``log`` its audit entry records, for ``_differences`` to compare."""
    return {
        "institution_id": log.institution_id, "department_id": log.department_id,
        "authorization_id": str(log.authorization_id) if log.authorization_id else None,
        "purpose": log.purpose, "purpose_other_sm3": sm3_hexdigest(log.purpose_other.encode("utf-8")),
    }


def _differences(entry: AuditEntry, row: QueryLog) -> list[str]:
    found = []
    detail = entry.detail
    if "institution_id" in detail and (row.institution_id, row.department_id) != (
            detail["institution_id"], detail["department_id"]):
        found.append("the institution")
    if "purpose_other_sm3" in detail and (row.purpose, sm3_hexdigest(row.purpose_other.encode("utf-8"))) != (
            detail["purpose"], detail["purpose_other_sm3"]):
        found.append("the purpose")
    if "authorization_id" in detail and (str(row.authorization_id) if row.authorization_id else None) != (
            detail["authorization_id"]):
        found.append("the authorization")
    if abs(row.occurred_at - entry.created_at) > TIME_SLACK:
        found.append("the time")
    if row.actor_id != entry.actor_id:
        found.append("who queried")
    if str(row.subject_id or "") != entry.subject_ref:
        found.append("the person")
    outcome = ACTIONS[entry.action]
    if outcome is None:  # a green channel check: granted when the person matched
        outcome = QueryLog.Outcome.GRANTED if entry.detail.get("matched") else QueryLog.Outcome.REFUSED
    if row.outcome != outcome:
        found.append("the outcome")
    if "reason" in entry.detail and row.reason != entry.detail["reason"]:
        found.append("the reason")
    if "channel" in entry.detail and row.channel != entry.detail["channel"]:
        found.append("the channel")
    return found


def check_query_logs(chunk_size: int = 2000) -> TableCheck:
    """Every audit entry that recorded a query, and its QueryLog row: the row must exist
    and say what the entry says (who, whose record, outcome, reason, channel); then every
    row carried forward past the trail's retention (``carry_forward_query_logs``)."""
    result = TableCheck("query log")
    for entry, row in entries_with_rows(
        result, list(ACTIONS), QueryLog.objects.all(), named="query log", chunk_size=chunk_size,
    ):
        if differences := _differences(entry, row):
            result.problems.append(f"{where(entry)}: query log {row.pk} differs in {', '.join(differences)}")
    for _ids in carried(result, CARRIED, _compared_rows, named="query log"):
        pass  # each carried row is there and says what its entry recorded
    return result


# --- Past the trail's retention ------------------------------------------------------------
# The trail keeps entries 184 days (AUDIT_RETENTION_DAYS); the query log is kept for good.
# Once the purge took a query's entry, nothing vouched for its row: a row deleted in the
# database after six months hid the query from the person for good. Before the purge
# deletes them, the rows its entries vouch for (and that still match) are carried forward
# (``credit_portal.trail_checks.carry_rows``); the check then reads every row carried.
CARRIED = "disclosure.query_log.carried"
# The fields a carried entry's digest covers, by the version it records ("compared"):
# version 2 adds what the person's page shows besides (institution, department,
# authorization, purpose, time); carried entries written before keep version 1.
_COMPARED = {
    1: ("id", "actor_id", "subject_id", "outcome", "reason", "channel"),
    2: ("id", "actor_id", "subject_id", "outcome", "reason", "channel", "institution_id", "department_id",
        "authorization_id", "purpose", "purpose_other", "occurred_at"),
}
COMPARED_VERSION = 2


def _compared_rows(ids: list[int], version: int = COMPARED_VERSION) -> list[tuple[object, ...]]:
    return list(QueryLog.objects.filter(pk__in=ids).order_by().values_list(*_COMPARED[version]))


def carry_forward_query_logs(through: int) -> list[Carry]:
    """Before the trail's entries through sequence ``through`` are purged: the query log
    rows their entries vouch for (intact entries, rows that still match) and the carried
    entries among them: the entries to write (``trail_checks.register_bulk_carry``)."""
    # Every row must still say what its entry recorded (``vouched_ids`` refuses otherwise):
    # one changed after the table check would lose its only evidence with the entry.
    vouched_now = vouched_ids(
        list(ACTIONS), QueryLog.objects.all(), named="query log", through=through,
        differs=lambda entry, row: (f"differs in {', '.join(found)}" if (found := _differences(entry, row)) else None),
    )
    return carry_rows(CARRIED, vouched_now, _compared_rows, through=through, version=COMPARED_VERSION)
