"""URLs of the credit levels, included under the archives namespace (/staff/levels/…)."""

from __future__ import annotations

from django.urls import path

from archives.levels import views

urlpatterns = [
    path("levels/", views.level_list, name="levels"),
    path("levels/rules/", views.rule_list, name="level_rules"),
    path("levels/rules/new/", views.rule_new, name="level_rule_new"),
    path("levels/rules/<int:rule_id>/retire/", views.rule_retire, name="level_rule_retire"),
    path("levels/points/", views.point_rule_list, name="point_rules"),
    path("levels/points/new/", views.point_rule_new, name="point_rule_new"),
    path("levels/points/<int:rule_id>/edit/", views.point_rule_edit, name="point_rule_edit"),
    path("levels/points/<int:rule_id>/retire/", views.point_rule_retire, name="point_rule_retire"),
]
