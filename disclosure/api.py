"""REST API of the disclosure app: the institution query and
the report verification, documented in the OpenAPI schema (/api/schema/, /api/docs/).

Both call the same functions as the pages: ``services.queries.query_record`` (one
place for every check, and the QueryLog) and ``services.verification.verify_report``.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from archives import validators
from credit_portal import audit
from credit_portal.api import error_response
from credit_portal.replica import reads_from_replica
from disclosure import selectors
from disclosure.models import CreditReport, Purpose, QueryLog
from disclosure.permissions import may_query
from disclosure.services import queries
from disclosure.services.report_retention import lawfully_purged, purged_message
from disclosure.services.reports import content_intact, verification_code
from disclosure.services.verification import Outcome, altered_message, issued_facts, verify_report

# The reasons an API client may see: identity and code failures are one.
PUBLIC_REASON = {QueryLog.Reason.NOT_GRANTEE: QueryLog.Reason.NOT_MATCHED}


def _query_fields() -> dict[str, serializers.Field]:
    """``QuerySerializer``'s fields, built anew for each serializer (DRF binds a field to
    one serializer). DRF's own way, a ``copy.deepcopy`` of the declared fields, copied the
    purpose's choices with their lazy labels and the list fields' children on every
    request: 5 % of the query API's CPU. The same classes with the same arguments."""
    return {
        "name": serializers.CharField(max_length=50, help_text="The person's full name."),
        "id_number": serializers.CharField(max_length=30, help_text="The person's 18-character resident ID number."),
        "code": serializers.CharField(max_length=30, help_text="The authorization code the person gave you."),
        "purpose": serializers.ChoiceField(choices=Purpose.choices),
        "purpose_other": serializers.CharField(max_length=200, required=False, allow_blank=True, default=""),
        "occupations": serializers.ListField(
            child=serializers.CharField(max_length=64), required=False,
            help_text="Occupation codes to narrow the report to; omitted: the whole authorized scope.",
        ),
        "categories": serializers.ListField(
            child=serializers.CharField(max_length=64), required=False,
            help_text=(
                "Record category codes to narrow the report to; omitted: the whole authorized scope. The purpose's "
                "mandatory content (every effective negative record, the latest yearly finding, mandatory categories) "
                "is always added back."
            ),
        ),
    }


class QuerySerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return _query_fields()

    def validate_id_number(self, value: str) -> str:
        from django.core.exceptions import ValidationError

        try:
            return validators.validate_id_number(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class ReportSerializer(serializers.ModelSerializer):
    verification_code = serializers.SerializerMethodField()

    class Meta:
        model = CreditReport
        fields = ["number", "kind", "issued_at", "digest", "verification_code", "content"]

    def get_verification_code(self, obj: CreditReport) -> str:
        return verification_code(obj)


_ISSUED_AT = serializers.DateTimeField()


def report_data(report: CreditReport) -> dict[str, Any]:
    """``ReportSerializer(report).data``, without building a model serializer for each
    response (its field introspection was a visible share of the query API's CPU);
    tests/disclosure/test_query_counts.py holds the two equal."""
    return {
        "number": report.number, "kind": report.kind, "issued_at": _ISSUED_AT.to_representation(report.issued_at),
        "digest": report.digest, "verification_code": verification_code(report), "content": report.content,
    }


# The serializer's own limits, read off its fields once, so the plain path below can never
# accept what the serializer would refuse after someone changes a field there.
_FIELDS = _query_fields()
_TEXT_LIMITS = {name: _FIELDS[name].max_length for name in ("name", "id_number", "code")}
_OTHER_LIMIT = _FIELDS["purpose_other"].max_length
_OPTIONAL_LISTS = ("occupations", "categories")
_ITEM_LIMITS = {name: _FIELDS[name].child.max_length for name in _OPTIONAL_LISTS}
# The serializer's order of keys: its fields' order.
_FIELD_ORDER = tuple(_FIELDS)
_PURPOSES = frozenset(Purpose.values)
# What DRF's CharField validators refuse: NUL and surrogate characters.
_REFUSED_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


def _plain_text(value: object, limit: int) -> str | None:
    """What DRF's ``CharField(max_length=limit)`` makes of ``value`` (stripped) when
    it takes it as it is: text, not blank, without NUL or surrogate characters, within
    the limit; None for anything else (DRF decides, with its own messages)."""
    if type(value) is not str:
        return None
    text = value.strip()
    if not text or len(text) > limit or _REFUSED_CHARACTERS.search(text):
        return None
    return text


def plain_query_data(data: object) -> dict[str, Any] | None:
    """``QuerySerializer(data=data).validated_data`` for a well-formed body, without
    building the serializer and its seven fields (DRF's validation was 8 % of the query
    API's CPU); None when anything is not plainly valid, for the serializer to answer
    with its errors. tests/disclosure/test_query_serializer.py holds the two equal."""
    if type(data) is not dict:
        return None
    out: dict[str, Any] = {}
    for name, limit in _TEXT_LIMITS.items():
        text = _plain_text(data.get(name), limit)
        if text is None:
            return None
        out[name] = text
    purpose = data.get("purpose")
    if type(purpose) is not str or purpose not in _PURPOSES:
        return None
    out["purpose"] = purpose
    other = data.get("purpose_other", "")
    if type(other) is not str:
        return None
    other = other.strip()
    if len(other) > _OTHER_LIMIT or _REFUSED_CHARACTERS.search(other):
        return None
    out["purpose_other"] = other
    for name in _OPTIONAL_LISTS:
        if name not in data:
            continue
        items = data[name]
        if type(items) is not list:
            return None
        texts = [_plain_text(item, _ITEM_LIMITS[name]) for item in items]
        if None in texts:
            return None
        out[name] = texts
    try:
        out["id_number"] = validators.validate_id_number(out["id_number"])
    except Exception:  # noqa: BLE001 - the serializer gives the error its words
        return None
    return {name: out[name] for name in _FIELD_ORDER if name in out}


REFUSAL = inline_serializer(
    "QueryRefusal",
    {"code": serializers.CharField(), "detail": serializers.CharField(), "reason": serializers.CharField()},
)


class QueryView(APIView):
    """Query a person's credit record with their authorization code (institutions only)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=QuerySerializer,
        responses={201: ReportSerializer, 403: OpenApiResponse(REFUSAL, description="Refused; the query is logged.")},
        summary="Query with an authorization code",
        tags=["disclosure"],
    )
    def post(self, request: Request) -> Response:
        if not may_query(request.user):
            # Logged like every refusal, through the one query function.
            try:
                queries.query_record(
                    by=request.user, name="", id_number="", code="", purpose=Purpose.OTHER,
                    channel=QueryLog.Channel.API, request=request._request,
                )
            except queries.QueryRefused as exc:
                return error_response(exc.reason, str(exc), status.HTTP_403_FORBIDDEN, reason=exc.reason)
        data = plain_query_data(request.data)
        if data is None:
            serializer = QuerySerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        try:
            result = queries.query_record(
                by=request.user, name=data["name"], id_number=data["id_number"], code=data["code"],
                purpose=data["purpose"], purpose_other=data.get("purpose_other", ""),
                occupations=data.get("occupations"), categories=data.get("categories"),
                channel=QueryLog.Channel.API, request=request._request,
            )
        except queries.QueryRefused as exc:
            reason = PUBLIC_REASON.get(exc.reason, exc.reason)
            code = status.HTTP_429_TOO_MANY_REQUESTS if exc.reason == QueryLog.Reason.RATE_LIMITED else status.HTTP_403_FORBIDDEN
            return error_response(reason, str(exc), code, reason=reason)
        return Response(report_data(result.report), status=status.HTTP_201_CREATED)


class ReportView(APIView):
    """Read a report again: the institution it was issued to, or the person it is about."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={
        200: ReportSerializer, 404: OpenApiResponse(description="No such report."),
        409: OpenApiResponse(description="The portal's stored copy of the report was changed after it was issued."),
        410: OpenApiResponse(description="The report's content was deleted: it quoted negative information past "
                                         "its 5-year retention."),
    }, tags=["disclosure"])
    def get(self, request: Request, number: str) -> Response:
        report = selectors.get_report_for(request.user, number)
        if lawfully_purged(report):  # deleted after the 5-year retention (sealed; else it reads as altered)
            return error_response("purged", purged_message(report), status.HTTP_410_GONE)
        if not content_intact(report, request=request._request, channel="api"):
            return error_response("altered", altered_message(), status.HTTP_409_CONFLICT)
        audit.record_read("disclosure.report.viewed", target=report, subject_ref=str(report.subject_id), request=request._request)
        return Response(report_data(report))


class VerifySerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40, help_text="The report number as printed, e.g. XY20261128000012345678.")
    code = serializers.CharField(
        max_length=40, help_text="The verification code as printed; full-width characters and lower case are accepted."
    )


VERIFIED = inline_serializer(
    "ReportVerification",
    {
        "genuine": serializers.BooleanField(),
        "number": serializers.CharField(),
        "issued_at": serializers.DateTimeField(),
        "kind": serializers.CharField(),
        "issued_to": serializers.CharField(help_text="The institution the report was issued to, or the person."),
        "purpose": serializers.CharField(),
        "digest": serializers.CharField(help_text="SM3 digest of the report content."),
        "counts": serializers.DictField(child=serializers.IntegerField()),
        "content": serializers.DictField(help_text="The frozen report exactly as issued."),
    },
)


@method_decorator(reads_from_replica, name="dispatch")
class VerifyView(APIView):
    """Check a credit report (anyone holding it): the frozen report as issued, with its
    recipient, purpose and counts, through the same service as the page."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        request=VerifySerializer,
        responses={
            200: VERIFIED, 400: OpenApiResponse(description="The number or code is not well formed."),
            404: OpenApiResponse(description="No report matches."),
            409: OpenApiResponse(description="The number and code match, but the portal's stored copy of the report "
                                             "was changed after it was issued: it cannot be confirmed."),
            410: OpenApiResponse(description="The number and code match a report the portal issued, whose content "
                                             "was deleted: it quoted negative information past its 5-year retention."),
            429: OpenApiResponse(description="Too many checks."),
        },
        summary="Verify a credit report",
        tags=["disclosure"],
    )
    def post(self, request: Request) -> Response:
        serializer = VerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        checked = verify_report(
            serializer.validated_data["number"], serializer.validated_data["code"], request=request._request,
            channel="api",
        )
        if checked.outcome == Outcome.INVALID:
            return Response({"genuine": False, "detail": checked.message, "errors": checked.errors},
                            status=status.HTTP_400_BAD_REQUEST)
        if checked.outcome == Outcome.RATE_LIMITED:
            return Response({"genuine": False, "detail": checked.message}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if checked.outcome == Outcome.ALTERED:
            return Response({"genuine": False, "detail": checked.message}, status=status.HTTP_409_CONFLICT)
        if checked.outcome == Outcome.PURGED:
            return Response({"genuine": False, "purged": True, "detail": checked.message}, status=status.HTTP_410_GONE)
        if checked.report is None:
            return Response({"genuine": False, "detail": checked.message}, status=status.HTTP_404_NOT_FOUND)
        return Response({"genuine": True, **issued_facts(checked.report), "content": checked.report.content})
