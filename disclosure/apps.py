from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# ``User.institution_staff`` with its institution.
STAFF_WITH_INSTITUTION = "institution_staff__institution"


class DisclosureConfig(AppConfig):
    name = "disclosure"
    verbose_name = _("Disclosure")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Queries by purpose in the credit office's city figures (credit_portal.statistics).
        from credit_portal import statistics as city
        from credit_portal.models import USER_READ_WITH
        from disclosure import statistics

        # The institution a staff member queries for, read with the signed-in user
        # (``selectors.acting_institution``): one statement less on every institution page.
        if STAFF_WITH_INSTITUTION not in USER_READ_WITH:
            USER_READ_WITH.append(STAFF_WITH_INSTITUTION)

        from archives import hooks
        from credit_portal import trail_checks
        from disclosure.services.log_check import carry_forward_query_logs, check_query_logs
        from disclosure.services.report_retention import purge_expired_content

        # The stored reports quoting negative information the 5-year purge deletes.
        hooks.register_retention_purged(purge_expired_content)
        # The query log people read, checked against the trail (manage.py verify_tables).
        trail_checks.register("query log", check_query_logs)
        trail_checks.register_bulk_carry(carry_forward_query_logs)
        city.register_series(statistics.series)
        city.register_figures(statistics.figures)
