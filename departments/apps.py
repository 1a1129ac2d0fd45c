from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepartmentsConfig(AppConfig):
    name = "departments"
    verbose_name = _("Departments and catalogue")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from departments import scope

        # A changed role group or membership makes the access saved in sessions out of date.
        scope.connect_signals()
