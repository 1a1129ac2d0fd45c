"""Demo of the intake: a sample Excel file the demo clerk of 教育局 can upload at
/staff/intake/ (a year of teachers' records), written under the local directory."""

from __future__ import annotations

from typing import TextIO

from django.conf import settings

from archives.intake.sample import sample_workbook
from credit_portal.demo import refuse_in_production
from departments.models import Occupation


def load(stdout: TextIO) -> list:  # type: ignore[type-arg]
    refuse_in_production()
    occupation = Occupation.objects.filter(code="teacher").first()
    if occupation is None:
        return []
    path = settings.LOCAL_DIR / "demo-import-teachers.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(sample_workbook(occupation))
    stdout.write(f"Sample Excel import for the education clerk (upload at /staff/intake/): {path}")
    return []
