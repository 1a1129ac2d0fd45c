from __future__ import annotations

from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from credit_portal import api_docs, credentials, otp, views

# The admin's own titles read "Django 管理" otherwise.
admin.site.site_header = _("Credit archive portal administration")
admin.site.site_title = _("Credit archive portal administration")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("elderly-mode/", views.toggle_elderly_mode, name="elderly_mode"),
    path("session/keep-alive/", views.session_keep_alive, name="session_keep_alive"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Grouped by prefix, as disclosure/urls.py says why: one try for the group.
    path("accounts/", include([
        path("login/", views.LoginView.as_view(), name="login"),
        path("otp/", otp.verify, name="otp_verify"),
        path("otp/setup/", otp.setup, name="otp_setup"),
        path("password/renew/", credentials.renew_password, name="password_renew"),
        path("logout/", views.LogoutView.as_view(), name="logout"),
        path("password/", views.PasswordChangeView.as_view(), name="password_change"),
        path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    ])),
    path("catalogue/", include("departments.urls")),
    path("city/", include("departments.city_urls")),
    path("staff/listings/", include("archives.listing.urls")),
    path("staff/units/", include("archives.units.urls")),
    path("staff/", include("archives.urls")),
    path("exchange/", include("exchange.urls")),
    path("repair/", include("repair.urls")),
    path("", include("disclosure.urls")),
    path("admin/", admin.site.urls),
    path("api/departments/v1/", include("archives.intake.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI sets inline style attributes from its own (local, 'self') script: allow
    # inline styles on this page only; scripts stay 'self' (the split view has no inline script).
    # The documentation in Chinese, from the live schema (credit_portal/api_docs.py).
    path("api/docs/", api_docs.api_docs, name="api-docs"),
    path(
        "api/docs/interactive/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs-interactive",
    ),
]

handler400 = "credit_portal.views.bad_request"
