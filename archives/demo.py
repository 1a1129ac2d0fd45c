"""Demo archives: a living portal for ``make run``.

Called by ``manage.py load_demo_data`` after ``credit_portal.demo`` has created the
department accounts (``demo_education_clerk`` … ``demo_health_reviewer``). Everything
goes through ``archives.services``, so the audit trail, the notices and the outbox
events are the real ones. Records in every state: draft, submitted, returned,
published, corrected (with its history), withdrawn and expired; signed yearly findings.

Idempotent: a person is found by ID number, and an archive that already exists is left
as it is, so a second run changes nothing. The people are fictitious ("演示…") and their
ID numbers are synthetic, with valid check digits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TextIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from archives import services
from archives.models import AnnualFinding, Archive, CreditRecord
from credit_portal.models import User
from departments.models import Department, Occupation, RecordCategory

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def synthetic_id_number(region: str, birth: date, order: int) -> str:
    """A resident ID number with a valid GB 11643-1999 check digit (synthetic: the region
    code is one python-stdnum knows, the person does not exist)."""
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + _CHECK[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


# The subject the demo citizen account is linked to (disclosure's demo reads this).
DEMO_CITIZEN_ID_NUMBER = synthetic_id_number("110105", date(1986, 4, 12), 23)
DEMO_CITIZEN_NAME = "演示教师甲"

# A one-page PDF, enough for the content check (magic bytes) and a browser to open.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class Staff:
    clerk: User
    reviewer: User


@dataclass
class Person:
    name: str
    id_number: str
    occupation: str
    department: str
    employer: str
    title: str = ""
    post: str = ""
    practice_start: date | None = None
    duties: str = ""
    phone: str = ""
    political_status: str = ""
    education: str = ""
    records: list[Callable[[Archive, Staff, dict[str, RecordCategory]], None]] = field(default_factory=list)


def _ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def _evidence(record: CreditRecord, by: User, name: str = "处罚决定书.pdf") -> None:
    services.attach_evidence(SimpleUploadedFile(name, DEMO_PDF, content_type="application/pdf"), by=by, record=record)


def _negative(cats: dict[str, RecordCategory], **data: Any) -> dict[str, Any]:
    # Where the information comes from (001 §三（五）): a penalty decision is 处罚处分, other
    # negative information came to light in 日常监管 unless the record says otherwise.
    source_type = CreditRecord.SourceType.PENALTY if data.get("is_penalty") else CreditRecord.SourceType.DAILY_SUPERVISION
    return {"category": cats["violations"], "polarity": CreditRecord.Polarity.NEGATIVE, "source_type": source_type,
            **data}


def _positive(cats: dict[str, RecordCategory], **data: Any) -> dict[str, Any]:
    return {"category": cats["rewards-penalties"], "polarity": CreditRecord.Polarity.POSITIVE,
            "source_type": CreditRecord.SourceType.COMMENDATION, **data}


def _submit(archive: Archive, staff: Staff, data: dict[str, Any]) -> CreditRecord:
    """Draft and submit; negative information goes with its evidence, as the service requires."""
    record = services.draft_record(archive, by=staff.clerk, **data)
    if record.is_negative:
        _evidence(record, staff.clerk)
    return services.submit_record(record, by=staff.clerk)


def _publish(archive: Archive, staff: Staff, data: dict[str, Any], *, evidence: bool = False) -> CreditRecord:
    record = services.draft_record(archive, by=staff.clerk, **data)
    if evidence or record.is_negative:
        _evidence(record, staff.clerk)
    services.submit_record(record, by=staff.clerk)
    return services.publish_record(record, by=staff.reviewer)


def _sign(archive: Archive, staff: Staff, *, year: int, status: str, basis: str) -> None:
    finding = services.draft_finding(archive, year=year, status=status, basis=basis, by=staff.clerk)
    if status != AnnualFinding.Status.TRUSTWORTHY:
        services.attach_evidence(
            SimpleUploadedFile("查实材料.pdf", DEMO_PDF, content_type="application/pdf"), by=staff.clerk, finding=finding
        )
    services.sign_finding(finding, by=staff.reviewer)


# --- what each demo person's archive holds ----------------------------------------------


def member_a(archive: Archive, staff: Staff, cats: dict[str, RecordCategory]) -> None:
    """An association member: the association's own sanction (004 item 27), published by
    its reviewer and pushed to the platform like every record."""
    _publish(archive, staff, _negative(
        cats, category=cats["association-circular-criticism"], severity=CreditRecord.Severity.GENERAL,
        source_type=CreditRecord.SourceType.PENALTY,
        title="违反行业规范承接利益冲突业务", decision_number="示律协〔2026〕3号", deciding_body="示范市律师协会",
        occurred_on=_ago(120), decided_on=_ago(100), description="经协会惩戒委员会审查，予以行业内通报批评。",
    ), evidence=True)


def student_a(archive: Archive, staff: Staff, cats: dict[str, RecordCategory]) -> None:
    """An adult student kept by the college: exam cheating, one of the four kinds of
    misconduct 002 §二（一）5 names, published with its evidence."""
    _publish(archive, staff, _negative(
        cats, category=cats["exam-cheating"], severity=CreditRecord.Severity.GENERAL, title="全国大学英语四级考试作弊",
        is_penalty=True, decision_number="示职院〔2026〕7号", deciding_body="示范市职业技术学院",
        occurred_on=_ago(90), decided_on=_ago(70), description="考试中携带并使用通讯工具，取消该科目考试成绩。",
    ), evidence=True)


def teacher_a(archive: Archive, staff: Staff, cats: dict[str, RecordCategory]) -> None:
    """The citizen's own archive: a published penalty (journeys 2 and 3 start here), a
    reward, a corrected record with its history, and last year's signed finding."""
    year = timezone.localdate().year
    _sign(archive, staff, year=year - 1, status=AnnualFinding.Status.TRUSTWORTHY,
          basis=f"根据法律法规，依法认定{archive.subject.name}为守信人员。")
    _publish(archive, staff, _positive(
        cats, title="获评市级优秀教师", decision_number="示教〔2025〕8号", deciding_body="示范市教育局",
        occurred_on=_ago(400), decided_on=_ago(390), description="年度教书育人成绩突出。",
    ))
    _publish(archive, staff, _negative(
        cats, severity=CreditRecord.Severity.GENERAL, title="违规组织有偿补课", is_penalty=True,
        decision_number="示教罚〔2026〕12号", deciding_body="示范市教育局", occurred_on=_ago(75), decided_on=_ago(60),
        description="在校外培训机构组织在校学生有偿补课，违反《中小学教师违反职业道德行为处理办法》。",
    ), evidence=True)
    training = _publish(archive, staff, {
        "category": cats.get("training", cats["basic-info"]), "polarity": CreditRecord.Polarity.NEUTRAL,
        "title": "完成继续教育学时", "occurred_on": _ago(200), "decided_on": _ago(190), "decision_number": "培〔2026〕3号",
        "source_type": CreditRecord.SourceType.YEARLY_ASSESSMENT,
    })
    # A correction is proposed by one person and approved by another (four eyes).
    change = services.propose_correction(training, by=staff.clerk, reason="学时证明文号录入错误", decision_number="培〔2026〕5号")
    services.approve_change(change, by=staff.reviewer)


