"""REST API of the disclosure app (issue 5 deliverable 8): the institution query and
the report verification, documented in the OpenAPI schema (/api/schema/, /api/docs/).

Both call the same functions as the pages: ``services.queries.query_record`` (one
place for every check, and the QueryLog) and ``services.reports.check_report``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from archives import validators
from credit_portal import audit, ratelimit
from credit_portal.api import error_response
from disclosure import conf, selectors
from disclosure.masking import mask_name
from disclosure.models import CreditReport, Purpose, QueryLog
from disclosure.services import queries
from disclosure.services.reports import check_report, verification_code

# The reasons an API client may see: identity and code failures are one.
PUBLIC_REASON = {QueryLog.Reason.NOT_GRANTEE: QueryLog.Reason.NOT_MATCHED}


class QuerySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, help_text="The person's full name.")
    id_number = serializers.CharField(max_length=30, help_text="The person's 18-character resident ID number.")
    code = serializers.CharField(max_length=30, help_text="The authorization code the person gave you.")
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    purpose_other = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    occupations = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False,
        help_text="Occupation codes to narrow the report to; omitted: the whole authorized scope.",
    )
    categories = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False,
        help_text="Record category codes to narrow the report to; omitted: the whole authorized scope.",
    )

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
        if selectors.acting_institution(request.user) is None:
            # Logged like every refusal, through the one query function.
            try:
                queries.query_record(
                    by=request.user, name="", id_number="", code="", purpose=Purpose.OTHER,
                    channel=QueryLog.Channel.API, request=request._request,
                )
            except queries.QueryRefused as exc:
                return error_response(exc.reason, str(exc), status.HTTP_403_FORBIDDEN, reason=exc.reason)
        serializer = QuerySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = serializer.validated_data
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
        return Response(ReportSerializer(result.report).data, status=status.HTTP_201_CREATED)


class ReportView(APIView):
    """Read a report again: the institution it was issued to, or the person it is about."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: ReportSerializer, 404: OpenApiResponse(description="No such report.")}, tags=["disclosure"])
    def get(self, request: Request, number: str) -> Response:
        report = selectors.get_report_for(request.user, number)
        audit.record("disclosure.report.viewed", target=report, subject_ref=str(report.subject_id), request=request._request)
        return Response(ReportSerializer(report).data)


class VerifySerializer(serializers.Serializer):
    number = serializers.CharField(max_length=30)
    code = serializers.CharField(max_length=30)


VERIFIED = inline_serializer(
    "ReportVerification",
    {
        "genuine": serializers.BooleanField(),
        "number": serializers.CharField(),
        "issued_at": serializers.DateTimeField(),
        "subject": serializers.CharField(help_text="Masked name and ID number."),
        "digest": serializers.CharField(help_text="SM3 digest of the report content."),
    },
)


class VerifyView(APIView):
    """Check that a report is genuine (anyone holding it). Never returns its content."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        request=VerifySerializer,
        responses={200: VERIFIED, 404: OpenApiResponse(description="No report matches."), 429: OpenApiResponse(description="Too many checks.")},
        summary="Verify a credit report",
        tags=["disclosure"],
    )
    def post(self, request: Request) -> Response:
        serializer = VerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not ratelimit.hit_ip(
            request._request, "report-verify", limit=conf.get("DISCLOSURE_VERIFY_PER_IP_WINDOW"),
            window=conf.get("DISCLOSURE_VERIFY_WINDOW_SECONDS"),
        ):
            return Response({"detail": _("Too many checks. Try again later.")}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        found = check_report(serializer.validated_data["number"], serializer.validated_data["code"])
        audit.record(
            "disclosure.report.verified", target=found, subject_ref=str(found.subject_id) if found else "",
            detail={"genuine": found is not None, "channel": "api"}, request=request._request,
        )
        if found is None:
            return Response({"genuine": False, "detail": _("No report matches this number and verification code.")},
                            status=status.HTTP_404_NOT_FOUND)
        return Response({
            "genuine": True, "number": found.number, "issued_at": found.issued_at,
            "subject": f"{mask_name(found.subject.name)}（{found.subject.id_number_masked}）", "digest": found.digest,
        })
