from credit_portal.admin.users import AuditedAdminMixin

__all__ = ["AuditedAdminMixin"]
