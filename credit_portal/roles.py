"""The portal's roles (DESIGN §1, §8) as Django groups.

Department clerk and reviewer are also tied to a department through
``departments.Membership``; the group grants the model permissions, the membership
grants the scope. Separation of duties (三权分立): the system administrator manages
accounts, the security administrator manages roles and security settings, the audit
administrator (auditor) reads the trail; no role combines account administration with
reading or editing the audit trail.

The groups and their permissions are data in this module (``ROLE_PERMISSIONS``),
applied by ``sync_role_groups()`` after every ``migrate``. A role group's permissions
are exactly what is declared here: an edit in the admin is undone by the next
migrate, so change this module instead. A new app adds its permissions here; a
permission whose model does not exist yet is skipped (logged at debug) and picked up
by the first migrate after its model arrives.

Separation of duties is enforced three ways: ``ROLE_PERMISSIONS`` itself (tested),
``FORBIDDEN_PERMISSIONS`` checked whenever a permission is added to a role group, and
``CONFLICTING_ROLES`` checked whenever a user is added to a role group (等保2.0 三权分立:
GB/T 22239-2019 8.1.4.2 access control, 8.1.10.x 集中管控; DESIGN §8).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from credit_portal.models import User

logger = logging.getLogger(__name__)


class Role(models.TextChoices):
    DEPARTMENT_CLERK = "department_clerk", _("department clerk")
    DEPARTMENT_REVIEWER = "department_reviewer", _("department reviewer")
    CREDIT_OFFICE = "credit_office", _("credit office staff")
    AUDITOR = "auditor", _("auditor")
    SECURITY_ADMIN = "security_admin", _("security administrator")
    SYSTEM_ADMIN = "system_admin", _("system administrator")
    CITIZEN = "citizen", _("citizen")
    INSTITUTION = "institution", _("querying institution")


def _perms(app_label: str, actions: Iterable[str], model_names: Iterable[str]) -> frozenset[str]:
    actions = tuple(actions)
    return frozenset(f"{app_label}.{action}_{model}" for model in model_names for action in actions)


CATALOGUE_MODELS = (
    "department",
    "domain",
    "recordcategory",
    "occupation",
    "occupationdepartment",
    "occupationcategory",
)

# Reading the trail (and, once disclosure adds them, the query logs) is the auditor's
# alone. change/delete never exist for AuditEntry (default_permissions = ("view",));
# they are listed so that no one can be given them if they ever did.
AUDIT_PERMISSIONS = frozenset(
    {
        "credit_portal.view_auditentry", "credit_portal.change_auditentry", "credit_portal.delete_auditentry",
        "credit_portal.purge_auditentry", "credit_portal.view_auditanchor",
        "disclosure.view_querylog", "disclosure.change_querylog", "disclosure.delete_querylog",
    }
)
USER_ADMIN_PERMISSIONS = frozenset({"credit_portal.add_user", "credit_portal.change_user", "credit_portal.delete_user"})
# Roles are code (ROLE_PERMISSIONS): nobody edits a group, in the admin or elsewhere.
GROUP_EDIT_PERMISSIONS = frozenset({"auth.add_group", "auth.change_group", "auth.delete_group"})
ROLE_ADMIN_PERMISSIONS = (
    GROUP_EDIT_PERMISSIONS
    | {"credit_portal.assign_role", "credit_portal.reset_credentials"}
    | _perms("departments", ("add", "change", "delete"), ["membership"])
)
# Whoever could create or alter an authenticator device could sign in as its owner.
DEVICE_EDIT_PERMISSIONS = _perms("otp_totp", ("add", "change", "delete"), ["totpdevice"])

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    # Clerks and reviewers file their department's rules with the credit office (001 §五).
    Role.DEPARTMENT_CLERK: _perms("departments", ("view",), CATALOGUE_MODELS) | {"departments.add_rulefiling"},
    Role.DEPARTMENT_REVIEWER: _perms("departments", ("view",), CATALOGUE_MODELS) | {"departments.add_rulefiling"},
    # The credit office keeps the catalogue (DESIGN §4: the catalogue is data "editable by the
    # credit office"): adds and edits entries, removes mappings; departments and
    # categories are retired with is_active, never deleted. It also extends the
    # working-day calendar each year (DESIGN §7).
    Role.CREDIT_OFFICE: (
        _perms("departments", ("view", "add", "change"), CATALOGUE_MODELS)
        | _perms("departments", ("delete",), ["occupationdepartment", "occupationcategory"])
        | {"departments.view_coverageentry", "departments.change_coverageentry", "departments.view_membership"}
        # Filings of departments' rules are acknowledged, and departments evaluated each
        # year, by the credit office (001 §五; 002 §三1; 004 item 30).
        | {"departments.view_rulefiling", "departments.change_rulefiling"}
        | _perms("departments", ("view", "add", "change"), ["departmentevaluation"])
        | _perms("credit_portal", ("view", "add", "change", "delete"), ["calendarday"])
        # The platform exchange: watch delivery, requeue failed events.
        | {"exchange.view_outboxevent", "exchange.change_outboxevent"}
        | _perms("exchange", ("view",), ["municipalplatform", "platformdelivery", "platformledgerentry"])
        # Institutions are registered by the credit office.
        | _perms("disclosure", ("view", "add", "change"), ["institution", "institutionstaff"])
        # Deadlines of objections and repair are configurable data (DESIGN §7).
        | _perms("repair", ("view", "change"), ["deadlinerule"])
        | _perms("archives", ("view", "change"), ["displayrule"])
    ),
    # The audit administrator: reads the trail and the anchors, runs the retention purge.
    Role.AUDITOR: frozenset(
        {"credit_portal.view_auditentry", "credit_portal.view_auditanchor", "credit_portal.purge_auditentry",
         "disclosure.view_querylog"}
    ),
    # Roles and security settings: who holds which role and department membership (through
    # the services, never for themselves), lock-outs, resets of others' passwords and
    # second factors. Seeing accounts (to pick whom to grant a role) but not creating them;
    # seeing groups but not editing them (roles are code).
    Role.SECURITY_ADMIN: (
        _perms("departments", ("view", "add", "delete"), ["membership"])
        | {"auth.view_group", "credit_portal.view_user", "credit_portal.assign_role", "credit_portal.reset_credentials"}
        | {"credit_portal.view_enrolmentcode"}
        | _perms("axes", ("view", "delete"), ["accessattempt", "accesslog", "accessfailurelog"])
        | _perms("otp_totp", ("view",), ["totpdevice"])
    ),
    Role.SYSTEM_ADMIN: (
        _perms("credit_portal", ("view", "add", "change"), ["user"])
        | _perms("credit_portal", ("view", "add", "change", "delete"), ["calendarday"])
    ),
    Role.CITIZEN: frozenset(),
    Role.INSTITUTION: frozenset(),
}

# What each role may never hold, whatever is declared above or clicked in the admin.
FORBIDDEN_PERMISSIONS: dict[str, frozenset[str]] = {
    role: AUDIT_PERMISSIONS for role in Role.values if role != Role.AUDITOR
}
FORBIDDEN_PERMISSIONS[Role.AUDITOR] = USER_ADMIN_PERMISSIONS | ROLE_ADMIN_PERMISSIONS | {
    "credit_portal.change_auditentry", "credit_portal.delete_auditentry",
}
FORBIDDEN_PERMISSIONS[Role.SECURITY_ADMIN] = (
    AUDIT_PERMISSIONS | GROUP_EDIT_PERMISSIONS | DEVICE_EDIT_PERMISSIONS
    | {"credit_portal.add_user", "credit_portal.delete_user", "credit_portal.change_user"}
)
FORBIDDEN_PERMISSIONS[Role.SYSTEM_ADMIN] = AUDIT_PERMISSIONS | ROLE_ADMIN_PERMISSIONS | DEVICE_EDIT_PERMISSIONS
for _role in Role.values:
    # Nobody edits role groups: roles are this module.
    FORBIDDEN_PERMISSIONS[_role] = FORBIDDEN_PERMISSIONS[_role] | GROUP_EDIT_PERMISSIONS

# Pairs of roles one person may not hold together: the three administrators of
# 三权分立 are different people.
ADMINISTRATOR_ROLES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR)
# Roles that read people's data: an administrator holds none of them, so that granting
# oneself (or a colleague) an administrator's powers never also opens people's records.
DATA_ROLES = (Role.DEPARTMENT_CLERK, Role.DEPARTMENT_REVIEWER, Role.CREDIT_OFFICE)
CONFLICTING_ROLES: tuple[tuple[str, str], ...] = (
    (Role.SYSTEM_ADMIN, Role.AUDITOR),
    (Role.SECURITY_ADMIN, Role.AUDITOR),
    (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN),
    *((admin, data) for admin in ADMINISTRATOR_ROLES for data in DATA_ROLES),
    # An institution's staff queries people's records with their authorization: no staff
    # account does that too (disclosure.services.institutions.add_institution_staff).
    *((Role.INSTITUTION, staff) for staff in (*ADMINISTRATOR_ROLES, *DATA_ROLES)),
)


def conflicting_roles(role_names: Iterable[str]) -> list[tuple[str, str]]:
    """The pairs of ``CONFLICTING_ROLES`` that all appear in ``role_names``."""
    held = set(role_names)
    return [(a, b) for a, b in CONFLICTING_ROLES if a in held and b in held]


def _conflict_message(a: str, b: str) -> str:
    return gettext("One person may not be both %(first)s and %(second)s (separation of duties).") % {
        "first": Role(a).label,
        "second": Role(b).label,
    }


def check_separation_of_duties(user: User) -> list[str]:
    """Why ``user``'s roles or permissions break the separation of duties; empty if they do not.

    Reports conflicting role groups and, whatever the groups are called, a user whose
    groups and own permissions together grant both audit-trail access and account
    administration. A superuser bypasses every permission and is reported too.
    """
    from django.contrib.auth.models import Permission

    problems = [_conflict_message(a, b) for a, b in conflicting_roles(user.groups.values_list("name", flat=True))]
    held = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.filter(models.Q(group__user=user) | models.Q(user=user))
        .values_list("content_type__app_label", "codename")
        .distinct()
    }
    if held & AUDIT_PERMISSIONS and held & USER_ADMIN_PERMISSIONS:
        problems.append(gettext("This account may both administer accounts and read the audit trail."))
    if user.is_superuser:
        problems.append(gettext("A superuser holds every permission; keep superuser accounts for emergencies."))
    return problems


# --- Keeping the groups in sync --------------------------------------------------------
def sync_role_groups(*, using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    """Create one group per role with exactly the declared permissions. Idempotent.

    Returns, per role, the declared permissions that do not exist (yet) and were skipped.
    """
    from django.contrib.auth.models import Group, Permission

    wanted_apps = {name.split(".", 1)[0] for names in ROLE_PERMISSIONS.values() for name in names}
    available = {
        f"{perm.content_type.app_label}.{perm.codename}": perm
        for perm in Permission.objects.using(using).select_related("content_type").filter(
            content_type__app_label__in=wanted_apps
        )
    }
    skipped: dict[str, list[str]] = {}
    for role in Role.values:
        declared = ROLE_PERMISSIONS[role]
        missing = sorted(name for name in declared if name not in available)
        if missing:
            skipped[role] = missing
            logger.debug("Role %s: permissions not defined yet, skipped: %s", role, ", ".join(missing))
        group, _created = Group.objects.using(using).get_or_create(name=role)
        group.permissions.set([available[name] for name in declared if name in available])
    return skipped


def _tables_exist(using: str) -> bool:
    tables = set(connections[using].introspection.table_names())
    return {"auth_group", "auth_permission", "django_content_type"} <= tables


def sync_after_migrate(sender: AppConfig, *, using: str = DEFAULT_DB_ALIAS, apps: Any = None, **kwargs: Any) -> None:
    """post_migrate receiver: permissions of every app first, then the role groups.

    Django creates each app's permissions in its own post_migrate receiver, in app
    order; the apps after ``credit_portal`` would come too late, so create them all here.
    """
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    if not _tables_exist(using):
        return
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, interactive=False, using=using, apps=apps or global_apps)
    sync_role_groups(using=using)


# --- Guards ------------------------------------------------------------------------------
def _guard_user_groups(
    sender: Any, *, instance: Any, action: str, reverse: bool, model: Any, pk_set: set[Any] | None, **kwargs: Any
) -> None:
    """Refuse adding a user to a role that conflicts with one they hold (m2m_changed on User.groups).

    The ValidationError is raised inside ``add()``'s transaction and so breaks the
    surrounding one: a caller that wants to go on wraps the add in its own
    ``transaction.atomic()``. Forms should check ``conflicting_roles()`` first to show
    the message as a form error.
    """
    if action != "pre_add" or not pk_set:
        return
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    if not reverse:  # user.groups.add(group, ...)
        users = [instance]
        added_names = set(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    else:  # group.user_set.add(user, ...)
        users = list(get_user_model().objects.filter(pk__in=pk_set))
        added_names = {instance.name}
    if not added_names & set(Role.values):
        return
    for user in users:
        current = set(user.groups.values_list("name", flat=True))
        conflicts = conflicting_roles(current | added_names)
        if conflicts:
            raise ValidationError([_conflict_message(a, b) for a, b in conflicts], code="separation_of_duties")


def _guard_group_permissions(
    sender: Any, *, instance: Any, action: str, reverse: bool, model: Any, pk_set: set[Any] | None, **kwargs: Any
) -> None:
    """Refuse giving a role group a permission that role may never hold (m2m_changed on Group.permissions)."""
    if action != "pre_add" or not pk_set:
        return
    from django.contrib.auth.models import Group, Permission

    if not reverse:  # group.permissions.add(perm, ...)
        groups = [instance] if instance.name in FORBIDDEN_PERMISSIONS else []
        perms = Permission.objects.filter(pk__in=pk_set)
    else:  # permission.group_set.add(group, ...)
        groups = list(Group.objects.filter(pk__in=pk_set, name__in=list(FORBIDDEN_PERMISSIONS)))
        perms = Permission.objects.filter(pk=instance.pk)
    if not groups:
        return
    names = {f"{app}.{codename}" for app, codename in perms.values_list("content_type__app_label", "codename")}
    for group in groups:
        refused = sorted(names & FORBIDDEN_PERMISSIONS[group.name])
        if refused:
            raise ValidationError(
                gettext("The role %(role)s may not hold %(permissions)s (separation of duties).")
                % {"role": Role(group.name).label, "permissions": ", ".join(refused)},
                code="separation_of_duties",
            )


def connect_signals(app_config: AppConfig) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_migrate

    post_migrate.connect(sync_after_migrate, sender=app_config, dispatch_uid="roles.sync_after_migrate")
    m2m_changed.connect(
        _guard_user_groups, sender=get_user_model().groups.through, dispatch_uid="roles.guard_user_groups"
    )
    m2m_changed.connect(
        _guard_group_permissions, sender=Group.permissions.through, dispatch_uid="roles.guard_group_permissions"
    )
