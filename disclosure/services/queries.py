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

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    F,
    Func,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, JSONArray
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from archives import validators
from archives.models import Subject
from archives.services.subjects import subject_index_for
from credit_portal import audit, ratelimit
from credit_portal.compiled import CompiledQuery, CompiledUpdate
from credit_portal.exceptions import DomainError
from credit_portal.http import client_ip
from credit_portal.inserts import CompiledInsert
from departments.models import Occupation, RecordCategory
from disclosure import conf
from disclosure.models import Authorization, CreditReport, Institution, Purpose, QueryLog
from disclosure.selectors import acting_institution
from disclosure.services.authorizations import code_digest
from disclosure.services.mandatory import RULE_COLUMNS, Mandatory, mandatory_from_rows, rule_rows, rules_in_force
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
        found = _locked_by_code(code) if code and index else None
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
                occupation_ids, category_ids, mandatory, reason = _scope(locked, occupations, categories)
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


def _code_authorization(code_hash: str) -> QuerySet[Authorization]:
    # ``.first()`` of the code's authorization, locked, with its person.
    return Authorization.objects.select_for_update(of=("self",)).select_related("subject").filter(code_hash=code_hash)[:1]


def _json_rows(queryset: QuerySet[Any], *columns: str) -> Subquery:
    """The ``columns`` of the rows of ``queryset`` as one JSON array of arrays (NULL
    when there are none), for a correlated subquery (PostgreSQL). A plain function, not
    ``JSONBAgg``: in ``values()`` Django groups an aggregate by the row's id, one row each."""
    rows = Func(JSONArray(*columns), function="JSONB_AGG", output_field=JSONField())
    return Subquery(queryset.order_by().values(rows=rows), output_field=JSONField())


# The scope read with the authorization, on PostgreSQL: the occupations and categories
# it names and the rules in force for its purpose, as JSON arrays of the columns
# ``_authorized_scope`` gives, one statement less per query than reading them after
# the lock. The same rows as that read: an authorization's occupations and categories
# are written in the transaction that creates it and never change, so no query can see
# it without them; the rules are read as they stood when the query's statement began
# (before any wait for the lock), a moment of the query as the next statement would be.
_SCOPE_ARMS = {
    "occupation": "query_scope_occupations", "category": "query_scope_categories", "rule": "query_scope_rules",
}


def _scope_links(authorization_id: object) -> dict[str, QuerySet[Any]]:
    """The occupations and categories the authorization names, as (id, code) rows by
    kind: the arms of both reads of the scope (with the lock, and on its own)."""
    links = {"occupation": (Authorization.occupations.through, "occupation"),
             "category": (Authorization.categories.through, "recordcategory")}
    return {
        kind: through.objects.filter(authorization_id=authorization_id).values_list(f"{name}_id", f"{name}__code")
        for kind, (through, name) in links.items()
    }


def _code_authorization_with_scope(code_hash: str) -> QuerySet[Authorization]:
    arms = {
        _SCOPE_ARMS[kind]: _json_rows(rows, *rows.query.values_select)
        for kind, rows in _scope_links(OuterRef("pk")).items()
    }
    arms[_SCOPE_ARMS["rule"]] = _json_rows(rules_in_force(OuterRef("purpose")), *RULE_COLUMNS)
    return _code_authorization(code_hash).annotate(**arms)


# Compiled once per process, like the use's UPDATE below.
_CODE_AUTHORIZATION = CompiledQuery(
    _code_authorization, fields={"code_hash": Authorization._meta.get_field("code_hash")},
    sentinels={"code_hash": "code-hash-sentinel-c0de"},
)
_CODE_AUTHORIZATION_WITH_SCOPE = CompiledQuery(
    _code_authorization_with_scope, fields={"code_hash": Authorization._meta.get_field("code_hash")},
    sentinels={"code_hash": "code-hash-sentinel-c0de"},
)


def _locked_by_code(code: str) -> Authorization | None:
    """The code's authorization, locked, with its person, and on PostgreSQL its scope
    (``_authorized_scope``); None for a code no authorization has."""
    read = _CODE_AUTHORIZATION_WITH_SCOPE if connection.vendor == "postgresql" else _CODE_AUTHORIZATION
    return next(iter(read.objects(code_hash=code_digest(code))), None)


def _spend_use(pk: object, now: object) -> tuple[QuerySet[Authorization], dict[str, Any]]:
    # The conditional UPDATE is the guard: it spends a use only while one is left, and the
    # same statement ends the authorization when that was its last use.
    last_use = Q(uses__gte=F("max_uses") - 1)
    return Authorization.objects.filter(pk=pk, state=State.ACTIVE, uses__lt=F("max_uses"), valid_until__gt=now), {
        "uses": F("uses") + 1,
        "state": Case(When(last_use, then=Value(State.USED_UP)), default=F("state")),
        "ended_at": Case(When(last_use, then=Value(now)), default=F("ended_at")),
    }


