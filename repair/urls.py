"""URLs of the repair app, mounted once under /repair/ by credit_portal/urls.py.
No personal data in any path: records and cases are reached by their ids only."""

from __future__ import annotations

from django.urls import path

from repair import views

app_name = "repair"

urlpatterns = [
    # Citizens
    path("my/", views.my_repair, name="my_repair"),
    path("my/records/<int:record_id>/object/", views.objection_new, name="objection_new"),
    path("my/records/<int:record_id>/object/check/", views.objection_check, name="objection_check"),
    path("my/records/<int:record_id>/repair/", views.repair_new, name="repair_new"),
    path("my/records/<int:record_id>/repair/check/", views.repair_check, name="repair_check"),
    path("my/<str:kind>/<int:pk>/", views.my_case, name="my_case"),
    path("my/<str:kind>/<int:pk>/sent/", views.filed, name="filed"),
    path("my/<str:kind>/<int:pk>/rate/", views.rate, name="rate"),
    path("my/<str:kind>/<int:pk>/material/", views.add_files, name="add_files"),
    path("my/<str:kind>/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("my/objection/<int:pk>/statement/", views.statement_new, name="statement_new"),
    # Files (permission-checked, always an attachment)
    path("files/<uuid:file_id>/", views.case_file, name="case_file"),
    # Credit office
    path("office/", views.queue, name="queue"),
    path("office/ratings/", views.ratings, name="ratings"),
    path("office/closed/", views.closed_cases, name="closed_cases"),
    path("office/ratings/<int:pk>/", views.rating_follow_up, name="rating_follow_up"),
    path("cases/<str:kind>/<int:pk>/", views.case_detail, name="case"),
    path("cases/<str:kind>/<int:pk>/accept/", views.case_accept, name="case_accept"),
    path("cases/<str:kind>/<int:pk>/refuse/", views.case_refuse, name="case_refuse"),
    path("cases/<str:kind>/<int:pk>/assign/", views.case_assign, name="case_assign"),
    path("cases/<str:kind>/<int:pk>/send-back/", views.send_back, name="send_back"),
    path("cases/<str:kind>/<int:pk>/ask-for-material/", views.ask_for_material, name="ask_for_material"),
    path("cases/<str:kind>/<int:pk>/conclude/", views.case_conclude, name="case_conclude"),
    path("cases/<str:kind>/<int:pk>/concluded/", views.concluded, name="concluded"),
    # Departments
    path("department/", views.department_queue, name="department_queue"),
    path("department/objections/<int:pk>/", views.draft_answer, name="draft_answer"),
    path("department/objections/<int:pk>/sign/", views.sign_answer, name="sign_answer"),
]
