"""URLs of the disclosure app, included once at the root by credit_portal/urls.py."""

from __future__ import annotations

from django.urls import path

from disclosure import api
from disclosure.views import api_keys, citizen, institution, listings, passwords, public, reports

app_name = "disclosure"

urlpatterns = [
    # Citizens
    path("register/", citizen.register, name="register"),
    path("register/verify/", citizen.register_verify, name="register_verify"),
    path("register/sso/", citizen.oidc_start, name="oidc_start"),
    path("register/sso/callback/", citizen.oidc_callback, name="oidc_callback"),
    path("password-reset/", passwords.password_reset, name="password_reset"),
    path("password-reset/verify/", passwords.password_reset_verify, name="password_reset_verify"),
    path("my/", citizen.my_home, name="my_home"),
    path("my/archives/<int:archive_id>/", citizen.my_archive, name="my_archive"),
    path("my/findings/", citizen.my_findings, name="my_findings"),
    path("my/notices/", citizen.my_notices, name="my_notices"),
    path("my/queries/", citizen.my_queries, name="my_queries"),
    path("my/report/", citizen.my_report, name="my_report"),
    path("my/reports/", citizen.my_reports, name="my_reports"),
    path("my/listings/", listings.my_listings, name="my_listings"),
    path("my/listings/<int:listing_id>/", listings.my_listing, name="my_listing"),
    path("my/authorizations/", citizen.my_authorizations, name="my_authorizations"),
    path("my/authorizations/new/", citizen.authorization_new, name="authorization_new"),
    path("my/authorizations/new/check/", citizen.authorization_check, name="authorization_check"),
    path("my/authorizations/<uuid:pk>/", citizen.authorization_detail, name="authorization_detail"),
    path("my/authorizations/<uuid:pk>/granted/", citizen.authorization_granted, name="authorization_granted"),
    path("my/authorizations/<uuid:pk>/receipt/", citizen.authorization_receipt, name="authorization_receipt"),
    path("my/authorizations/<uuid:pk>/receipt.json", citizen.authorization_receipt_json, name="authorization_receipt_json"),
    path("my/authorizations/<uuid:pk>/revoke/", citizen.authorization_revoke, name="authorization_revoke"),
    path("my/authorizations/<uuid:pk>/revoked/", citizen.authorization_revoked, name="authorization_revoked"),
    path("my/authorizations/<uuid:pk>/approve/", citizen.authorization_approve, name="authorization_approve"),
    # Institutions
    path("institution/", institution.institution_home, name="institution_home"),
    path("institution/query/", institution.institution_query, name="institution_query"),
    path("institution/request/", institution.institution_request, name="institution_request"),
    # Institutions' API keys (credit office)
    path("institution-keys/", api_keys.api_keys, name="api_keys"),
    path("institution-keys/issued/", api_keys.api_key_issued, name="api_key_issued"),
    path("institution-keys/<str:prefix>/revoke/", api_keys.api_key_revoke, name="api_key_revoke"),
    # Reports
    path("reports/verify/", reports.verify_report, name="verify_report"),
    path("reports/<str:number>/", reports.report, name="report"),
    path("reports/<str:number>/pdf/", reports.report_pdf, name="report_pdf"),
    # Public lists
    path("public/dishonesty/", public.dishonesty_list, name="dishonesty_list"),
    path("public/honours/", public.honour_list, name="honour_list"),
    # API
    path("api/disclosure/queries/", api.QueryView.as_view(), name="api_query"),
    path("api/disclosure/reports/verify/", api.VerifyView.as_view(), name="api_verify"),
    path("api/disclosure/reports/<str:number>/", api.ReportView.as_view(), name="api_report"),
]
