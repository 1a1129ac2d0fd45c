"""Demo: the demo citizen's own listing proposal, in its objection window.

``demo_citizen`` is linked to 演示教师甲 (``archives.demo.DEMO_CITIZEN_NAME``). Through the
services, as staff would: the education bureau publishes a serious penalty on that
archive (with its evidence) and its clerk proposes listing the person, which sends the
notice and opens the objection window today. Signed in as ``demo_citizen``,
/my/listings/ shows the notice and the person can state their case and defend
themselves (陈述申辩, 国办发〔2020〕49号) until the window ends; the reviewer
``demo_education_reviewer`` then answers and decides from /staff/listings/.

Runs after ``repair.demo``: that loader files objections and repair applications on the
citizen's first negative records in order, and the record added here must not become
one of them. Safe to run twice: nothing is added once the citizen has a listing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TextIO

from django.utils import timezone

from archives import services as archive_services
from archives.demo import DEMO_CITIZEN_ID_NUMBER, _negative, _publish, _staff
from archives.listing import services
from archives.listing.models import Listing, ListingCategory
from archives.models import CreditRecord
from credit_portal.demo import refuse_in_production
from departments.models import RecordCategory

TITLE = "演示：伪造继续教育学时证明骗取职称评审资格"
FACTS = "伪造继续教育学时证明，骗取中学高级教师职称评审资格，经查实受到行政处罚，情节严重。"
BASIS = "《教师资格条例》第十九条；《中华人民共和国教师法》第三十七条"


def load(stdout: TextIO) -> list[Any]:
    refuse_in_production()
    subject = archive_services.find_subject_by_id_number(DEMO_CITIZEN_ID_NUMBER)
    archive = subject.archives.filter(occupation__code="teacher").select_related("department").first() if subject else None
    if archive is None:
        stdout.write("Listing (citizen): the demo citizen's archive is missing; no proposal.\n")
        return []
    if Listing.objects.filter(subject=subject).exists():
        stdout.write("Listing (citizen): the demo citizen's proposal is already there.\n")
        return []
    staff = _staff(archive.department.code)
    record = archive.records.filter(title=TITLE, is_current=True, state=CreditRecord.State.PUBLISHED).first()
    if record is None:
        today = timezone.localdate()
        categories = {c.code: c for c in RecordCategory.objects.all()}
        record = _publish(archive, staff, _negative(
            categories, severity=CreditRecord.Severity.SERIOUS, title=TITLE, is_penalty=True,
            decision_number=f"示教罚〔{today.year}〕演严1号", deciding_body="示范市教育局",
            occurred_on=today - timedelta(days=40), decided_on=today - timedelta(days=25),
            description="演示数据，虚构。伪造继续教育学时证明参加职称评审。",
        ), evidence=True)
    listing = services.propose_listing(archive, by=staff.clerk, records=[record],
                                       category=ListingCategory.MARKET_AND_SOCIAL_ORDER, facts=FACTS, legal_basis=BASIS)
    stdout.write(f"Listing (citizen): {subject.name} (demo_citizen) notified of {listing.reference}; "
                 f"statement and defence open at /my/listings/{listing.pk}/ until {listing.objection_due}.\n")
    return []
