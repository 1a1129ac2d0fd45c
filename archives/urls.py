from __future__ import annotations

from django.urls import path

from archives import views
from archives.intake.urls import urlpatterns as intake_urlpatterns

app_name = "archives"

# No ID number, phone or name ever appears in these paths or in a query string: people
# are reached by their opaque subject id, searches are POSTs (DESIGN §8).
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("subjects/find/", views.find_subject, name="find_subject"),
    path("subjects/new/", views.register_person, name="register_person"),
    path("subjects/<uuid:subject_id>/", views.subject_detail, name="subject"),
    path("subjects/<uuid:subject_id>/edit/", views.subject_edit, name="subject_edit"),
    path("subjects/<uuid:subject_id>/archives/new/", views.archive_open, name="archive_open"),
    path("archives/<int:archive_id>/", views.archive_detail, name="archive"),
    path("archives/<int:archive_id>/show/", views.archive_reveal, name="archive_reveal"),
    path("archives/<int:archive_id>/edit/", views.archive_edit, name="archive_edit"),
    path("archives/<int:archive_id>/close/", views.archive_close, name="archive_close"),
    path("archives/<int:archive_id>/print/", views.archive_print, name="archive_print"),
    path("archives/<int:archive_id>/export.xlsx", views.archive_export, name="archive_export"),
    path("archives/<int:archive_id>/records/new/", views.record_new, name="record_new"),
    path("archives/<int:archive_id>/findings/new/", views.finding_new, name="finding_new"),
    path("records/<int:record_id>/", views.record_detail, name="record"),
    path("records/<int:record_id>/edit/", views.record_edit, name="record_edit"),
    path("records/<int:record_id>/submit/", views.record_submit, name="record_submit"),
    path("records/<int:record_id>/evidence/", views.record_evidence, name="record_evidence"),
    path("records/<int:record_id>/review/", views.record_review, name="record_review"),
    path("records/<int:record_id>/publish/", views.record_publish, name="record_publish"),
    path("records/<int:record_id>/published/", views.record_published, name="record_published"),
    path("records/<int:record_id>/return/", views.record_return, name="record_return"),
    path("records/<int:record_id>/correct/", views.record_correct, name="record_correct"),
    path("records/<int:record_id>/withdraw/", views.record_withdraw, name="record_withdraw"),
    path("records/<int:record_id>/delete/", views.record_delete, name="record_delete"),
    path("changes/<int:change_id>/", views.change_detail, name="change"),
    path("changes/<int:change_id>/approve/", views.change_approve, name="change_approve"),
    path("changes/<int:change_id>/reject/", views.change_reject, name="change_reject"),
    path("changes/<int:change_id>/cancel/", views.change_cancel, name="change_cancel"),
    path("changes/<int:change_id>/evidence/", views.change_evidence, name="change_evidence"),
    path("findings/<int:finding_id>/", views.finding_detail, name="finding"),
    path("findings/<int:finding_id>/evidence/", views.finding_evidence, name="finding_evidence"),
    path("findings/<int:finding_id>/sign/", views.finding_sign, name="finding_sign"),
    path("findings/<int:finding_id>/delete/", views.finding_delete, name="finding_delete"),
    path("findings/<int:finding_id>/signed/", views.finding_signed, name="finding_signed"),
    path("evidence/<uuid:evidence_id>/", views.evidence_download, name="evidence_download"),
    path("evidence/<uuid:evidence_id>/delete/", views.evidence_delete, name="evidence_delete"),
    path("mine/", views.my_items, name="my_items"),
    path("review/", views.review_queue, name="review_queue"),
    path("overdue/", views.overdue_list, name="overdue"),
    *intake_urlpatterns,
]
