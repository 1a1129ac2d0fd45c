from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from archives import services
from archives.models import AnnualFinding, Archive, CreditRecord, Subject
from credit_portal.models import User
from credit_portal.roles import Role
from departments.models import Department, Membership, Occupation, RecordCategory
from tests import factories as f
from tests.factories import lately


@dataclass
class World:
    education: Department
    health: Department
    finance: Department
    audit_office: Department
    teacher: Occupation
    doctor: Occupation
    auditor_occ: Occupation
    basic: RecordCategory
    violations: RecordCategory
    qualification: RecordCategory
    edu_clerk: User
    edu_reviewer: User
    edu_reviewer2: User
    health_clerk: User
    health_reviewer: User
    finance_clerk: User
    audit_clerk: User
    audit_reviewer: User
    credit_office: User
    citizen: User
    subject: Subject
    archive: Archive


@pytest.fixture
def world(db) -> World:
    education = f.department("education", "教育局")
    health = f.department("health", "卫健委")
    finance = f.department("finance", "财政局")
    audit_office = f.department("audit", "审计局")
    teacher = f.occupation("teacher", "教师", departments=(education,))
    doctor = f.occupation("doctor", "医师", departments=(health,))
    auditor_occ = f.occupation("auditor", "审计人员", departments=(finance, audit_office))
    basic = f.category("basic-info", "基本信息", common=True)
    violations = f.category("violations", "违法违纪违约行为", common=True)
    qualification = f.category("qualification", "资质认定", common=False)
    f.give_category(teacher, qualification)
    edu_clerk = f.member(education, Membership.Role.CLERK, "edu_clerk")
    edu_reviewer = f.member(education, Membership.Role.REVIEWER, "edu_reviewer")
    edu_reviewer2 = f.member(education, Membership.Role.REVIEWER, "edu_reviewer2")
    health_clerk = f.member(health, Membership.Role.CLERK, "health_clerk")
    health_reviewer = f.member(health, Membership.Role.REVIEWER, "health_reviewer")
    finance_clerk = f.member(finance, Membership.Role.CLERK, "finance_clerk")
    audit_clerk = f.member(audit_office, Membership.Role.CLERK, "audit_clerk")
    audit_reviewer = f.member(audit_office, Membership.Role.REVIEWER, "audit_reviewer")
    credit_office = f.make_user("credit_officer", roles=(Role.CREDIT_OFFICE,))
    citizen = f.make_user("citizen", roles=(Role.CITIZEN,))
    subject, _ = services.find_or_create_subject(
        name="测试甲", id_number=f.make_id_number(birth=date(1980, 3, 1), seq=1), phone="13800000000", by=edu_clerk
    )
    archive = services.open_archive(
        subject=subject, occupation=teacher, department=education, employer="示范市第一中学", by=edu_clerk
    )
    return World(**{k: v for k, v in locals().items() if k in World.__dataclass_fields__})


def negative_data(world: World, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "category": world.violations,
        "polarity": CreditRecord.Polarity.NEGATIVE,
        "severity": CreditRecord.Severity.GENERAL,
        "title": "违规有偿补课",
        "description": "在校外机构有偿补课，受到通报批评。",
        "decision_number": "示教罚〔2026〕12号",
        "deciding_body": "示范市教育局",
        # Relative to today (or the day a test travels to): a fixed decision date stops
        # being on display once its period is over, and publication then ends the record.
        **lately(42),
        "is_penalty": True,
    }
    data.update(overrides)
    return data


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "decision.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def at(day: date) -> time_machine.travel:
    """The clock at 10:00 local time on ``day``, stopped."""
    return time_machine.travel(timezone.make_aware(datetime.combine(day, time(10))), tick=False)


def sign_finding(world: World, *, year: int, status: str) -> AnnualFinding:
    """A yearly finding drafted by the clerk (with evidence when adverse) and signed by the
    reviewer, through the services; its basis names the year ("2019年度认定")."""
    draft = services.draft_finding(world.archive, year=year, status=status, basis=f"{year}年度认定",
                                   by=world.edu_clerk)
    if draft.needs_evidence:
        services.attach_evidence(pdf("proof.pdf"), by=world.edu_clerk, finding=draft)
    return services.sign_finding(draft, by=world.edu_reviewer)


def draft_negative(world: World, *, archive: Archive | None = None, by: User | None = None,
                   **overrides: object) -> CreditRecord:
    """A negative draft with its evidence attached: negative information is submitted
    only with evidence."""
    by = by or world.edu_clerk
    record = services.draft_record(archive or world.archive, by=by, **negative_data(world, **overrides))
    services.attach_evidence(pdf(), by=by, record=record)
    return record


def publish_negative(world: World, *, by: User | None = None, **overrides: object) -> CreditRecord:
    record = draft_negative(world, **overrides)
    services.submit_record(record, by=world.edu_clerk)
    return services.publish_record(record, by=by or world.edu_reviewer)
