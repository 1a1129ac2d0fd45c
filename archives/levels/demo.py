"""Demo data for credit levels: one more person so that every level is present, and
every demo archive assessed (the demo command runs in one transaction, so the
recomputes queued on commit would come only after it; here they run at once).

With the seeded rules the demo people stand at: 演示医师甲 严重失信 (a serious penalty),
演示教师甲 警示 (a general penalty), 演示教师庚 一般 (a minor record breaks the clean
years), 演示教师乙 / 演示教师丙 / 演示医师乙 守信 (years of practice, nothing effective
against them). Deterministic: dates count back from today."""

from __future__ import annotations

from datetime import date
from typing import Any, TextIO

from archives import services
from archives.demo import _negative, _publish, _staff, synthetic_id_number
from archives.levels import points
from archives.levels.models import ArchiveLevel, PointRule
from archives.levels.services import refresh_due_levels
from archives.models import Archive
from departments.models import Department, Occupation, RecordCategory

ORDINARY_NAME = "演示教师庚"
ORDINARY_ID_NUMBER = synthetic_id_number("110105", date(1992, 6, 18), 35)


def _ordinary_person() -> bool:
    staff = _staff("education")
    subject, _new = services.find_or_create_subject(name=ORDINARY_NAME, id_number=ORDINARY_ID_NUMBER, by=staff.clerk)
    occupation = Occupation.objects.get(code="teacher")
    if Archive.objects.filter(subject=subject, occupation=occupation).exists():
        return False
    archive = services.open_archive(
        subject=subject, occupation=occupation, department=Department.objects.get(code="education"),
        employer="示范市第三中学", title="中学二级教师", practice_start=date(2016, 9, 1), by=staff.clerk,
    )
    categories = {c.code: c for c in RecordCategory.objects.all()}
    from django.utils import timezone

    today = timezone.localdate()
    _publish(archive, staff, _negative(
        categories, severity="minor", title="未按时提交教学计划", deciding_body="示范市第三中学",
        occurred_on=date.fromordinal(today.toordinal() - 20), decided_on=date.fromordinal(today.toordinal() - 10),
    ))
    return True


POINT_RULES = (
    # (kind, severity, finding status, points): a pilot's scoring, its source the
    # credit office's pilot decision (002 §二(四)3 asks cities to explore one).
    ("positive_record", "", "", 5),
    ("negative_record", "minor", "", -2),
    ("negative_record", "general", "", -10),
    ("negative_record", "serious", "", -30),
    ("finding", "", "trustworthy", 2),
    ("finding", "", "warning", -5),
)
POINTS_SOURCE = "示范市诚信积分管理试点方案（演示）"


def _points_pilot() -> int:
    """The pilot switched on for the demo with a few scoring rules (once)."""
    from credit_portal.models import User

    office = User.objects.filter(username="demo_credit_office").first()
    if office is None:
        return 0
    if not points.is_pilot_on():
        points.set_points_pilot(enabled=True, by=office)
    added = 0
    for kind, severity, status, value in POINT_RULES:
        if PointRule.objects.filter(is_active=True, kind=kind, severity=severity, finding_status=status).exists():
            continue
        points.add_point_rule(by=office, kind=kind, severity=severity, finding_status=status, points=value,
                              source=POINTS_SOURCE)
        added += 1
    return added


def load(stdout: TextIO) -> list[Any]:
    rules = _points_pilot()
    added = _ordinary_person()
    assessed = refresh_due_levels()
    by_level = {level: ArchiveLevel.objects.filter(level=level).count() for level in ("serious", "warning", "normal", "good")}
    stdout.write(f"Credit levels: {'1 person added, ' if added else ''}{assessed} archives assessed; "
                 f"serious {by_level['serious']}, warning {by_level['warning']}, ordinary {by_level['normal']}, "
                 f"good {by_level['good']}; integrity points pilot on ({rules} scoring rules added).\n")
    return []