def teacher_b(archive: Archive, staff: Staff, cats: dict[str, RecordCategory]) -> None:
    """Work in progress: a draft, a record awaiting review and a returned one."""
    services.draft_record(archive, by=staff.clerk, **_positive(
        cats, title="指导学生获省级竞赛一等奖", occurred_on=_ago(30), decided_on=_ago(20),
    ))
    _submit(archive, staff, _negative(
        cats, severity=CreditRecord.Severity.MINOR, title="未按规定参加师德培训",
        occurred_on=_ago(45), decided_on=_ago(40), deciding_body="示范市第二中学",
    ))
    returned = _submit(archive, staff, _negative(
        cats, severity=CreditRecord.Severity.GENERAL, title="体罚学生", occurred_on=_ago(50), decided_on=_ago(35),
    ))
    services.return_record(returned, reason="请补充处理决定文号和决定机关。", by=staff.reviewer)


def teacher_c(archive: Archive, staff: Staff, cats: dict[str, RecordCategory]) -> None:
    """Ended records: one withdrawn after its decision was revoked, one whose display
    period is over (a minor record: at most 3 months, 国办发〔2025〕22号)."""
    withdrawn = _publish(archive, staff, _negative(
        cats, severity=CreditRecord.Severity.GENERAL, title="违规收受家长礼品", decision_number="示教罚〔2025〕30号",
        deciding_body="示范市教育局", occurred_on=_ago(300), decided_on=_ago(280), is_penalty=True,
    ))
    change = services.propose_withdrawal(withdrawn, by=staff.clerk, reason="行政复议决定撤销原处理决定。")
    services.approve_change(change, by=staff.reviewer)
    _publish(archive, staff, _negative(
        cats, severity=CreditRecord.Severity.MINOR, title="教学日志填报不及时", deciding_body="示范市第一小学",
        source_type=CreditRecord.SourceType.SPOT_CHECK,
        occurred_on=_ago(420), decided_on=_ago(400),
    ))


def doctor_a(archive: Archive, staff: Staff, cats: dict[str, RecordCategory]) -> None:
    """A serious record (evidence required before publishing), a warning finding with
    evidence, and a record awaiting review."""
    year = timezone.localdate().year
    _publish(archive, staff, _negative(
        cats, severity=CreditRecord.Severity.SERIOUS, title="收受患者红包", is_penalty=True,
        decision_number="示卫罚〔2026〕4号", deciding_body="示范市卫生健康委员会", occurred_on=_ago(130), decided_on=_ago(100),
        description="诊疗过程中收受患者财物，情节严重。",
    ), evidence=True)
    _sign(archive, staff, year=year - 1, status=AnnualFinding.Status.WARNING,
          basis=f"经查实，{archive.subject.name}存在收受患者红包行为，根据法律法规，依法认定其存在警示行为。")
    _submit(archive, staff, _negative(
        cats, severity=CreditRecord.Severity.MINOR, title="病历书写不规范", occurred_on=_ago(20), decided_on=_ago(15),
        source_type=CreditRecord.SourceType.SPOT_CHECK,
    ))


