"""Staff pages of the listing procedure, under /staff/listings/ (namespace ``listing``)."""

from __future__ import annotations

from django.urls import path

from archives.listing import views

app_name = "listing"

urlpatterns = [
    path("", views.listing_list, name="listings"),
    path("new/<int:archive_id>/", views.listing_propose, name="propose"),
    path("<int:listing_id>/", views.listing_detail, name="listing"),
    path("<int:listing_id>/answer/", views.listing_answer, name="answer"),
    path("<int:listing_id>/decide/", views.listing_decide, name="decide"),
    path("<int:listing_id>/remove/", views.listing_remove, name="remove"),
    path("<int:listing_id>/files/<int:file_id>/", views.objection_file, name="objection_file"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/measures/<int:item_id>/", views.case_feedback, name="case_feedback"),
    path("cases/<int:case_id>/corrected/", views.case_corrected, name="case_corrected"),
]
