"""The third-party query: one function that checks everything in one place.

DESIGN §5: a query checks the grantee's identity, the code, the state, the period,
the uses left, the purpose and the scope; it returns only in-scope, effective records
and logs itself whether it succeeds or is refused. Law: 《征信业管理条例》 art. 18
(consent), 20 (the stated purpose only). Seeds: query registration and review (002
§二(三)1; 003 item 8; 004 item 14).

Refusals that concern who the person is or the code (wrong name, wrong number, wrong
code, a code granted to someone else) all give the caller the same answer, so a
refusal never tells whether the person exists. Once the caller has shown a valid code
for this person and is its grantee, the specific reason (expired, revoked, used up,
purpose, scope) is told: it reveals nothing they do not already hold.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import (
    Case,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from archives import validators
from archives.models import Subject
from archives.services.subjects import subject_index_for
from credit_portal import audit, ratelimit
from credit_portal.compiled import CompiledUpdate
from credit_portal.exceptions import DomainError
from credit_portal.http import client_ip
from credit_portal.inserts import CompiledInsert
from disclosure import conf
from disclosure.models import Authorization, CreditReport, Institution, Purpose, QueryLog
from disclosure.selectors import acting_institution
from disclosure.services import log_check, query_scope
from disclosure.services.reports import INSERT_REPORT, issue_report

if TYPE_CHECKING:
    from credit_portal.models import User

Reason = QueryLog.Reason
State = Authorization.State

# Refusals that are guesses: counted by the per-user limit (DISCLOSURE_REFUSALS_PER_USER_HOUR).
GUESS_REASONS = frozenset({Reason.NOT_MATCHED, Reason.NOT_GRANTEE})

# The one answer for everything that concerns identity or the code.
GENERIC_REFUSAL = gettext_lazy(
    "The name, ID number and authorization code do not match a valid authorization for your institution."
)


def refusal_message(reason: str) -> str:
    messages = {
        Reason.NOT_MATCHED: GENERIC_REFUSAL,
        Reason.NOT_GRANTEE: GENERIC_REFUSAL,
        Reason.NOT_INSTITUTION: _("Your account does not act for a registered querying institution."),
        Reason.PENDING: _("The person has not approved this authorization yet."),
        Reason.NOT_YET_VALID: _("This authorization is not valid yet."),
        Reason.EXPIRED: _("This authorization has expired. Ask the person for a new one."),
        Reason.REVOKED: _("The person has revoked this authorization."),
        Reason.DECLINED: _("The person declined this request."),
        Reason.USED_UP: _("This authorization has been used as many times as the person allowed."),
        Reason.PURPOSE_MISMATCH: _("The purpose is not the one the person authorized. A report may be used only for the authorized purpose."),
        Reason.OUT_OF_SCOPE: _("The request goes beyond what the person authorized."),
        Reason.RATE_LIMITED: _("Too many refused queries. Try again in an hour."),
    }
    return str(messages.get(reason, GENERIC_REFUSAL))


class QueryRefused(DomainError):
    def __init__(self, reason: str, log: QueryLog) -> None:
        super().__init__(refusal_message(reason))
        self.reason = reason
        self.log = log


@dataclass(frozen=True)
class QueryResult:
    report: CreditReport
    log: QueryLog


def _state_reason(authorization: Authorization, now: object) -> str | None:
    if authorization.state == State.PENDING:
        return Reason.PENDING
    if authorization.state == State.DECLINED:
        return Reason.DECLINED
    if authorization.state == State.REVOKED:
        return Reason.REVOKED
    if authorization.state == State.USED_UP or authorization.uses >= authorization.max_uses:
        return Reason.USED_UP
    if authorization.state == State.EXPIRED or authorization.valid_until <= now:
        return Reason.EXPIRED
    if authorization.valid_from > now:
        return Reason.NOT_YET_VALID
    return None


def query_record(
    *,
    by: User,
    name: str,
    id_number: str,
    code: str,
    purpose: str,
    purpose_other: str = "",
    occupations: Iterable[str] | None = None,
    categories: Iterable[str] | None = None,
    channel: str = QueryLog.Channel.WEB,
    request: HttpRequest | None = None,
) -> QueryResult:
    """Query a person's credit record as a third party; returns the frozen report or
    raises ``QueryRefused`` (whose ``log`` is the committed QueryLog row).

    Callers: staff of a registered institution, or department staff querying another
    department's records for their own procedures (their department's institution).
    ``occupations`` / ``categories`` (codes) narrow the request; omitted, the report
    covers exactly the authorized scope. Uses are counted with a conditional UPDATE
    (``uses < max_uses``), so concurrent queries cannot overspend an authorization.
    """
    now = timezone.now()
    institution = acting_institution(by)
    subject: Subject | None = None
    authorization: Authorization | None = None
    user_key = str(getattr(by, "pk", "anonymous"))
    purpose_other = (purpose_other or "").strip() if purpose == Purpose.OTHER else ""

    def refuse(reason: str) -> QueryRefused:
        log = _log(
            by=by, institution=institution, subject=subject, authorization=authorization, purpose=purpose,
            purpose_other=purpose_other, outcome=QueryLog.Outcome.REFUSED, reason=reason, channel=channel,
            request=request,
        )
        if reason in GUESS_REASONS:
            # Only failed guesses count against the user (an unknown code, or a code that
            # is not for this person or this institution): guessing stops quickly, while
            # refusals an honest office meets (purpose, scope, revoked, expired) never
            # lock it out of valid codes.
            ratelimit.hit("query-refusals", user_key, limit=conf.get("DISCLOSURE_REFUSALS_PER_USER_HOUR"), window=3600)
        return QueryRefused(reason, log)

    # The person named: every attempt that names a person, blocked ones included, goes
    # into that person's query log (《征信业管理条例》 art. 17, 18).
    try:
        number = validators.validate_id_number(id_number)
    except Exception:  # noqa: BLE001 - any malformed number is "no match"
        number = ""
    index = subject_index_for(number) if number else ""

    def named_subject() -> Subject | None:
        return Subject.objects.filter(id_number_index=index).first() if index else None

    if institution is None:
        subject = named_subject()
        raise refuse(Reason.NOT_INSTITUTION)

    # Over the refusals' limit nothing is counted; else the query counts against its own.
    if not ratelimit.hit_unless_limited(
        "queries", user_key, limit=conf.get("DISCLOSURE_QUERIES_PER_USER_HOUR"), window=3600,
        guard="query-refusals", guard_limit=conf.get("DISCLOSURE_REFUSALS_PER_USER_HOUR") - 1,
    ):
        subject = named_subject()
        raise refuse(Reason.RATE_LIMITED)

    with transaction.atomic():
        # Who and which code, in one read: the code's authorization, locked, with its
        # person (who is the person named when the code is theirs; looked up on their
        # own otherwise). Every failure here gets the same answer, logged after this
        # transaction; without a well-formed number nothing can match.
        found = query_scope.locked_by_code(code) if code and index else None
        subject = found.subject if found is not None and found.subject.id_number_index == index else named_subject()
        if subject is None or subject.name != (name or "").strip() or found is None or found.subject_id != subject.pk:
            reason = Reason.NOT_MATCHED
        elif found.grantee_id is not None and found.grantee_id != institution.pk:
            authorization = found
            reason = Reason.NOT_GRANTEE
        else:
            authorization = locked = found
            reason = _state_reason(locked, now)
            if reason is None and (purpose != locked.purpose or purpose_other != locked.purpose_other):
                reason = Reason.PURPOSE_MISMATCH
            if reason is None:
                occupation_ids, category_ids, mandatory, reason = query_scope.report_scope(locked, occupations, categories)
            if reason is None:
                spent = _SPEND_USE.run(pk=locked.pk, now=now)
                if not spent:
                    reason = Reason.USED_UP
            if reason is None:
                logs: list[QueryLog] = []

                def write(report: CreditReport) -> bool:
                    # The report with its query log and the log's audit entry, in one
                    # statement on PostgreSQL; nothing when the report's number is taken
                    # (``issue_report`` then tries another).
                    log = _log(
                        by=by, institution=institution, subject=subject, authorization=locked, purpose=purpose,
                        purpose_other=purpose_other, outcome=QueryLog.Outcome.GRANTED, reason=Reason.OK,
                        channel=channel, request=request, report=report, write_report=True,
                    )
                    logs[:] = [log] if log is not None else []
                    return log is not None

                report = issue_report(
                    subject, kind=CreditReport.Kind.THIRD_PARTY, to_user=by, institution=institution,
                    authorization=locked, occupation_ids=occupation_ids, category_ids=category_ids,
                    mandatory=mandatory, write=write,
                )
                return QueryResult(report=report, log=logs[0])
            if reason == Reason.EXPIRED and locked.state == State.ACTIVE:
                Authorization.objects.filter(pk=locked.pk, state=State.ACTIVE).update(state=State.EXPIRED, ended_at=now)
    raise refuse(reason)


def _spend_use(pk: object, now: object) -> tuple[QuerySet[Authorization], dict[str, Any]]:
    # The conditional UPDATE is the guard: it spends a use only while one is left, and the
    # same statement ends the authorization when that was its last use.
    last_use = Q(uses__gte=F("max_uses") - 1)
    return Authorization.objects.filter(pk=pk, state=State.ACTIVE, uses__lt=F("max_uses"), valid_until__gt=now), {
        "uses": F("uses") + 1,
        "state": Case(When(last_use, then=Value(State.USED_UP)), default=F("state")),
        "ended_at": Case(When(last_use, then=Value(now)), default=F("ended_at")),
    }


# Compiled once per process, like the scope's reads in ``query_scope``: ≈ 1.2 ms of Django CPU per query.
_SPEND_USE = CompiledUpdate(
    _spend_use,
    fields={"pk": Authorization._meta.pk, "now": Authorization._meta.get_field("ended_at")},
    sentinels={"pk": uuid.UUID(int=0x5BE4D), "now": datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)},
)


# ``QueryLog.objects.create``'s INSERT, compiled once per process.
_INSERT_LOG = CompiledInsert(QueryLog)


def _log(
    *,
    by: User,
    institution: Institution | None,
    subject: Subject | None,
    authorization: Authorization | None,
    purpose: str,
    purpose_other: str,
    outcome: str,
    reason: str,
    channel: str,
    request: HttpRequest | None,
    report: CreditReport | None = None,
    write_report: bool = False,
) -> QueryLog | None:
    """Write the QueryLog row and its audit entry (in the caller's transaction when
    there is one, else in their own): refused queries are committed too. Inside the
    query's transaction no savepoint: a failed log must fail the query with it.
    ``write_report``: the new ``report`` is written first, with them, unless its number
    is taken: then nothing is written and None is returned."""
    with transaction.atomic(savepoint=False):
        log = QueryLog(
            actor=by if getattr(by, "is_authenticated", False) else None,
            institution=institution, subject=subject, authorization=authorization,
            purpose=purpose if purpose in Purpose.values else Purpose.OTHER, purpose_other=purpose_other[:200],
            outcome=outcome, reason=reason, channel=channel,
            ip_address=client_ip(request) if request is not None else None,
            report=report, result_digest=report.digest if report else "",
        )
        # A query is a read of the person's record (DESIGN §8): appended in this
        # transaction with its keyed MAC and chained by the background chainer like every
        # other read, so queries on every web host do not queue on the chain head's lock.
        # The log is written with its entry, in one statement where the database allows.
        entry = audit.record_read(
            "disclosure.query." + outcome, actor=by, target=log, subject_ref=str(subject.pk) if subject else "",
            detail={"reason": reason, "channel": channel, **log_check.vouched(log)}, request=request,
            insert_target=_INSERT_LOG,
            insert_first=(INSERT_REPORT, report) if write_report else None,
        )
        if entry is None:
            return None
    return log
