from __future__ import annotations

from django.urls import path

from departments import views

app_name = "departments"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/export.xlsx", views.coverage_export, name="coverage_export"),
    path("coverage/<int:pk>/edit/", views.coverage_edit, name="coverage_edit"),
]
