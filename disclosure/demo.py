"""Demo data of the disclosure app, after ``archives.demo``.

Links the foundation's ``demo_citizen`` account to the archives demo subject
(``archives.demo.DEMO_CITIZEN_ID_NUMBER``), registers a demo employer with the
``demo_institution`` account as its staff (and the health department as a querying
institution for its own licensing), grants authorizations in every state, logs a few
queries (granted and refused) and adds a few people to each public list, all through
the services. The active authorization's code is kept in ``.local/demo_disclosure.json``
(ignored by git) and printed, so the institution account can query at once.

Idempotent: what exists is found and left as it is.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from stdnum.cn import uscc

from archives import services as archive_services
from archives.models import Archive, CreditRecord, Subject
from archives.services.subjects import subject_index_for
from credit_portal.demo import refuse_in_production
from credit_portal.models import User
from departments.models import Department, Occupation, RecordCategory
from disclosure.models import Authorization, CitizenProfile, Institution, InstitutionStaff, Purpose, QueryLog
from disclosure.services import authorizations as auth_services
from disclosure.services import institutions, queries, registration
from disclosure.services.mandatory import mandatory_for

STATE_FILE = "demo_disclosure.json"


def _credit_code(body: str) -> str:
    return body + uscc.calc_check_digit(body)


EMPLOYER_CODE = _credit_code("91110105MA0DEM001")
HEALTH_CODE = _credit_code("11110105MB0DEM002")


def _state_path() -> Path:
    return Path(settings.LOCAL_DIR) / STATE_FILE


def _read_state() -> dict[str, Any]:
    try:
        return json.loads(_state_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_state(state: dict[str, Any]) -> None:
    path = _state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, ensure_ascii=False, indent=2), encoding="utf-8")
    path.chmod(0o600)


def _institution(name: str, code: str, **extra: Any) -> Institution:
    existing = Institution.objects.filter(credit_code=code).first()
    return existing or institutions.register_institution(name=name, credit_code=code, by=None, **extra)


def _grant(subject: Subject, user: User, **terms: Any) -> tuple[Authorization, str]:
    checked = auth_services.check_terms(subject, **terms)
    return auth_services.grant_authorization(subject, by=user, terms=checked)


def _authorizations(subject: Subject, citizen: User, employer: Institution, staff: User) -> str | None:
    """Authorizations in every state and a few queries; returns the active code."""
    if Authorization.objects.filter(subject=subject).exists():
        return _read_state().get("authorization_code")
    # Recruitment with only 奖惩情况 ticked beside the mandatory category: the report
    # still carries every effective negative record and the latest finding, because
    # the purpose makes them mandatory (disclosure.services.mandatory).
    mandatory = mandatory_for(Purpose.RECRUITMENT)
    ticked = [*RecordCategory.objects.filter(code="rewards-penalties"), *mandatory.categories]
    active, code = _grant(subject, citizen, grantee=employer, purpose=Purpose.RECRUITMENT, categories=ticked,
                          days=30, max_uses=3)
    used, used_code = _grant(subject, citizen, grantee=employer, purpose=Purpose.FINANCIAL, days=10, max_uses=1)
    queries.query_record(by=staff, name=subject.name, id_number=subject.id_number, code=used_code,
                         purpose=Purpose.FINANCIAL)
    revoked, revoked_code = _grant(subject, citizen, grantee=None, purpose=Purpose.AWARDS, days=15, max_uses=2)
    auth_services.revoke_authorization(revoked, by=citizen, reason="评选已结束")
    for wrong_code in (revoked_code, "ABCD-EFGH-JKMN"):
        try:
            queries.query_record(by=staff, name=subject.name, id_number=subject.id_number, code=wrong_code,
                                 purpose=Purpose.AWARDS)
        except queries.QueryRefused:
            pass
    expired, _code = _grant(subject, citizen, grantee=employer, purpose=Purpose.OTHER, purpose_other="租房资格审核",
                            days=5, max_uses=1)
    long_ago = timezone.now() - timedelta(days=40)
    Authorization.objects.filter(pk=expired.pk).update(
        valid_from=long_ago, valid_until=long_ago + timedelta(days=5), granted_at=long_ago,
        state=Authorization.State.EXPIRED, ended_at=long_ago + timedelta(days=5),
    )
    request_terms = auth_services.check_terms(None, grantee=employer, purpose=Purpose.RECRUITMENT, days=20, max_uses=1)
    auth_services.request_authorization(by=staff, name=subject.name, id_number=subject.id_number, terms=request_terms)
    _write_state({"authorization_code": code, "reference": active.reference})
    return code


def _public_list_people(stdout: TextIO) -> int:
    """A few more people on the two lists, entered and published by the demo staff."""
    from archives.demo import DEMO_PDF, synthetic_id_number

    people = [
        ("演示律师丙", synthetic_id_number("110105", date(1970, 3, 3), 15), "negative"),
        ("演示教师丁", synthetic_id_number("110105", date(1982, 6, 6), 33), "negative"),
        ("演示教师戊", synthetic_id_number("110105", date(1991, 8, 8), 55), "positive"),
        ("演示教师己", synthetic_id_number("110105", date(1988, 1, 18), 71), "positive"),
    ]
    clerk = User.objects.get(username="demo_education_clerk")
    reviewer = User.objects.get(username="demo_education_reviewer")
    teacher = Occupation.objects.get(code="teacher")
    education = Department.objects.get(code="education")
    cats = {c.code: c for c in RecordCategory.objects.filter(code__in=["violations", "rewards-penalties", "public-interest"])}
    added = 0
    for name, number, kind in people:
        subject, _new = archive_services.find_or_create_subject(name=name, id_number=number, by=clerk)
        if Archive.objects.filter(subject=subject, occupation=teacher).exists():
            continue
        archive = archive_services.open_archive(
            subject=subject, occupation=teacher, department=education, employer="示范市实验学校", by=clerk
        )
        today = timezone.localdate()
        if kind == "negative":
            data = {"category": cats["violations"], "polarity": CreditRecord.Polarity.NEGATIVE,
                    "severity": CreditRecord.Severity.SERIOUS, "title": "伪造学历证书骗取教师资格",
                    "decision_number": f"示教罚〔{today.year}〕{40 + added}号", "deciding_body": "示范市教育局",
                    "occurred_on": today - timedelta(days=200), "decided_on": today - timedelta(days=150),
                    "is_penalty": True, "description": "经查实，伪造学历证书申请教师资格。",
                    "source_type": CreditRecord.SourceType.PENALTY}
        else:
            data = {"category": cats["rewards-penalties"],
                    "polarity": CreditRecord.Polarity.POSITIVE, "title": "市级优秀志愿者",
                    "decision_number": f"示文明〔{today.year}〕{7 + added}号", "deciding_body": "示范市文明办",
                    "occurred_on": today - timedelta(days=120), "decided_on": today - timedelta(days=100),
                    "source_type": CreditRecord.SourceType.COMMENDATION}
        record = archive_services.draft_record(archive, by=clerk, **data)
        if kind == "negative":
            archive_services.attach_evidence(
                SimpleUploadedFile("处罚决定书.pdf", DEMO_PDF, content_type="application/pdf"), by=clerk, record=record
            )
        archive_services.submit_record(record, by=clerk)
        archive_services.publish_record(record, by=reviewer)
        added += 1
    return added


def _green_channel_checks(subject: Subject) -> int:
    """The health commission's licensing desk checks the green channel (001 §四) for the
    demo citizen (不符合: a penalty this year) and for 演示医师乙 (符合: practising since
    2008, nothing against them). Once: the checks stay in the people's query logs."""
    from disclosure.services.green_channel import check_green_channel

    reviewer = User.objects.filter(username="demo_health_reviewer").first()
    if reviewer is None or QueryLog.objects.filter(kind=QueryLog.Kind.GREEN_CHANNEL).exists():
        return 0
    from archives.demo import PEOPLE

    doctor = next((p for p in PEOPLE if p.name == "演示医师乙"), None)
    people = [(subject.name, subject.id_number, "教师资格定期注册申请")]
    if doctor is not None:
        people.append((doctor.name, doctor.id_number, "医师执业注册变更申请"))
    for name, number, detail in people:
        check_green_channel(by=reviewer, name=name, id_number=number, matter=QueryLog.Matter.LICENSING, detail=detail)
    return len(people)


