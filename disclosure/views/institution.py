"""Pages for querying institutions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from credit_portal.forms import add_errors
from disclosure import forms, selectors
from disclosure.models import Institution, QueryLog
from disclosure.services import authorizations as auth_services
from disclosure.services import queries
from disclosure.views.common import institution_view


@institution_view
def institution_home(request: HttpRequest, institution: Institution) -> HttpResponse:
    page = Paginator(selectors.institution_queries(institution), 50).get_page(request.GET.get("page"))
    return render(request, "disclosure/institution_home.html", {
        "institution": institution, "page_obj": page, "entries": list(page.object_list),
    })


@institution_view
@require_http_methods(["GET", "POST"])
def institution_query(request: HttpRequest, institution: Institution) -> HttpResponse:
    """Query with the person's name, ID number, code and purpose. The ID number is
    POSTed, never put in a URL; on success the report page opens."""
    form = forms.QueryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = queries.query_record(
                by=request.user, name=data["name"], id_number=data["id_number"], code=data["code"],
                purpose=data["purpose"], purpose_other=data.get("purpose_other", ""),
                channel=QueryLog.Channel.WEB, request=request,
            )
        except queries.QueryRefused as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("disclosure:report", number=result.report.number)
    return render(request, "disclosure/institution_query.html", {"institution": institution, "form": form})


@institution_view
@require_http_methods(["GET", "POST"])
def institution_request(request: HttpRequest, institution: Institution) -> HttpResponse:
    """Ask a person for an authorization; the same answer whether or not they exist."""
    form = forms.RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            terms = auth_services.check_terms(
                None, grantee=institution, purpose=data["purpose"], purpose_other=data.get("purpose_other", ""),
                categories=data["categories"], days=data["days"], max_uses=data["max_uses"],
            )
            _authorization, code = auth_services.request_authorization(
                by=request.user, name=data["name"], id_number=data["id_number"], terms=terms, request=request
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except PermissionDenied:
            raise
        else:
            messages.success(request, _("Request sent."))
            return render(request, "disclosure/institution_requested.html", {"institution": institution, "code": code})
    return render(request, "disclosure/institution_request.html", {"institution": institution, "form": form})
