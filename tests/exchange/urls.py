"""Only the exchange's routes: the reliability test serves the receiving endpoint
alone, so a broken page elsewhere in the portal cannot fail it."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [path("exchange/", include("exchange.urls"))]
