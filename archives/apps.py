from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchivesConfig(AppConfig):
    name = "archives"
    verbose_name = _("Credit archives")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The credit office's city figures are shown by departments' pages, which may not
        # import archives (DESIGN §2); archives registers its share instead.
        from archives import statistics
        from credit_portal import statistics as city

        city.register_coverage(statistics.coverage)
        city.register_series(statistics.series)
        city.register_figures(statistics.figures)
        # Which finding is current (the seal does not say), checked against the trail
        # (manage.py verify_tables).
        from archives.findings_check import carry_forward_findings, check_findings
        from credit_portal import trail_checks

        trail_checks.register("yearly findings", check_findings)
        trail_checks.register_bulk_carry(carry_forward_findings)
