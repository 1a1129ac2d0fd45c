from __future__ import annotations

from django.urls import path

from departments import views

app_name = "departments"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
]
