from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepairConfig(AppConfig):
    name = "repair"
    verbose_name = _("Objections and repair")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Personal statements (本人声明, DESIGN §7) are shown wherever records are: the
        # archives page and disclosure's reports ask archives' registry, so neither
        # imports repair (DESIGN §2: dependencies point one way).
        from archives import annotations
        from repair.selectors import personal_statement_of_record, personal_statements_for, personal_statements_stamp

        annotations.register_statement_provider(personal_statements_for)
        annotations.register_statement_expression(personal_statement_of_record)
        annotations.register_stamp_provider("statements", personal_statements_stamp)

        # Deadlines met, in the credit office's city figures (credit_portal.statistics).
        from credit_portal import statistics as city
        from repair import statistics

        city.register_series(statistics.series)
        city.register_figures(statistics.figures)

        # Open cases' deadlines counted again when a year's official holidays are entered.
        from credit_portal import workdays
        from repair import case_check
        from repair.services.common import open_deadlines

        workdays.register_deadlines(case_check.DEADLINE_SOURCE, open_deadlines)

        # Cases (state, outcome, record, owner, deadlines, timeline) checked against the
        # trail (manage.py verify_tables), carried past its retention, and their deletion
        # with their record by the 5-year purge recorded.
        from django.db.models.signals import pre_delete

        from credit_portal import trail_checks
        from repair.models import Objection, RepairApplication

        trail_checks.register("repair cases", case_check.check_cases)
        trail_checks.register_bulk_carry(case_check.carry_forward_concluded_cases)
        trail_checks.register_carry_forward(case_check.carry_forward_open_cases)
        for model in (Objection, RepairApplication):
            pre_delete.connect(case_check.record_deleted, sender=model, dispatch_uid=f"repair.case_check.{model.__name__}")
