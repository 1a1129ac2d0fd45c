"""URLs of the intake, included under the archives namespace (/staff/intake/…)."""

from __future__ import annotations

from django.urls import path

from archives.intake import batch_views, lists, views

urlpatterns = [
    path("intake/", views.upload, name="intake_upload"),
    path("intake/templates/<slug:code>.xlsx", views.template_download, name="intake_template"),
    path("intake/jobs/<uuid:job_id>/", views.job_detail, name="intake_job"),
    path("intake/jobs/<uuid:job_id>/status.json", views.job_status, name="intake_job_status"),
    path("intake/jobs/<uuid:job_id>/errors.xlsx", views.job_report, name="intake_job_report"),
    path("intake/archives/", lists.archive_list, name="intake_archives"),
    path("intake/archives/export.xlsx", lists.archive_export, name="intake_archives_export"),
    path("intake/findings/", batch_views.batch_list, name="intake_batches"),
    path("intake/findings/<int:batch_id>/", batch_views.batch_detail, name="intake_batch"),
    path("intake/findings/<int:batch_id>/sign/", batch_views.batch_sign, name="intake_batch_sign"),
]
