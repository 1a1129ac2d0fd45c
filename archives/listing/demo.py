"""Demo data of the serious-dishonesty list procedure.

Runs after ``disclosure.demo`` (which adds two people with serious records). Through the
services, as staff would:

- 演示医师甲 (收受患者红包) and 演示律师丙 (伪造学历证书) are listed: proposed by the
  department's clerk, decided by its reviewer, so the public list is not empty;
- 演示教师丁 has a proposal in its objection window (notified today);
- 演示医师甲's joint-punishment case has every department's feedback in but one, which is
  overdue.

The procedure takes weeks; the demo "ages" the published listings between the service
calls, moving their dates back (the notice 40 days ago, so the window is over when the
reviewer decides; for 演示医师甲 the decision and case 30 days ago, with the feedback due
dates counted from then), so the pages show a listing as it would look a month on. Nothing else is written outside the services. Safe to run
twice: a person who already has a listing is skipped.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TextIO

from django.db.models import F
from django.utils import timezone

from archives.listing import rules, services
from archives.listing.catalogue import MEASURES
from archives.listing.models import CaseMeasure, Listing, ListingCategory, PunishmentCase
from archives.models import CreditRecord, Subject
from credit_portal.demo import DemoAccount, demo_user, refuse_in_production
from credit_portal.models import User
from credit_portal.roles import Role
from departments.demo import demo_membership
from departments.models import Department, Membership

PEOPLE = (
    # name, category, facts, legal basis, published?
    ("演示医师甲", ListingCategory.HEALTH_AND_SAFETY, "诊疗过程中多次收受患者红包，情节严重，经查实受到行政处罚。",
     "《中华人民共和国医师法》第五十六条", True),
    ("演示律师丙", ListingCategory.MARKET_AND_SOCIAL_ORDER, "伪造学历证书骗取教师资格，经查实受到行政处罚。",
     "《教师资格条例》第十九条", True),
    ("演示教师丁", ListingCategory.MARKET_AND_SOCIAL_ORDER, "伪造学历证书骗取教师资格，经查实受到行政处罚。",
     "《教师资格条例》第十九条", False),
)
# Of the case of the first person, this department's feedback stays missing (overdue).
OVERDUE_DEPARTMENT = "finance"


def _staff(code: str) -> tuple[User, User]:
    return User.objects.get(username=f"demo_{code}_clerk"), User.objects.get(username=f"demo_{code}_reviewer")


def _measure_accounts() -> list[DemoAccount]:
    """One clerk per department that applies a catalogue measure, to record feedback."""
    accounts = []
    for code in sorted({m["department"] for m in MEASURES}):
        department = Department.objects.filter(code=code).first()
        if department is None:
            continue
        user, account = demo_user(
            f"demo_{code}_clerk", full_name=f"演示{department.name}录入员（虚构）", role=Role.DEPARTMENT_CLERK,
            try_first=f"{department.name}: /staff/listings/cases/ record joint-punishment feedback",
        )
        demo_membership(user, department, Membership.Role.CLERK)
        accounts.append(account)
    return accounts


def _age_proposal(listing: Listing, days: int) -> None:
    """Move a proposal ``days`` back: its notice went out then, its window is over."""
    shift = timedelta(days=days)
    notified = timezone.localdate() - shift
    Listing.objects.filter(pk=listing.pk).update(
        proposed_at=F("proposed_at") - shift, notified_on=notified,
        objection_due=rules.end_of(rules.Key.OBJECTION_WINDOW, notified),
    )


def _age_decision(listing: Listing, days: int) -> None:
    """Move a just-published listing's decision and its case ``days`` back."""
    shift = timedelta(days=days)
    opened = timezone.localdate() - shift
    Listing.objects.filter(pk=listing.pk).update(
        decided_at=F("decided_at") - shift, listed_from=F("listed_from") - shift,
        listed_until=F("listed_until") - shift,
    )
    PunishmentCase.objects.filter(listing=listing).update(
        opened_at=F("opened_at") - shift, correction_due=rules.end_of(rules.Key.CORRECTION, opened),
    )
    CaseMeasure.objects.filter(case__listing=listing).update(feedback_due=rules.end_of(rules.Key.FEEDBACK, opened))


def publish(record: CreditRecord, *, category: str, facts: str, legal_basis: str,
            reason: str = "事实清楚、证据确凿，当事人在期限内未提出陈述申辩。") -> Listing:
    """List ``record``'s person through the services, as the department's demo staff
    would: its clerk proposes, the proposal is aged past the objection window (nobody
    objected), its reviewer decides to publish. The department's ``demo_<code>_clerk``
    and ``demo_<code>_reviewer`` accounts must exist (``departments.demo``). Also used
    by tests that need a published listing on the public list."""
    clerk, reviewer = _staff(record.archive.department.code)
    listing = services.propose_listing(record.archive, by=clerk, records=[record], category=category, facts=facts,
                                       legal_basis=legal_basis)
    _age_proposal(listing, 40)
    return services.decide_listing(listing, by=reviewer, publish=True, reason=reason)


def load(stdout: TextIO) -> list[DemoAccount]:
    refuse_in_production()
    accounts = _measure_accounts()
    made = 0
    for index, (name, category, facts, basis, published) in enumerate(PEOPLE):
        subject = Subject.objects.filter(name=name).first()
        if subject is None or Listing.objects.filter(subject=subject).exists():
            continue
        record = (
            CreditRecord.objects.filter(archive__subject=subject, is_current=True, state=CreditRecord.State.PUBLISHED,
                                        severity=CreditRecord.Severity.SERIOUS)
            .select_related("archive__department").first()
        )
        if record is None:
            continue
        made += 1
        if not published:
            clerk, _reviewer = _staff(record.archive.department.code)
            services.propose_listing(record.archive, by=clerk, records=[record], category=category, facts=facts,
                                     legal_basis=basis)
            continue
        # The window is over and nobody objected (the demo ages the listing, see above).
        listing = publish(record, category=category, facts=facts, legal_basis=basis)
        if index == 0:
            # Decided 30 days ago: the feedback was due 10 working days later.
            _age_decision(listing, 30)
            for item in CaseMeasure.objects.filter(case__listing=listing).select_related("department"):
                if item.department.code == OVERDUE_DEPARTMENT:
                    continue
                responder = User.objects.get(username=f"demo_{item.department.code}_clerk")
                services.record_feedback(item, by=responder, applied=True,
                                         feedback="已将当事人纳入本部门业务系统的限制名单。")
    stdout.write(f"Listing: {made} serious-dishonesty listings made ({Listing.objects.count()} in all); "
                 f"{len(accounts)} measure departments' clerk accounts ready.\n")
    return accounts
