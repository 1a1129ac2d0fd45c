"""Fixtures for the disclosure tests: the archives ``world`` plus citizens, institutions
and published records of every kind a third party must or must not see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from stdnum.cn import uscc

from archives import services as archive_services
from archives.models import Archive, CreditRecord, Subject
from credit_portal.models import User
from credit_portal.notify import MemorySMSBackend
from credit_portal.roles import Role
from departments.models import Membership, RecordCategory
from disclosure.models import Authorization, Institution, Purpose
from disclosure.services import authorizations as auth_services
from disclosure.services import institutions, registration
from tests import factories as f
from tests.archives.conftest import World, world  # noqa: F401 - the shared fixture


def credit_code(seq: int) -> str:
    body = f"91440300MA5F{seq:05d}"
    return body + uscc.calc_check_digit(body)


def make_record(archive: Archive, *, by: User, **overrides: Any) -> CreditRecord:
    """A published current record written straight to the table: the disclosure tests
    need states and dates the archives workflow takes months to reach."""
    today = timezone.localdate()
    data: dict[str, Any] = {
        "archive": archive,
        "category": RecordCategory.objects.get(code="violations"),
        "polarity": CreditRecord.Polarity.NEGATIVE,
        "severity": CreditRecord.Severity.GENERAL,
        "title": "违规有偿补课",
        "description": "在校外机构有偿补课。",
        "decision_number": "示教罚〔2026〕12号",
        "deciding_body": "示范市教育局",
        "occurred_on": today - timedelta(days=40),
        "decided_on": today - timedelta(days=30),
        "state": CreditRecord.State.PUBLISHED,
        "display_until": today + timedelta(days=300),
        "created_by": by,
        "updated_by": by,
        "published_by": by,
        "published_at": timezone.now(),
    }
    data.update(overrides)
    return CreditRecord.objects.create(**data)


@dataclass
class Disclosure:
    world: World
    citizen: User
    subject: Subject
    other_citizen: User
    other_subject: Subject
    employer: Institution
    employer_staff: User
    bank: Institution
    bank_staff: User
    health_institution: Institution
    negative: CreditRecord
    positive: CreditRecord
    doctor_record: CreditRecord
    doctor_archive: Archive
    rewards: RecordCategory


@pytest.fixture
def sms(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    from credit_portal.celery import app

    # Messages go through the Celery task; run it in-process even where REDIS_URL is set.
    monkeypatch.setattr(app.conf, "task_always_eager", True)
    settings.SMS_BACKEND = "credit_portal.notify.MemorySMSBackend"
    MemorySMSBackend.outbox = []
    return MemorySMSBackend.outbox


@pytest.fixture
def disc(world: World, sms: list) -> Disclosure:  # noqa: F811
    w = world
    rewards = f.category("rewards-penalties", "奖惩情况", common=True)
    registration.link_citizen(w.citizen, w.subject, by=w.credit_office)
    other_subject, _ = archive_services.find_or_create_subject(
        name="测试乙", id_number=f.make_id_number(birth=date(1990, 5, 5), seq=7), phone="13900000001", by=w.edu_clerk
    )
    other_archive = archive_services.open_archive(
        subject=other_subject, occupation=w.teacher, department=w.education, employer="示范市第二中学", by=w.edu_clerk
    )
    make_record(other_archive, by=w.edu_clerk, title="乙的记录")
    other_citizen = f.make_user("other_citizen", roles=(Role.CITIZEN,))
    registration.link_citizen(other_citizen, other_subject, by=w.credit_office)
    employer = institutions.register_institution(name="示范科技有限公司", credit_code=credit_code(1), by=w.credit_office)
    employer_staff = f.make_user("employer_staff")
    institutions.add_institution_staff(employer, employer_staff, by=w.credit_office)
    bank = institutions.register_institution(
        name="示范银行", credit_code=credit_code(2), by=w.credit_office, kind=Institution.Kind.FINANCIAL
    )
    bank_staff = f.make_user("bank_staff")
    institutions.add_institution_staff(bank, bank_staff, by=w.credit_office)
    health_institution = institutions.register_institution(
        name="示范市卫健委", credit_code=credit_code(3), by=w.credit_office, kind=Institution.Kind.PUBLIC_BODY,
        department=w.health,
    )
    negative = make_record(w.archive, by=w.edu_clerk)
    positive = make_record(
        w.archive, by=w.edu_clerk, category=rewards, polarity=CreditRecord.Polarity.POSITIVE, severity="",
        title="优秀教师", decision_number="示教〔2025〕3号",
    )
    doctor_archive = archive_services.open_archive(
        subject=w.subject, occupation=w.doctor, department=w.health, employer="示范市人民医院", by=w.health_clerk
    )
    doctor_record = make_record(
        doctor_archive, by=w.health_clerk, title="收受红包", deciding_body="示范市卫健委",
    )
    return Disclosure(
        world=w, citizen=w.citizen, subject=w.subject, other_citizen=other_citizen, other_subject=other_subject,
        employer=employer, employer_staff=employer_staff, bank=bank, bank_staff=bank_staff,
        health_institution=health_institution, negative=negative, positive=positive, doctor_record=doctor_record,
        doctor_archive=doctor_archive, rewards=rewards,
    )


def grant(
    disc: Disclosure,
    *,
    grantee: Institution | None | str = "employer",
    purpose: str = Purpose.RECRUITMENT,
    occupations: tuple = (),
    categories: tuple = (),
    days: int = 30,
    max_uses: int = 3,
    purpose_other: str = "",
) -> tuple[Authorization, str]:
    if grantee == "employer":
        grantee = disc.employer
    terms = auth_services.check_terms(
        disc.subject, grantee=grantee, purpose=purpose, purpose_other=purpose_other, occupations=occupations,
        categories=categories, days=days, max_uses=max_uses,
    )
    return auth_services.grant_authorization(disc.subject, by=disc.citizen, terms=terms)


__all__ = ["Disclosure", "Membership", "credit_code", "grant", "make_record"]
