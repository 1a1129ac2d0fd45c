"""The department's archive list with filters and its .xlsx export (001 §三(五) for
"overdue"). The clerk's own drafts, submitted and returned records, imported ones
included, are on the archives "my items" page.

Filters travel in the query string: they are occupations, unit names, states and
years, never a person's name or ID number (DESIGN §8). Scope is the archives
selector's (``archives_visible_to``); the list never decrypts (masked ID numbers).
"""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from archives.intake.access import staff_view
from archives.models import AnnualFinding, Archive, CreditRecord
from archives.overdue import overdue_condition
from archives.selectors import archives_visible_to
from credit_portal import audit
from credit_portal.forms import GovukFormMixin
from departments.models import Occupation

if TYPE_CHECKING:
    from credit_portal.models import User

PAGE_SIZE = 50
YES_NO = [("", gettext_lazy("Any")), ("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


class ArchiveFilterForm(GovukFormMixin, forms.Form):
    occupation = forms.ModelChoiceField(queryset=Occupation.objects.none(), required=False,
                                        label=gettext_lazy("Occupation"), empty_label=gettext_lazy("Any"))
    employer = forms.CharField(required=False, max_length=100, label=gettext_lazy("Employer contains"))
    state = forms.ChoiceField(choices=[("", gettext_lazy("Any")), *Archive.State.choices], required=False,
                              label=gettext_lazy("State"))
    negative = forms.ChoiceField(choices=YES_NO, required=False, label=gettext_lazy("Has negative records"))
    finding_year = forms.IntegerField(required=False, min_value=1990, max_value=2100,
                                      label=gettext_lazy("Has a signed finding for the year"))
    overdue = forms.ChoiceField(choices=YES_NO, required=False, label=gettext_lazy("Overdue for update"))

    def __init__(self, *args: Any, occupations: QuerySet[Occupation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occupation"].queryset = occupations


def department_archives(user: User, filters: dict[str, Any]) -> QuerySet[Archive]:
    """Archives ``user`` may see, filtered, with "has negative records" in the same query.

    Negative means current, published negative information (what the subject's
    credit status rests on); drafts are not facts yet.
    """
    negative = CreditRecord.objects.filter(
        archive_id=OuterRef("pk"), is_current=True, state=CreditRecord.State.PUBLISHED,
        polarity=CreditRecord.Polarity.NEGATIVE,
    )
    # The cadence rule lives in archives.overdue (catalogue data, 001 §三(五)): read once.
    overdue = overdue_condition()
    qs = archives_visible_to(user).annotate(has_negative=Exists(negative), is_overdue=_overdue_q_annotation(overdue))
    if filters.get("occupation"):
        qs = qs.filter(occupation=filters["occupation"])
    if filters.get("employer"):
        qs = qs.filter(employer__icontains=filters["employer"])
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("negative") in {"yes", "no"}:
        qs = qs.filter(has_negative=filters["negative"] == "yes")
    if filters.get("finding_year"):
        qs = qs.filter(Exists(AnnualFinding.objects.filter(
            archive_id=OuterRef("pk"), year=filters["finding_year"], is_current=True, state=AnnualFinding.State.SIGNED,
        )))
    if filters.get("overdue") == "yes":
        qs = qs.filter(overdue)
    elif filters.get("overdue") == "no":
        qs = qs.exclude(overdue)
    return qs.order_by("occupation__sort_order", "employer", "subject__name", "pk")


def _overdue_q_annotation(overdue: Q):  # type: ignore[no-untyped-def]
    from django.db.models import BooleanField, Case, Value, When

    return Case(When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField())


def _filters(request: HttpRequest) -> tuple[ArchiveFilterForm, dict[str, Any]]:
    occupations = Occupation.objects.filter(id__in=archives_visible_to(request.user).values("occupation_id"))
    form = ArchiveFilterForm(request.GET or None, occupations=occupations.order_by("sort_order"))
    # An invalid filter is shown with its error; the valid ones still apply.
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        filters = form.cleaned_data
    return form, filters


@require_GET
@staff_view
def archive_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    page = Paginator(department_archives(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "archives/intake/archive_list.html",
                  {"form": form, "page": page, "export_query": query.urlencode()})


HEADERS = ("Name", "ID number", "Occupation", "Employer", "Post", "Department", "State", "Has negative records",
           "Overdue for update", "Last updated", "Opened")


@require_GET
@staff_view
def archive_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as .xlsx, written in openpyxl's write-only mode (constant
    memory for any size): real date cells, frozen header, autofilter. ID numbers stay
    masked: the file leaves the system."""
    _form, filters = _filters(request)
    archives = department_archives(request.user, filters)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Archives"))
    sheet.freeze_panes = "A2"
    for index, width in enumerate((10, 20, 14, 28, 12, 16, 8, 10, 10, 12, 12)):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    bold = Font(bold=True)
    header = []
    for text in HEADERS:
        cell = WriteOnlyCell(sheet, value=_(text))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    yes, no = _("Yes"), _("No")
    for archive in archives.iterator(chunk_size=2000):
        count += 1
        values: list[object] = [
            archive.subject.name, archive.subject.id_number_masked, archive.occupation.name, archive.employer,
            archive.post, archive.department.display_name, archive.get_state_display(),
            yes if archive.has_negative else no, yes if archive.is_overdue else no,
            timezone.localtime(archive.last_updated_at).date(), timezone.localtime(archive.created_at).date(),
        ]
        row = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # typed text is never a formula
            elif value is not None and hasattr(value, "isoformat"):
                cell.number_format = "yyyy-mm-dd"
            row.append(cell)
        sheet.append(row)
    sheet.auto_filter.ref = f"A1:K{count + 1}"
    audit.record("intake.archives.exported", actor=request.user, detail={"rows": count}, request=request)
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename=archives-{timezone.localdate():%Y%m%d}.xlsx"
    return response
