"""Admin registrations for the base app (DESIGN §8, 三权分立).

* Role groups are read-only for everyone, superusers included: roles and their
  permissions are code (``credit_portal.roles``), applied at every migrate.
* Accounts: the system administrator creates and edits them but grants nothing and
  resets no one's credentials; a new account must choose its own password at first
  sign-in. The security administrator gives roles and resets passwords and second
  factors through the services of ``credit_portal.services`` (never for themselves),
  from links on the account's page.
* The audit trail and its anchors are read-only for everyone; who may view them at all
  is the auditor's ``view_auditentry`` / ``view_auditanchor``. The auditor alone
  (``permissions.can_maintain_audit_trail``) has the maintenance page on the anchors'
  list: an on-demand anchor and the retention purge, each after a confirmation step,
  through the services the commands call.
* Lock-outs and sign-in logs (django-axes): deleting them (unlocking an account) is the
  security administrator's alone, through audited services.
* Calendar edits go through :class:`AuditedAdminMixin`, which writes each save and
  delete to the audit trail in the same transaction.
"""

# Each module registers its admins when imported; imported in the order the one module
# registered them, so the admin site's registry is what it was.
# isort: off
from credit_portal.admin import users, audit_trail, calendar, signin
# isort: on
from credit_portal.admin.base import AuditedAdminMixin

__all__ = ["AuditedAdminMixin", "audit_trail", "calendar", "signin", "users"]
