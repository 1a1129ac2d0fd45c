"""URLs with i18n_patterns, for tests/credit_portal/test_locale_middleware.py only."""

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.urls import path

urlpatterns = i18n_patterns(path("page/", lambda request: HttpResponse(b"ok")))
