"""The portal's roles (DESIGN §1, §8) as Django groups.

Department clerk and reviewer are also tied to a department through
``departments.Membership``; the group grants the model permissions, the membership
grants the scope. Separation of duties (三权分立): the system administrator manages
accounts, the security administrator manages roles and security settings, the audit
administrator (auditor) reads the trail; no role combines account administration with
reading or editing the audit trail.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DEPARTMENT_CLERK = "department_clerk", _("department clerk")
    DEPARTMENT_REVIEWER = "department_reviewer", _("department reviewer")
    CREDIT_OFFICE = "credit_office", _("credit office staff")
    AUDITOR = "auditor", _("auditor")
    SECURITY_ADMIN = "security_admin", _("security administrator")
    SYSTEM_ADMIN = "system_admin", _("system administrator")
    CITIZEN = "citizen", _("citizen")
    INSTITUTION = "institution", _("querying institution")
