from __future__ import annotations

from django.urls import path

from exchange import views

app_name = "exchange"

urlpatterns = [
    path("receive/", views.receive, name="receive"),
    path("operations/", views.operations, name="operations"),
    path("operations/requeue/", views.requeue, name="requeue"),
]
