from __future__ import annotations

from django.apps import AppConfig


class IntakeConfig(AppConfig):
    """Bulk intake of archives (Excel uploads, department systems' API), department
    lists and exports, batch yearly findings. Part of the archives layer: writes go
    through ``archives.services``; its own tables live under the label ``intake``."""

    name = "archives.intake"
    label = "intake"
    verbose_name = "Intake"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A department system's service account is a clerk of its department; systems
        # issued before that membership had its own audit entry are vouched for by the
        # system's (departments.access_check, manage.py verify_tables).
        from archives.intake.systems import issued_memberships
        from departments.access_check import register_grant_source

        register_grant_source(issued_memberships)
