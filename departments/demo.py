"""Demo department staff: a clerk and a reviewer of 教育局 and of 卫健委."""

from __future__ import annotations

from typing import TextIO

from credit_portal.demo import DemoAccount, demo_user, refuse_in_production
from credit_portal.roles import Role
from departments.models import Department, Membership


def load(stdout: TextIO) -> list[DemoAccount]:
    refuse_in_production()
    accounts: list[DemoAccount] = []
    for code, name in (("education", "教育局"), ("health", "卫健委")):
        # The catalogue migration creates these; get_or_create keeps the demo working on
        # a database where someone removed them.
        department, _ = Department.objects.get_or_create(code=code, defaults={"name": name})
        for membership_role, role, title, what in (
            (Membership.Role.CLERK, Role.DEPARTMENT_CLERK, "录入员", "/staff/: register a person, open an archive, enter a record"),
            (Membership.Role.REVIEWER, Role.DEPARTMENT_REVIEWER, "审核员", "/staff/: review and publish what the clerk submitted"),
        ):
            user, account = demo_user(
                f"demo_{code}_{membership_role}",
                full_name=f"演示{name}{title}（虚构）",
                role=role,
                try_first=f"{department.name}: {what}",
            )
            Membership.objects.get_or_create(user=user, department=department, role=membership_role)
            accounts.append(account)
    stdout.write(f"Departments: {len(accounts)} demo staff accounts ready.\n")
    return accounts
