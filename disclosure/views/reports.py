"""Credit report pages: the report (HTML, PDF) for its readers, and the public
genuineness check (issue 5 deliverable 5)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from credit_portal import audit, ratelimit
from disclosure import conf, forms, selectors
from disclosure.masking import mask_name
from disclosure.services.reports import check_report, verification_code
from disclosure.views.common import signed_in_view


def _read(request: HttpRequest, number: str):  # -> CreditReport
    report = selectors.get_report_for(request.user, number)
    audit.record_read(
        "disclosure.report.viewed", target=report, subject_ref=str(report.subject_id), request=request
    )
    return report


@signed_in_view
def report(request: HttpRequest, number: str) -> HttpResponse:
    """The report for the institution it was issued to and for the person it is about;
    404 for everyone else."""
    item = _read(request, number)
    return render(request, "disclosure/report.html", {
        "report": item, "content": item.content, "verification_code": verification_code(item),
    })


@signed_in_view
def report_pdf(request: HttpRequest, number: str) -> HttpResponse:
    from disclosure.pdf import render_report_pdf

    item = _read(request, number)
    response = HttpResponse(render_report_pdf(item), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="credit-report-{item.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def verify_report(request: HttpRequest) -> HttpResponse:
    """Anyone holding a report checks it is genuine: issue date, masked subject and
    digest, never the contents. Rate-limited per client IP (guessing codes)."""
    form = forms.VerifyReportForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        if not ratelimit.hit_ip(
            request, "report-verify", limit=conf.get("DISCLOSURE_VERIFY_PER_IP_WINDOW"),
            window=conf.get("DISCLOSURE_VERIFY_WINDOW_SECONDS"),
        ):
            form.add_error(None, _("Too many checks from your network. Try again in 10 minutes."))
        else:
            found = check_report(form.cleaned_data["number"], form.cleaned_data["code"])
            audit.record_read(
                "disclosure.report.verified", target=found, subject_ref=str(found.subject_id) if found else "",
                detail={"genuine": found is not None}, request=request,
            )
            if found is None:
                form.add_error(None, _("No report matches this number and verification code. Check both."))
            else:
                result = {
                    "number": found.number, "issued_at": found.issued_at, "digest": found.digest,
                    "subject": f"{mask_name(found.subject.name)}（{found.subject.id_number_masked}）",
                    "kind": found.get_kind_display(),
                }
    return render(request, "disclosure/verify_report.html", {"form": form, "result": result})
