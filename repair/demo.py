"""Demo cases so the credit office's queue is alive after ``make run`` (issue 6, point 7).

Runs after the archives and disclosure demos: it takes published negative records whose
subject has a verified citizen account (disclosure's link, read through
``repair.identity``) and files, through the services, objections and repair
applications in several stages; one is backdated so it shows as overdue. Safe to run
twice: nothing is added once demo cases exist.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TextIO

from django.core.files.uploadedfile import SimpleUploadedFile

from archives.models import CreditRecord
from credit_portal.models import User
from credit_portal.roles import Role
from repair import identity, services
from repair.models import Objection, RepairApplication

_PDF = b"%PDF-1.4\n% demo proof, generated\n%%EOF\n"


def _proof() -> SimpleUploadedFile:
    return SimpleUploadedFile("demo-proof.pdf", _PDF, content_type="application/pdf")


def load(stdout: TextIO) -> list[object]:
    if Objection.objects.exists() or RepairApplication.objects.exists():
        stdout.write("repair: demo cases already present")
        return []
    officer = User.objects.filter(groups__name=Role.CREDIT_OFFICE, is_active=True).order_by("pk").first()
    pairs: list[tuple[User, CreditRecord]] = []
    for user in User.objects.filter(groups__name=Role.CITIZEN, is_active=True).order_by("pk"):
        subject = identity.subject_for(user)
        if subject is None:
            continue
        records = CreditRecord.objects.filter(
            archive__subject=subject, state=CreditRecord.State.PUBLISHED, is_current=True,
            polarity=CreditRecord.Polarity.NEGATIVE,
        ).select_related("archive").order_by("pk")
        pairs.extend((user, record) for record in records)
    if officer is None or not pairs:
        stdout.write("repair: no citizen with published negative records yet; no demo cases")
        return []
    made = 0
    for index, (user, record) in enumerate(pairs[:5]):
        if index == 0:  # overdue: filed, never accepted
            case = services.file_objection(record, by=user, reasons="演示：处罚决定书记载的日期有误。", files=[_proof()])
            Objection.objects.filter(pk=case.pk).update(
                filed_at=case.filed_at - timedelta(days=7), accept_due=case.accept_due - timedelta(days=7)
            )
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
    stdout.write(f"repair: {made} demo cases")
    return []
