"""URLs of the intake, included under the archives namespace (/staff/intake/…)."""

from __future__ import annotations

from django.urls import path

from archives.intake import views

urlpatterns = [
    path("intake/", views.upload, name="intake_upload"),
    path("intake/templates/<slug:code>.xlsx", views.template_download, name="intake_template"),
    path("intake/jobs/<uuid:job_id>/", views.job_detail, name="intake_job"),
    path("intake/jobs/<uuid:job_id>/status.json", views.job_status, name="intake_job_status"),
    path("intake/jobs/<uuid:job_id>/errors.xlsx", views.job_report, name="intake_job_report"),
]