def load(stdout: TextIO) -> list[Any]:
    refuse_in_production()
    try:
        from archives.demo import DEMO_CITIZEN_ID_NUMBER
    except ImportError:
        stdout.write("Disclosure: archives.demo is missing; no citizen to link.\n")
        return []
    subject = Subject.objects.filter(id_number_index=subject_index_for(DEMO_CITIZEN_ID_NUMBER)).first()
    citizen = User.objects.filter(username="demo_citizen").first()
    staff = User.objects.filter(username="demo_institution").first()
    if subject is None or citizen is None or staff is None:
        stdout.write("Disclosure: the demo subject or demo accounts are missing; run the earlier loaders first.\n")
        return []
    if not CitizenProfile.objects.filter(subject=subject).exists():
        registration.link_citizen(citizen, subject, by=None)
    employer = _institution("示范市演示科技有限公司", EMPLOYER_CODE)
    if not InstitutionStaff.objects.filter(user=staff).exists():
        institutions.add_institution_staff(employer, staff, by=None)
    health = Department.objects.filter(code="health").first()
    if health is not None and not Institution.objects.filter(department=health).exists():
        _institution("示范市卫生健康委员会（行政许可）", HEALTH_CODE, kind=Institution.Kind.PUBLIC_BODY, department=health)
    code = _authorizations(subject, citizen, employer, staff)
    checks = _green_channel_checks(subject)
    added = _public_list_people(stdout)
    stdout.write(
        f"Disclosure: {subject.name} linked to demo_citizen; {Authorization.objects.filter(subject=subject).count()} "
        f"authorizations, {QueryLog.objects.filter(subject=subject).count()} logged queries ({checks} green channel "
        f"checks added); {added} people added to the public lists.\n"
    )
    profile = CitizenProfile.objects.get(subject=subject)
    if subject.phone and profile.phone_index:
        stdout.write(
            f"  demo_citizen also signs in with the phone on file, {subject.phone} (synthetic), and the same password.\n"
        )
    if code:
        stdout.write(
            f"  Try journey 2: sign in as demo_institution, /institution/query/, name {subject.name}, "
            f"ID number {DEMO_CITIZEN_ID_NUMBER} (synthetic), code {code}, purpose recruitment.\n"
        )
    return []
