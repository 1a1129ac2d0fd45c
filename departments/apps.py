from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepartmentsConfig(AppConfig):
    name = "departments"
    verbose_name = _("Departments and catalogue")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from credit_portal import otp
        from departments import catalogue_changes, scope

        # A changed role group or membership makes the access saved in sessions out of date.
        scope.connect_signals()
        # Whether a user is staff (and needs the second factor), asked on every signed-in
        # request, from that saved access rather than two queries.
        otp.use_access(roles=scope.role_names, member=scope.is_department_member)
        # The public catalogue's cached rendering is renewed after any change to what it shows.
        catalogue_changes.connect_signals()
        # Memberships, which open people's records, checked against the trail (manage.py verify_tables).
        from credit_portal import trail_checks
        from departments.access_check import carry_forward_memberships, check_memberships

        trail_checks.register("department memberships", check_memberships)
        trail_checks.register_carry_forward(carry_forward_memberships)
