from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosureConfig(AppConfig):
    name = "disclosure"
    verbose_name = _("Disclosure")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Queries by purpose in the credit office's city figures (credit_portal.statistics).
        from credit_portal import statistics as city
        from disclosure import statistics

        city.register_series(statistics.series)
        city.register_figures(statistics.figures)
