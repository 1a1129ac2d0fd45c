"""Pages of the Excel intake: templates, upload, progress, error report.

Thin views: a selector scopes, a form checks the shape, ``jobs.start_job`` does the
rest. The progress page refreshes itself (meta refresh, no script needed) and a small
JSON endpoint reports the same figures for scripts.
"""

from __future__ import annotations

import base64

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from archives.intake import conf, jobs, reader, selectors
from archives.intake.access import staff_view
from archives.intake.forms import UploadForm
from archives.intake.workbook import template_workbook
from credit_portal import audit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@require_http_methods(["GET", "POST"])
@staff_view
def upload(request: HttpRequest) -> HttpResponse:
    departments = selectors.import_departments(request.user)
    if not departments.exists():
        raise PermissionDenied
    occupations = selectors.import_occupations(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, departments=departments, occupations=occupations)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        limit = conf.number("INTAKE_MAX_UPLOAD_BYTES")
        if upload_file.size > limit:
            form.add_error("file", _("The file is larger than %(mb)s MB: split it into several files.")
                           % {"mb": f"{limit / (1024 * 1024):.0f}"})
        else:
            try:
                job = jobs.start_job(
                    data=upload_file.read(), filename=upload_file.name, department=form.cleaned_data["department"],
                    occupation=form.cleaned_data["occupation"], by=request.user, mode=form.cleaned_data["mode"],
                )
            except reader.WorkbookRefused as exc:
                form.add_error("file", exc.message)
            except PermissionDenied as exc:
                form.add_error("occupation", str(exc))
            else:
                return redirect("archives:intake_job", job_id=job.pk)
    recent = selectors.jobs_visible_to(request.user)[:10]
    return render(request, "archives/intake/upload.html",
                  {"form": form, "occupations": occupations, "recent": recent})


@require_GET
@staff_view
def template_download(request: HttpRequest, code: str) -> HttpResponse:
    occupation = selectors.import_occupations(request.user).filter(code=code).first()
    if occupation is None:
        raise Http404
    return _xlsx(template_workbook(occupation), f"template-{occupation.code}.xlsx")


def _status(job: object) -> dict[str, object]:
    from django.core.cache import cache

    progress = cache.get(jobs.progress_key(job.pk)) or {}  # type: ignore[attr-defined]
    total = progress.get("total") or job.total_rows or 0  # type: ignore[attr-defined]
    done = job.total_rows if job.is_finished else progress.get("done", 0)  # type: ignore[attr-defined]
    if job.is_finished:  # type: ignore[attr-defined]
        percent = 100
    elif "percent" in progress:
        percent = min(99, int(progress["percent"]))
    else:
        percent = min(99, int(done * 100 / total)) if total else 0
    return {
        "state": job.state, "finished": job.is_finished, "percent": percent,  # type: ignore[attr-defined]
        "phase": progress.get("phase", ""), "total": job.total_rows, "created": job.created_count,  # type: ignore[attr-defined]
        "skipped": job.skipped_count, "refused": job.error_count,  # type: ignore[attr-defined]
    }


@require_GET
@staff_view
def job_detail(request: HttpRequest, job_id: str) -> HttpResponse:
    job = selectors.get_job(request.user, job_id)
    status = _status(job)
    return render(request, "archives/intake/job.html", {
        "job": job, "status": status, "has_report": job.error_count > 0,
        "status_url": reverse("archives:intake_job_status", args=[job.pk]),
    })


@require_GET
@staff_view
def job_status(request: HttpRequest, job_id: str) -> JsonResponse:
    return JsonResponse(_status(selectors.get_job(request.user, job_id)))


@require_GET
@staff_view
def job_report(request: HttpRequest, job_id: str) -> HttpResponse:
    job = selectors.get_job(request.user, job_id)
    report = selectors.job_error_report(job)
    if not report:
        raise Http404
    audit.record_read("intake.report.downloaded", actor=request.user, target=job, request=request)
    return _xlsx(base64.b64decode(report), f"errors-{job.created_at:%Y%m%d%H%M}.xlsx")