def doctor_b(archive: Archive, staff: Staff, cats: dict[str, RecordCategory]) -> None:
    """Nothing negative: the archive page says 无不良记录. A change of the practice
    registration is information too (登记变更, 001 §三（五）)."""
    year = timezone.localdate().year
    _publish(archive, staff, _positive(
        cats, title="抗疫先进个人", decision_number="示卫〔2025〕21号", deciding_body="示范市卫生健康委员会",
        occurred_on=_ago(500), decided_on=_ago(480),
    ))
    _publish(archive, staff, {
        "category": cats["basic-info"], "polarity": CreditRecord.Polarity.NEUTRAL, "title": "执业地点变更注册",
        "deciding_body": "示范市卫生健康委员会", "occurred_on": _ago(320), "decided_on": _ago(300),
        "source_type": CreditRecord.SourceType.REGISTRATION_CHANGE,
    })
    _sign(archive, staff, year=year - 1, status=AnnualFinding.Status.TRUSTWORTHY,
          basis=f"根据法律法规，依法认定{archive.subject.name}为守信人员。")


PEOPLE = (
    Person(DEMO_CITIZEN_NAME, DEMO_CITIZEN_ID_NUMBER, "teacher", "education", "示范市第一中学", title="中学一级教师",
           post="语文教研组长", practice_start=date(2009, 9, 1), duties="初中语文教学、班主任工作。",
           phone="13800000001", political_status="cpc_member", education="bachelor", records=[teacher_a]),
    Person("演示教师乙", synthetic_id_number("110105", date(1990, 11, 3), 46), "teacher", "education",
           "示范市第二中学", title="中学二级教师", practice_start=date(2014, 9, 1), education="master",
           records=[teacher_b]),
    Person("演示教师丙", synthetic_id_number("110105", date(1978, 2, 20), 61), "teacher", "education",
           "示范市第一小学", title="小学高级教师", practice_start=date(2000, 9, 1), education="college",
           records=[teacher_c]),
    Person("演示医师甲", synthetic_id_number("110105", date(1975, 7, 7), 87), "doctor", "health",
           "示范市人民医院", title="副主任医师", post="外科医师", practice_start=date(2001, 7, 1),
           education="master", records=[doctor_a]),
    Person("演示学生甲", synthetic_id_number("110105", date(2004, 10, 8), 17), "adult-student", "demo-college",
           "示范市职业技术学院", post="计算机应用专业学生", practice_start=date(2023, 9, 1), education="college",
           records=[student_a]),
    Person("演示会员甲", synthetic_id_number("110105", date(1981, 5, 20), 33), "association-member",
           "demo-lawyers-association", "示范市明理律师事务所", title="执业律师", practice_start=date(2006, 7, 1),
           education="master", records=[member_a]),
    Person("演示医师乙", synthetic_id_number("110105", date(1983, 9, 9), 92), "doctor", "health",
           "示范市中医院", title="主治医师", practice_start=date(2008, 7, 1), education="doctorate",
           records=[doctor_b]),
)


def _staff(code: str) -> Staff:
    from departments.demo import DEMO_UNITS

    account = next((u["account"] for u in DEMO_UNITS if u["code"] == code), code)
    return Staff(
        clerk=User.objects.get(username=f"demo_{account}_clerk"),
        reviewer=User.objects.get(username=f"demo_{account}_reviewer"),
    )


def load(stdout: TextIO) -> list[Any]:
    """Create the demo archives (no new accounts: the department ones are the foundation's)."""
    categories = {c.code: c for c in RecordCategory.objects.all()}
    created = 0
    for person in PEOPLE:
        staff = _staff(person.department)
        subject, _new = services.find_or_create_subject(
            name=person.name, id_number=person.id_number, phone=person.phone,
            political_status=person.political_status, education=person.education, by=staff.clerk,
        )
        occupation = Occupation.objects.get(code=person.occupation)
        if Archive.objects.filter(subject=subject, occupation=occupation).exists():
            continue
        archive = services.open_archive(
            subject=subject, occupation=occupation, department=Department.objects.get(code=person.department),
            employer=person.employer, title=person.title, post=person.post, practice_start=person.practice_start,
            duties=person.duties, by=staff.clerk,
        )
        for fill in person.records:
            fill(archive, staff, categories)
        created += 1
    # The minor record of 演示教师丙 was decided long ago: its display period is over.
    expired = services.expire_records()
    stdout.write(f"Archives: {created} demo archives created ({len(PEOPLE) - created} already there), "
                 f"{expired} records expired.\n")
    return []
