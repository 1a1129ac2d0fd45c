"""Credit report pages: the report (HTML, PDF) for its readers, and the public
genuineness check."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from credit_portal import audit
from credit_portal.fragments import fragment_context
from credit_portal.replica import reads_from_replica
from disclosure import forms, selectors
from disclosure.services.report_retention import lawfully_purged, purged_message
from disclosure.services.reports import content_intact, verification_code
from disclosure.services.verification import altered_message, issued_facts
from disclosure.services.verification import verify_report as verify_report_service
from disclosure.views.common import signed_in_view


class _Altered(Exception):
    pass


def _read(request: HttpRequest, number: str):  # -> CreditReport
    report = selectors.get_report_for(request.user, number)
    if lawfully_purged(report):  # deleted after the 5-year retention (sealed; else it reads as altered)
        raise _Altered(purged_message(report))
    # What the page or the PDF would show must be what was issued (the digest recomputed).
    if not content_intact(report, request=request):
        raise _Altered
    audit.record_read(
        "disclosure.report.viewed", target=report, subject_ref=str(report.subject_id), request=request
    )
    return report


def _altered(request: HttpRequest, exc: _Altered | None = None) -> HttpResponse:
    purged = bool(exc and exc.args)
    return render(request, "disclosure/message.html", {
        "title": _("This report cannot be shown"), "text": exc.args[0] if purged else altered_message(),
    }, status=410 if purged else 409)


@signed_in_view
@reads_from_replica
def report(request: HttpRequest, number: str) -> HttpResponse:
    """The report for the institution it was issued to and for the person it is about;
    404 for everyone else."""
    try:
        item = _read(request, number)
    except _Altered as exc:
        return _altered(request, exc)
    # A report is frozen when issued: its number and digest name its whole content.
    return render(request, "disclosure/report.html", {
        "report": item, "content": item.content, "verification_code": verification_code(item),
        **fragment_context(request, "report", item.number, item.digest),
    })


@signed_in_view
@reads_from_replica
def report_pdf(request: HttpRequest, number: str) -> HttpResponse:
    from disclosure.pdf import render_report_pdf

    try:
        item = _read(request, number)
    except _Altered as exc:
        return _altered(request, exc)
    verify_url = request.build_absolute_uri(reverse("disclosure:verify_report")) + "?" + urlencode({"number": item.number})
    response = HttpResponse(render_report_pdf(item, verify_url=verify_url), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="credit-report-{item.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@reads_from_replica
def verify_report(request: HttpRequest) -> HttpResponse:
    """Anyone holding a report checks it: with the number and the code the page shows
    the frozen report as issued (the same rendering as the report page), its recipient,
    purpose and counts, so an edited copy differs visibly. The QR code on the PDF
    links here with the number filled in (never the code)."""
    initial = {"number": request.GET.get("number", "")[:30]} if request.method == "GET" else None
    form = forms.VerifyReportForm(request.POST or None, initial=initial)
    result = None
    cached: dict[str, object] = {}
    if request.method == "POST" and form.is_valid():
        checked = verify_report_service(
            form.cleaned_data["number"], form.cleaned_data["code"], request=request, channel="web"
        )
        for name, message in checked.errors.items():
            form.add_error(name, message)
        if not checked.errors and not checked.genuine:
            form.add_error(None, checked.message)
        if checked.report is not None:
            result = {"report": checked.report, "content": checked.report.content, **issued_facts(checked.report)}
            # Rendered only after the number and code matched; frozen, so its number and
            # digest name the whole content (as on the report page).
            cached = fragment_context(request, "verified-report", checked.report.number, checked.report.digest)
    return render(request, "disclosure/verify_report.html", {"form": form, "result": result, **cached})
