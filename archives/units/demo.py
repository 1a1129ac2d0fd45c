"""Demo data of units and legal representatives (``make run`` shows them).

Runs after ``archives.listing.demo``, which created the market regulator's clerk
(``demo_market-regulation_clerk``); this adds its reviewer, so the four eyes have two
people. Through the services, as staff would: the clerk registers three fictitious
adults and opens their archives in 企业法定代表人及相关责任人, registers the unit
示范市诚达建材有限公司 (a synthetic, valid unified social credit code) with 演示法定代表人甲
as legal representative, names 演示主要负责人乙 its principal person in charge and
演示直接责任人丙 a directly responsible person, and records the unit's serious dishonesty
against all three; the reviewer approves it, so each of the three archives holds its
record (source: unit's serious dishonesty). 003 §三（一）2: "对企事业单位严重失信行为，在记入企事业单位信用记录的同时，
记入其法定代表人、主要负责人和其他负有直接责任人员的个人信用记录".

Safe to run twice: a unit already registered is left as it is.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TextIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from archives import services as archive_services
from archives.demo import DEMO_PDF, synthetic_id_number
from archives.models import Archive
from archives.units import selectors, services
from archives.units.models import Unit, UnitPerson
from credit_portal.demo import DemoAccount, demo_user, refuse_in_production
from credit_portal.models import User
from credit_portal.roles import Role
from departments.demo import demo_membership
from departments.models import Department, Membership, Occupation

DEPARTMENT = "market-regulation"
OCCUPATION = "enterprise-legal-rep"
UNIT_CODE = "91110105MA01CX7K3L"
UNIT_NAME = "示范市诚达建材有限公司"
REPRESENTATIVE = ("演示法定代表人甲", synthetic_id_number("110105", date(1972, 3, 15), 55))
PRINCIPAL = ("演示主要负责人乙", synthetic_id_number("110105", date(1978, 9, 2), 57))
RESPONSIBLE = ("演示直接责任人丙", synthetic_id_number("110105", date(1985, 11, 20), 59))
POSTS = {REPRESENTATIVE: "执行董事", PRINCIPAL: "总经理", RESPONSIBLE: "生产部经理"}


def _staff(department: Department) -> tuple[User, User, list[DemoAccount]]:
    accounts = []
    existed = User.objects.filter(username=f"demo_{DEPARTMENT}_clerk").exists()
    clerk, account = demo_user(
        f"demo_{DEPARTMENT}_clerk",
        full_name=f"演示{department.name}录入员（虚构）",
        role=Role.DEPARTMENT_CLERK,
        try_first=f"{department.name}: /staff/units/ register a unit, record its serious dishonesty",
    )
    if not existed:
        accounts.append(account)
    demo_membership(clerk, department, Membership.Role.CLERK)
    reviewer, account = demo_user(
        f"demo_{DEPARTMENT}_reviewer",
        full_name=f"演示{department.name}审核员（虚构）",
        role=Role.DEPARTMENT_REVIEWER,
        try_first=f"{department.name}: /staff/units/ approve a unit's serious dishonesty or its withdrawal",
    )
    demo_membership(reviewer, department, Membership.Role.REVIEWER)
    accounts.append(account)
    return clerk, reviewer, accounts


def load(stdout: TextIO) -> list[DemoAccount]:
    refuse_in_production()
    department = Department.objects.filter(code=DEPARTMENT).first()
    occupation = Occupation.objects.filter(code=OCCUPATION).first()
    if department is None or occupation is None:
        stdout.write("Units: the catalogue has no market regulator or legal-representative group; skipped.\n")
        return []
    clerk, reviewer, accounts = _staff(department)
    if Unit.objects.filter(credit_code=UNIT_CODE).exists():
        stdout.write("Units: the demo unit is already there.\n")
        return accounts
    for person in (REPRESENTATIVE, PRINCIPAL, RESPONSIBLE):
        name, id_number = person
        subject, _new = archive_services.find_or_create_subject(name=name, id_number=id_number, by=clerk)
        if not Archive.objects.filter(subject=subject, occupation=occupation).exists():
            archive_services.open_archive(
                subject=subject,
                occupation=occupation,
                department=department,
                employer=UNIT_NAME,
                post=POSTS[person],
                practice_start=date(2012, 5, 1),
                by=clerk,
            )
    unit = services.register_unit(
        by=clerk,
        department=department,
        credit_code=UNIT_CODE,
        name=UNIT_NAME,
        representative_id_number=REPRESENTATIVE[1],
    )
    services.assign_person(unit, by=clerk, role=UnitPerson.Role.PRINCIPAL, id_number=PRINCIPAL[1])
    responsible = services.assign_person(
        unit, by=clerk, role=UnitPerson.Role.DIRECTLY_RESPONSIBLE, id_number=RESPONSIBLE[1]
    )
    named = [*services.default_people(selectors.people_of(unit)), responsible]
    today = timezone.localdate()
    item = services.propose_dishonesty(
        unit,
        by=clerk,
        people=named,
        evidence=SimpleUploadedFile("decision.pdf", DEMO_PDF, content_type="application/pdf"),
        title="生产销售不合格建材，被列入严重违法失信名单",
        description="该公司生产销售不符合强制性国家标准的建筑材料，情节严重，被依法列入严重违法失信名单。",
        decision_number="示市监处〔2026〕7号",
        deciding_body="示范市市场监督管理局",
        occurred_on=today - timedelta(days=90),
        decided_on=today - timedelta(days=60),
        is_penalty=True,
    )
    services.approve_dishonesty(item, by=reviewer)
    stdout.write(
        f"Units: {UNIT_NAME} registered with its legal representative, principal and a directly responsible "
        "person; its serious dishonesty is in the three archives.\n"
    )
    return accounts
