"""Demo department staff: a clerk and a reviewer of 教育局 and of 卫健委, and of the demo
region's keeping units the seeds ask for beyond departments: a college keeping
its adult students' archives (002 §二（一）5) and an industry association keeping its
members' archives (000 §三（二）; 004 item 27)."""

from __future__ import annotations

from typing import TextIO

from credit_portal import audit
from credit_portal.demo import DemoAccount, demo_user, refuse_in_production
from credit_portal.models import User
from credit_portal.roles import Role
from departments.models import Department, Membership, Occupation, OccupationDepartment

# Keeping units of the demo region only (fictitious names): a real deployment loads its
# own schools and associations, so they are demo data, not the shipped catalogue.
DEMO_UNITS: tuple[dict[str, str], ...] = (
    {
        "code": "demo-college", "account": "college", "name": "示范市职业技术学院", "kind": Department.Kind.SCHOOL,
        "occupation": "adult-student",
        "note": "002 §二（一）5：推动高校建立健全18岁以上成年学生信用档案（演示数据）",
    },
    {
        "code": "demo-lawyers-association", "account": "association", "name": "示范市律师协会",
        "kind": Department.Kind.ASSOCIATION,
        "occupation": "association-member",
        "note": "000 §三（二）、004 第27项：鼓励行业协会建立健全会员信用档案并开展行业惩戒（演示数据）",
    },
)


def load_units() -> None:
    """The demo region's school and association, each responsible for its group."""
    for unit in DEMO_UNITS:
        department, _ = Department.objects.get_or_create(
            code=unit["code"],
            defaults={"name": unit["name"], "kind": unit["kind"], "sort_order": 900, "seed_references": unit["note"]},
        )
        occupation = Occupation.objects.filter(code=unit["occupation"]).first()
        if occupation is not None:
            OccupationDepartment.objects.get_or_create(
                occupation=occupation, department=department, defaults={"seed": "local", "note": unit["note"]},
            )


def demo_membership(user: User, department: Department, role: str) -> Membership:
    """A demo account's seat, granted by the system with the audit entry every membership
    has (``departments.access_check``), once."""
    membership, created = Membership.objects.get_or_create(user=user, department=department, role=role)
    if created:
        audit.record("departments.membership.granted", target=membership, detail={
            "user": user.pk, "department": department.code, "role": str(role),
        })
    return membership


def load(stdout: TextIO) -> list[DemoAccount]:
    refuse_in_production()
    load_units()
    accounts: list[DemoAccount] = []
    units = (("education", "education", "教育局"), ("health", "health", "卫健委"),
             *((u["code"], u["account"], u["name"]) for u in DEMO_UNITS))
    for code, account_name, name in units:
        # The catalogue migration creates these; get_or_create keeps the demo working on
        # a database where someone removed them.
        department, _ = Department.objects.get_or_create(code=code, defaults={"name": name})
        for membership_role, role, title, what in (
            (Membership.Role.CLERK, Role.DEPARTMENT_CLERK, "录入员", "/staff/: register a person, open an archive, enter a record"),
            (Membership.Role.REVIEWER, Role.DEPARTMENT_REVIEWER, "审核员", "/staff/: review and publish what the clerk submitted"),
        ):
            user, account = demo_user(
                f"demo_{account_name}_{membership_role}",
                full_name=f"演示{name}{title}（虚构）",
                role=role,
                try_first=f"{department.name}: {what}",
            )
            demo_membership(user, department, membership_role)
            accounts.append(account)
    stdout.write(f"Departments: {len(accounts)} demo staff accounts ready.\n")
    return accounts
