"""Demo cases so the credit office's queue is alive after ``make run``.

Runs after the archives and disclosure demos: it takes published negative records whose
subject has a verified citizen account (disclosure's link, read through
``repair.citizens``) and files, through the services, objections and repair
applications in several stages; one is backdated as a whole (filing, deadlines, timeline) so it shows as overdue. Safe to run
twice: nothing is added once demo cases exist.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TextIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from archives.models import CreditRecord
from credit_portal.models import User
from credit_portal.roles import Role
from repair import case_types, citizens, deadlines, services
from repair.models import CaseEvent, Objection, RepairApplication
from repair.services import common

_PDF = b"%PDF-1.4\n% demo proof, generated\n%%EOF\n"


def _proof() -> SimpleUploadedFile:
    return SimpleUploadedFile("demo-proof.pdf", _PDF, content_type="application/pdf")


# Extra published negative records for the demo citizen, entered and published through
# the archives services by the demo clerk and reviewer, so every stage of a case has a
# record to stand on. Dates are relative to today so the records stay inside their
# display period (minor ≤ 3 months, general 3–12 months) and past the minimum period
# where repair needs one. (title, severity, decided days ago, penalty)
_EXTRA_RECORDS = (
    ("演示：未按规定参加继续教育培训", "minor", 20, False),
    ("演示：违规收受学生家长礼品", "general", 150, True),
    ("演示：擅自调整课程安排", "minor", 40, False),
    ("演示：学期考核材料弄虚作假", "general", 200, True),
)


def _ensure_demo_records(user: User) -> None:
    from archives import services as archive_services
    from departments.models import RecordCategory

    subject = citizens.subject_for(user)
    clerk = User.objects.filter(username="demo_education_clerk").first()
    reviewer = User.objects.filter(username="demo_education_reviewer").first()
    violations = RecordCategory.objects.filter(code="violations").first()
    if subject is None or clerk is None or reviewer is None or violations is None:
        return
    archive = subject.archives.filter(occupation__code="teacher").first()
    if archive is None:
        return
    today = timezone.localdate()
    for title, severity, days_ago, penalty in _EXTRA_RECORDS:
        if archive.records.filter(title=title).exists():
            continue
        decided = today - timedelta(days=days_ago)
        occurred = decided - timedelta(days=10)
        record = archive_services.draft_record(
            archive, by=clerk, category=violations, polarity="negative", severity=severity, title=title,
            description="演示数据，虚构。", decision_number=f"示教〔{decided.year}〕演{decided:%m%d}号",
            deciding_body="示范市教育局", occurred_on=occurred, decided_on=decided, is_penalty=penalty,
            source_type=CreditRecord.SourceType.PENALTY if penalty else CreditRecord.SourceType.SPOT_CHECK,
        )
        # Negative information is submitted with its evidence (archives services require it).
        archive_services.attach_evidence(SimpleUploadedFile("处罚决定书.pdf", _PDF, content_type="application/pdf"),
                                         by=clerk, record=record)
        archive_services.submit_record(record, by=clerk)
        archive_services.publish_record(record, by=reviewer)


def _backdate(case: Objection, *, days: int) -> None:
    """Move a just-filed case ``days`` back in time as a whole: its filing, its
    deadlines counted again from the earlier filing on the official calendar, and its
    timeline, so the case header and the timeline tell the same dates."""
    filed_at = case.filed_at - timedelta(days=days)
    filed_on = timezone.localdate(filed_at)
    case_type = case_types.of(case)
    accept_due = deadlines.due_from(case_type.accept_rule, filed_on=filed_on)
    decide_due = deadlines.due_from(case_type.decide_rule, filed_on=filed_on)
    with transaction.atomic():
        type(case).objects.filter(pk=case.pk).update(filed_at=filed_at, accept_due=accept_due, decide_due=decide_due)
        events = CaseEvent.objects.filter(**case_types.owner_kwargs(case))
        for event in events:
            event.at -= timedelta(days=days)
            if event.action == "filed":
                event.due = accept_due
            event.save(update_fields=["at", "due"])
        # What the case now says, in the trail: verify_tables checks the case against it.
        common.restate(type(case).objects.get(pk=case.pk), by=None)


def load(stdout: TextIO) -> list[object]:
    if Objection.objects.exists() or RepairApplication.objects.exists():
        stdout.write("repair: demo cases already present\n")
        return []
    citizen = User.objects.filter(username="demo_citizen").first()
    if citizen is not None:
        _ensure_demo_records(citizen)
    officer = User.objects.filter(groups__name=Role.CREDIT_OFFICE, is_active=True).order_by("pk").first()
    pairs: list[tuple[User, CreditRecord]] = []
    for user in User.objects.filter(groups__name=Role.CITIZEN, is_active=True).order_by("pk"):
        subject = citizens.subject_for(user)
        if subject is None:
            continue
        records = CreditRecord.objects.filter(
            archive__subject=subject, state=CreditRecord.State.PUBLISHED, is_current=True,
            polarity=CreditRecord.Polarity.NEGATIVE,
        ).select_related("archive").order_by("pk")
        pairs.extend((user, record) for record in records)
    if officer is None or not pairs:
        stdout.write("repair: no citizen with published negative records yet; no demo cases\n")
        return []
    made = 0
    for index, (user, record) in enumerate(pairs[:5]):
        if index == 0:  # overdue: filed, never accepted
            case = services.file_objection(record, by=user, reasons="演示：处罚决定书记载的日期有误。", files=[_proof()])
            _backdate(case, days=7)
        elif index == 1:  # at the department for verification
            case = services.file_objection(record, by=user, reasons="演示：该记录不是本人的行为。")
            services.accept_objection(case, by=officer)
        elif index in (2, 4):  # repair application waiting, or accepted (when eligible)
            if not services.repair_eligibility(record).repairable:
                continue
            case = services.apply_for_repair(
                record, by=user, fulfilment="演示：罚款已缴清。", commitment_confirmed=True, proof=[_proof()],
                extra_actions="演示：参加志愿服务20小时。" if index == 4 else "",
            )
            if index == 4:
                services.accept_repair(case, by=officer)
        else:  # refused objection, finished
            case = services.file_objection(record, by=user, reasons="演示：不服。")
            services.refuse_objection(case, by=officer, reason="演示：未说明具体错误，请补充理由后重新提出。")
        made += 1
    stdout.write(f"repair: {made} demo cases\n")
    return []