# Compiled once per process, like the scope below (≈ 1.2 ms of Django CPU per query).
_SPEND_USE = CompiledUpdate(
    _spend_use,
    fields={"pk": Authorization._meta.pk, "now": Authorization._meta.get_field("ended_at")},
    sentinels={"pk": uuid.UUID(int=0x5BE4D), "now": datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)},
)


class _OutOfScope(Exception):
    pass


def _ids_asked(
    requested: Iterable[str] | None, allowed: dict[str, int], model: type[Occupation] | type[RecordCategory]
) -> list[int] | None:
    """The ids of occupations (or categories) a query asks for, by code: every one the
    authorization names when it asks for none (None: the authorization names none, so
    all); otherwise the codes asked for, each within the authorization's when it names
    any (``_OutOfScope`` if not)."""
    if not requested:
        return list(allowed.values()) or None
    wanted = set(requested)
    if allowed and not wanted <= set(allowed):
        raise _OutOfScope
    if allowed:
        return [allowed[code] for code in wanted]
    return list(model.objects.filter(code__in=wanted).values_list("id", flat=True))


def _authorized_scope_query(authorization_id: object, purpose: str) -> QuerySet[Any]:
    # Typed NULLs: PostgreSQL types the first two arms' untyped NULLs as text, which the
    # rules' integer columns would not match.
    pad = (Cast(Value(None), IntegerField()), Cast(Value(None), CharField()),
           Cast(Value(None), IntegerField()), Cast(Value(None), CharField()))
    links = _scope_links(authorization_id)
    occupations, categories = (
        links[kind].values_list(Value(kind), *links[kind].query.values_select, *pad) for kind in ("occupation", "category")
    )
    return occupations.union(categories, rule_rows(purpose, Value("rule")), all=True)


# Compiled once per process: building and compiling the three arms cost ≈ 2.5 ms of CPU
# per query on the benchmark host (more than the two queries they replace), running
# them ≈ 0.1 ms in the database.
_AUTHORIZED_SCOPE = CompiledQuery(
    _authorized_scope_query,
    fields={"authorization_id": Authorization._meta.pk, "purpose": Authorization._meta.get_field("purpose")},
    sentinels={"authorization_id": uuid.UUID(int=0x5C0BE), "purpose": "purpose-sentinel-5c0be"},
)


def _authorized_scope(authorization: Authorization) -> list[tuple[Any, ...]]:
    """(kind, id, code) of every occupation and category the authorization names and
    (kind "rule", the columns of ``mandatory.RULE_COLUMNS``) the rules in force for its
    purpose: as read with the locked authorization (PostgreSQL), else in one query (the
    two link tables and the rules, united): the scope and the mandatory content are read
    at the same moment."""
    if all(hasattr(authorization, name) for name in _SCOPE_ARMS.values()):
        # The union's rows: the occupations' and categories' padded to the rules' width.
        width = 1 + len(RULE_COLUMNS)
        return [
            (kind, *row, *(None,) * (width - 1 - len(row)))
            for kind, name in _SCOPE_ARMS.items()
            for row in getattr(authorization, name) or ()
        ]
    return _AUTHORIZED_SCOPE.rows(authorization_id=authorization.pk, purpose=authorization.purpose)


def _scope(
    authorization: Authorization,
    occupations: Iterable[str] | None,
    categories: Iterable[str] | None,
) -> tuple[list[int] | None, list[int] | None, Mandatory, str | None]:
    """The occupation and category ids the report covers (None = all) and the rules of
    the authorization's purpose, or a refusal when the request asks for more than the
    authorization covers.

    The purpose's mandatory categories are always added back: an authorization
    granted before a rule existed, or a request narrowed through the API, still gets
    a report that tells the whole truth of its purpose (``services.mandatory``)."""
    allowed: dict[str, dict[str, int]] = {"occupation": {}, "category": {}}
    rules = []
    for kind, pk, code, *rest in _authorized_scope(authorization):
        if kind == "rule":
            rules.append((pk, code, *rest))
        else:
            allowed[kind][code] = pk
    mandatory = mandatory_from_rows(authorization.purpose, rules)
    try:
        occupation_ids = _ids_asked(occupations, allowed["occupation"], Occupation)
        category_ids = _ids_asked(categories, allowed["category"], RecordCategory)
    except _OutOfScope:
        return None, None, mandatory, Reason.OUT_OF_SCOPE
    if category_ids is not None:
        category_ids = list(dict.fromkeys([*category_ids, *mandatory.category_ids]))
    return occupation_ids, category_ids, mandatory, None


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
            detail={"reason": reason, "channel": channel}, request=request, insert_target=_INSERT_LOG,
            insert_first=(INSERT_REPORT, report) if write_report else None,
        )
        if entry is None:
            return None
    return log
