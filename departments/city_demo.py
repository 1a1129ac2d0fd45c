"""Demo of the credit office's city view: a department's rules filed and acknowledged, a
second filing awaiting acknowledgement, and last year's evaluation of a department.

Runs after every other demo module (load_demo_data's DEMO_MODULES), so the evaluation
keeps the figures of the demo archives. Idempotent.
"""

from __future__ import annotations

from datetime import date
from typing import TextIO

from django.utils import timezone

from credit_portal.demo import DemoAccount, refuse_in_production
from credit_portal.models import User
from departments import services
from departments.models import Department, DepartmentEvaluation, RuleFiling


def load(stdout: TextIO) -> list[DemoAccount]:
    refuse_in_production()
    clerks = {u.username: u for u in User.objects.filter(username__in=["demo_education_clerk", "demo_health_reviewer"])}
    office = User.objects.filter(username="demo_credit_office").first()
    education = Department.objects.filter(code="education").first()
    health = Department.objects.filter(code="health").first()
    if office is None or education is None or health is None or len(clerks) < 2:
        return []
    if not RuleFiling.objects.filter(department=education).exists():
        filing = services.file_rules(
            education, by=clerks["demo_education_clerk"],
            title="教师信用档案管理办法（演示）", document_number="示教〔2026〕3号", issued_on=date(2026, 3, 1),
            summary="教师信用档案的建立、记录内容、更新周期和查询规则（虚构示例）。",
        )
        services.acknowledge_filing(filing, by=office)
    if not RuleFiling.objects.filter(department=health).exists():
        services.file_rules(
            health, by=clerks["demo_health_reviewer"],
            title="医务人员信用记录实施细则（演示）", document_number="示卫〔2026〕7号", issued_on=date(2026, 5, 20),
        )
    year = timezone.localdate().year
    if not DepartmentEvaluation.objects.filter(department=education, year=year).exists():
        services.evaluate_department(
            education, year=year, by=office, grade=DepartmentEvaluation.Grade.GOOD, score=86,
            notes="档案建立及时，记录按季度更新；个别档案逾期未更新，需在次年一季度内补齐（虚构示例）。",
        )
    stdout.write("City view: rule filings and a yearly evaluation ready.\n")
    return []
