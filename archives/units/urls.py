"""Staff pages of units and their responsible persons, under /staff/units/ (namespace ``units``)."""

from __future__ import annotations

from django.urls import path

from archives.units import views

app_name = "units"

urlpatterns = [
    path("", views.unit_list, name="units"),
    path("new/", views.unit_register, name="register"),
    path("<int:unit_id>/", views.unit_detail, name="unit"),
    path("<int:unit_id>/people/", views.unit_people, name="people"),
    path("people/<int:person_id>/end/", views.person_end, name="end_person"),
    path("<int:unit_id>/dishonesty/new/", views.dishonesty_propose, name="propose"),
    path("dishonesty/<int:item_id>/decide/", views.dishonesty_decide, name="decide"),
    path("dishonesty/<int:item_id>/withdraw/", views.dishonesty_withdraw, name="withdraw"),
    path("dishonesty/<int:item_id>/withdrawal/approve/", views.withdrawal_approve, name="approve_withdrawal"),
]
