"""REST API for department business systems (001 §三(四): departments
with their own systems connect by interface, the others submit on the platform).

Every request is signed (``signing``); the system acts as its service account, a clerk
of its department, through the same services as the pages: ``importer.import_rows``
for new records, ``edit_record`` for changes to drafts and returned records,
``submit_record`` to send them for review. A system only ever sees its own
department's records; another department's external id is simply not found.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from archives.intake import conf, importer, selectors, systems
from archives.intake.api_auth import DepartmentSystemAuthentication, error_body, exception_handler
from archives.intake.catalogue import choices_for
from archives.intake.columns import COLUMN_KEYS
from archives.intake.rows import ParsedRow, parse_values, validation_errors
from archives.models import CreditRecord
from credit_portal import audit
from credit_portal.crypto import blind_index
from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.parsers import SafeJSONParser
from departments.models import Occupation

if TYPE_CHECKING:
    from credit_portal.models import User

_EXTERNAL_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
TAG = "department-systems"


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


class DepartmentAPIView(APIView):
    authentication_classes = [DepartmentSystemAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    # Over-deep nesting is a 400, not a RecursionError (credit_portal.parsers).
    parser_classes = [SafeJSONParser]
    renderer_classes = [JSONRenderer]

    def get_exception_handler(self):  # type: ignore[no-untyped-def]
        return exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # PostgreSQL's text cannot hold a NUL: refused here, in words, in the path, a
        # filter or the envelope, before anything reads with it. An item's cells are
        # checked with the item (rows._CONTROL), which is then refused alone.
        data = request.data if request.method in ("POST", "PUT", "PATCH") else {}
        envelope = {k: v for k, v in data.items() if k != "items"} if isinstance(data, dict) else data
        if _holds_nul(kwargs) or _holds_nul(dict(request.query_params.lists())) or _holds_nul(envelope):
            raise ValidationError(_("The request holds a NUL character, which no field accepts."))


class ItemSerializer(serializers.Serializer):
    """One record as a department system sends it (documentation of the item shape)."""

    external_id = serializers.CharField(help_text="部门系统中该记录的唯一编号（1–100 位字母、数字、._:-），同一编号重复发送不会重复创建。")
    name = serializers.CharField(help_text="姓名。")
    id_number = serializers.CharField(help_text="18 位公民身份号码，字符串。")
    phone = serializers.CharField(required=False, help_text="手机号码（选填）。")
    employer = serializers.CharField(help_text="工作单位；该人员在本职业尚无档案时据此建档。")
    post = serializers.CharField(required=False, help_text="职务（选填）。")
    category = serializers.CharField(help_text="信息类别代码或名称。")
    polarity = serializers.ChoiceField(choices=["positive", "neutral", "negative"], help_text="信息性质。")
    severity = serializers.ChoiceField(choices=["minor", "general", "serious"], required=False,
                                       help_text="严重程度，负面信息必填。")
    title = serializers.CharField(help_text="标题。")
    description = serializers.CharField(required=False, help_text="具体情形。")
    decision_number = serializers.CharField(required=False, help_text="决定文书号。")
    deciding_body = serializers.CharField(required=False, help_text="决定机关。")
    occurred_on = serializers.DateField(help_text="行为发生日期，YYYY-MM-DD。")
    decided_on = serializers.DateField(help_text="决定日期，YYYY-MM-DD。")
    domain = serializers.CharField(required=False, help_text="重点领域代码或名称（选填）。")
    is_penalty = serializers.BooleanField(required=False, help_text="是否行政处罚。")
    # 001 §三(五) lists the activities whose information enters the record; optional as on
    # the web form and in the Excel template (the list ends in 等: not every item has one).
    source_type = serializers.ChoiceField(
        choices=CreditRecord.SourceType.choices, required=False,
        help_text="信息来源，即产生该信息的工作（选填）：填代码或名称；不在列表中的值该条被拒绝，错误代码 invalid_choice。",
    )


class BulkSerializer(serializers.Serializer):
    occupation = serializers.CharField(help_text="职业代码，须为本部门负责的职业。")
    submit = serializers.BooleanField(required=False, default=False, help_text="新建的记录是否直接提交审核。")
    items = ItemSerializer(many=True, help_text="记录列表，每次最多 1000 条。")


ITEM_RESULT = inline_serializer("IntakeItemResult", {
    "index": serializers.IntegerField(help_text="该条在 items 中的位置，从 0 开始。"),
    "external_id": serializers.CharField(),
    "status": serializers.ChoiceField(choices=["created", "updated", "unchanged", "submitted", "error"]),
    "record_id": serializers.IntegerField(allow_null=True),
    "errors": inline_serializer("IntakeItemError", {
        "code": serializers.CharField(), "message": serializers.CharField(help_text="中文说明。"),
        "field": serializers.CharField(required=False),
    }, many=True),
})
RESULTS = inline_serializer("IntakeResults", {"results": ITEM_RESULT})
ERRORS = inline_serializer("IntakeErrors", {"errors": inline_serializer("IntakeError", {
    "code": serializers.CharField(), "message": serializers.CharField(), "field": serializers.CharField(required=False),
}, many=True)})


def _error_items(row: ParsedRow) -> list[dict[str, str]]:
    return [{"code": e.code, "message": e.message, **({"field": e.column} if e.column else {})} for e in row.errors]


def _envelope(data: Any) -> tuple[Occupation, bool, list[Any]]:
    if not isinstance(data, dict):
        raise ValidationError(_("The request body must be a JSON object."))
    items = data.get("items")
    if not isinstance(items, list) or not items:
        raise serializers.ValidationError({"items": [_("Send a non-empty list of items.")]})
    limit = conf.number("INTAKE_API_MAX_ITEMS")
    if len(items) > limit:
        raise serializers.ValidationError({"items": [_("At most %(n)d items per request.") % {"n": limit}]})
    submit = data.get("submit", False)
    if not isinstance(submit, bool):
        raise serializers.ValidationError({"submit": [_("Must be true or false.")]})
    code = data.get("occupation")
    occupation = selectors.occupation_by_code(code)
    if occupation is None:
        raise serializers.ValidationError({"occupation": [_("Unknown occupation code.")]})
    return occupation, submit, items


class RecordCursor(CursorPagination):
    page_size = 100
    ordering = "-id"


class RecordOutSerializer(serializers.ModelSerializer):
    external_id = serializers.SerializerMethodField(help_text="部门系统的记录编号（经接口创建的记录才有）。")
    occupation = serializers.CharField(source="archive.occupation.code", help_text="职业代码。")
    name = serializers.CharField(source="archive.subject.name", help_text="姓名。")
    id_number_masked = serializers.CharField(source="archive.subject.id_number_masked", help_text="脱敏的身份证号码。")
    category = serializers.CharField(source="category.code", help_text="信息类别代码。")
    domain = serializers.CharField(source="domain.code", allow_null=True, default=None, help_text="重点领域代码。")

    class Meta:
        model = CreditRecord
        fields = ["id", "external_id", "occupation", "name", "id_number_masked", "category", "polarity", "severity",
                  "title", "description", "decision_number", "deciding_body", "occurred_on", "decided_on", "domain",
                  "is_penalty", "source_type", "state", "return_reason", "display_until", "source", "updated_at"]
        extra_kwargs = {"source_type": {"help_text": "信息来源代码，即产生该信息的工作；未填写时为空字符串。"}}

    def get_external_id(self, obj: CreditRecord) -> str | None:
        key = getattr(obj, "external_id", None)
        return key.removeprefix("ext:") if key else None


PAGE = inline_serializer("IntakeRecordPage", {
    "next": serializers.URLField(allow_null=True, help_text="下一页链接；没有更多时为 null。"),
    "previous": serializers.URLField(allow_null=True),
    "results": RecordOutSerializer(many=True),
})


# The list's filters, named (never their values) in its audit entry.
LIST_FILTERS = ("state", "occupation", "category", "updated_after", "external_id")


class RecordsView(DepartmentAPIView):
    @extend_schema(
        summary="批量新增或更新记录",
        description=(
            "按部门系统的记录编号（external_id）幂等地新增或更新记录：新编号创建记录（人员不存在时按身份证号码登记，"
            "在本职业无档案时建档），已有编号内容相同则不变，内容不同且记录仍为草稿或被退回时更新。"
            "每条记录单独给出结果与中文错误说明；有效的记录在同一事务中写入。新记录为草稿，"
            "submit 为 true 时直接提交审核，由其他人员审核后公开（双人复核）。"
        ),
        request=BulkSerializer, responses={200: RESULTS, 400: ERRORS, 401: ERRORS, 403: ERRORS}, tags=[TAG],
    )
    def post(self, request: Request) -> Response:
        system = request.auth
        occupation, submit, items = _envelope(request.data)
        choices = choices_for(occupation)
        importer.check_may_import(department=system.department, occupation_id=occupation.pk, by=request.user)
        rows: list[ParsedRow] = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                row = ParsedRow(number=index, raw=[])
                row.add("", _("Each item must be a JSON object."), "invalid_item")
                rows.append(row)
                continue
            row = parse_values(index, {k: item.get(k) for k in COLUMN_KEYS}, choices, from_excel=False)
            external_id = item.get("external_id")
            row.external_id = external_id if isinstance(external_id, str) else ""
            if not _EXTERNAL_ID.match(row.external_id):
                row.add("external_id", _("Give an external id of 1 to 100 letters, digits or ._:-"), "invalid_external_id")
            content = json.dumps(item, sort_keys=True, ensure_ascii=False, default=str)
            row.person["_digest"] = blind_index(content, purpose="intake-api")
            rows.append(row)
        outcome = importer.import_rows(
            rows, department=system.department, choices=choices, by=request.user, mode="valid", submit=submit,
            source=CreditRecord.Source.API, keys=lambda r: f"ext:{r.external_id}",
        )
        results = []
        for row in outcome.rows:
            result: dict[str, Any] = {"index": row.number, "external_id": row.external_id, "record_id": None, "errors": []}
            found = outcome.existing.get(row.number)
            if row.errors:
                result.update(status="error", errors=_error_items(row))
            elif found is not None:
                result["record_id"] = found.pk
                result.update(self._update(found, row, request.user))
            else:
                result.update(status="submitted" if submit else "created", record_id=outcome.record_ids.get(row.number))
            results.append(result)
        return Response({"results": results})

    @staticmethod
    def _update(found: CreditRecord, row: ParsedRow, by: User) -> dict[str, Any]:
        try:
            changed = systems.update_sent_record(found, row.record, digest=row.person.get("_digest", ""), by=by)
        except ValidationError as exc:
            row.errors.extend(validation_errors(exc))
            return {"status": "error", "errors": _error_items(row)}
        except (TransitionNotAllowed, PermissionDenied) as exc:
            return {"status": "error", "errors": [{"code": "record_locked", "message": str(exc)}]}
        return {"status": "updated" if changed else "unchanged"}

    @extend_schema(
        summary="查询本部门的记录",
        description="按状态、职业、类别、更新时间或记录编号筛选本部门档案中的当前版本记录，游标分页，每页 100 条。",
        parameters=[
            OpenApiParameter("state", str, description="记录状态：draft、submitted、returned、published 等。"),
            OpenApiParameter("occupation", str, description="职业代码。"),
            OpenApiParameter("category", str, description="信息类别代码。"),
            OpenApiParameter("updated_after", str, description="只返回此时间（ISO 8601）之后更新的记录。"),
            OpenApiParameter("external_id", str, description="部门系统的记录编号。"),
            OpenApiParameter("cursor", str, description="上一页响应中 next 链接里的游标。"),
        ],
        responses={200: PAGE, 400: ERRORS, 401: ERRORS}, tags=[TAG], operation_id="department_records_list",
    )
    def get(self, request: Request) -> Response:
        records = selectors.department_records(request.auth.department_id)
        params = request.query_params
        if params.get("state"):
            records = records.filter(state=params["state"][:20])
        if params.get("occupation"):
            records = records.filter(archive__occupation__code=params["occupation"][:50])
        if params.get("category"):
            records = records.filter(category__code=params["category"][:50])
        if params.get("external_id"):
            records = records.filter(intake_key=f"ext:{params['external_id'][:100]}")
        if params.get("updated_after"):
            try:
                moment = parse_datetime(params["updated_after"][:40])
            except ValueError:
                moment = None
            if moment is None:
                raise serializers.ValidationError({"updated_after": [_("Give a date and time in ISO 8601.")]})
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            records = records.filter(updated_at__gt=moment)
        paginator = RecordCursor()
        page = paginator.paginate_queryset(records, request, view=self)
        # A page of people's records read by a system: an audited read like a clerk's list
        # export (which filters, how many rows; no personal data in the entry).
        audit.record_read(
            "intake.records.listed", actor=request.user, request=request._request,
            detail={"rows": len(page), "filters": sorted(k for k in LIST_FILTERS if params.get(k))},
        )
        return paginator.get_paginated_response(RecordOutSerializer(page, many=True).data)


class SubmitView(DepartmentAPIView):
    @extend_schema(
        summary="提交审核",
        description="把本部门系统发送的草稿或被退回的记录提交审核；每个编号单独给出结果。其他部门的编号视为不存在。",
        request=inline_serializer("IntakeSubmit", {"external_ids": serializers.ListField(
            child=serializers.CharField(), help_text="记录编号列表，每次最多 1000 个。")}),
        responses={200: RESULTS, 400: ERRORS, 401: ERRORS}, tags=[TAG],
    )
    def post(self, request: Request) -> Response:
        data = request.data
        ids = data.get("external_ids") if isinstance(data, dict) else None
        if not isinstance(ids, list) or not ids or len(ids) > conf.number("INTAKE_API_MAX_ITEMS") \
                or not all(isinstance(i, str) for i in ids):
            raise serializers.ValidationError({"external_ids": [_("Send a list of 1 to 1000 external ids.")]})
        keys = selectors.sent_keys(request.auth.department_id, [f"ext:{i[:100]}" for i in ids])
        results = []
        for index, external_id in enumerate(ids):
            found = keys.get(f"ext:{external_id[:100]}")
            result: dict[str, Any] = {"index": index, "external_id": external_id, "record_id": None, "errors": []}
            if found is None:
                result.update(status="error", errors=[{"code": "not_found", "message": _("No such record of your department.")}])
            else:
                result["record_id"] = found.pk
                try:
                    systems.submit_sent_record(found, by=request.user)
                    result["status"] = "submitted"
                except (TransitionNotAllowed, PermissionDenied) as exc:
                    result.update(status="error", errors=[{"code": "conflict", "message": str(exc)}])
                except ValidationError as exc:  # e.g. negative information without its evidence
                    result.update(status="error", errors=[{"code": "invalid", "message": " ".join(exc.messages)}])
            results.append(result)
        return Response({"results": results})


class RecordDetailView(DepartmentAPIView):
    @extend_schema(summary="按编号读取一条记录", responses={200: RecordOutSerializer, 401: ERRORS, 404: ERRORS},
                   tags=[TAG], operation_id="department_record_by_external_id")
    def get(self, request: Request, external_id: str) -> Response:
        record = selectors.department_records(request.auth.department_id).filter(intake_key=f"ext:{external_id[:100]}").first()
        if record is None:
            return Response(error_body("not_found", _("No such record of your department.")), status=404)
        audit.record_read("intake.record.viewed", actor=request.user, target=record,
                          subject_ref=str(record.archive.subject_id), request=request._request)
        return Response(RecordOutSerializer(record).data)
