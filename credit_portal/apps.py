from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditPortalConfig(AppConfig):
    name = "credit_portal"
    verbose_name = _("Portal foundation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from credit_portal import checks, credentials, otp_device, roles, workdays

        checks.register()
        # Role groups after every migrate, the separation-of-duties guards, and the
        # working-day cache's invalidation.
        roles.connect_signals(self)
        workdays.connect_signals()
        # Sign-ins, failures, lock-outs and password changes into the audit trail.
        credentials.connect_signals()
        # A changed second-factor device ends the session's record of it (otp_device).
        otp_device.connect_signals()
        # Roles, which open the portal's pages, checked against the code and the trail
        # (manage.py verify_tables).
        from credit_portal import trail_checks
        from credit_portal.role_check import carry_forward_roles, check_roles

        trail_checks.register("roles", check_roles)
        trail_checks.register_carry_forward(carry_forward_roles)
