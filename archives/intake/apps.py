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
