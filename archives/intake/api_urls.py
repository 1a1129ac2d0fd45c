"""URLs of the department-system API (mounted at /api/departments/v1/)."""

from __future__ import annotations

from django.urls import path

from archives.intake import api

urlpatterns = [
    path("records/", api.RecordsView.as_view(), name="intake-api-records"),
    path("records/submit/", api.SubmitView.as_view(), name="intake-api-submit"),
    path("records/<str:external_id>/", api.RecordDetailView.as_view(), name="intake-api-record"),
]
