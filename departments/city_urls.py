"""The credit office's view of the city (/city/) and departments' rule filings."""

from __future__ import annotations

from django.urls import path

from departments import views

app_name = "city"

urlpatterns = [
    path("", views.city, name="dashboard"),
    path("report/<int:year>/", views.yearly_report, name="report"),
    path("report/<int:year>/export.xlsx", views.yearly_report_export, name="report_export"),
    path("filings/", views.filings, name="filings"),
    path("filings/new/", views.filing_new, name="filing_new"),
    path("filings/<int:pk>/acknowledge/", views.filing_acknowledge, name="filing_acknowledge"),
    path("evaluations/", views.evaluations, name="evaluations"),
    path("evaluations/<int:year>/<slug:code>/", views.evaluation_edit, name="evaluation_edit"),
]
