"""A large synthetic data set for benchmarks (issue 3 §6; DESIGN §12).

    python manage.py generate_demo_data --subjects 100000

Subjects, one archive each (teachers of 教育局 and doctors of 卫健委, alternating) and
published records, written with ``bulk_create`` in batches: far faster than the
services, and deliberately without audit entries or outbox events (this is load for
measuring pages and queries, not history). ``bulk_create`` runs each field's
``pre_save``, so ID numbers and phones are SM4-encrypted as on every other path; the
blind index and the masked copy are computed here. The people are synthetic: names
"合成…", ID numbers with valid check digits. Prints the rate.
"""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from archives import validators
from archives.demo import synthetic_id_number
from archives.models import Archive, CreditRecord, DisplayRule, Subject
from archives.services import add_months
from archives.services.subjects import subject_index_for
from credit_portal.demo import refuse_in_production
from credit_portal.models import User
from departments.models import Department, Occupation, RecordCategory

BATCH = 2000
FIRST_BIRTH = date(1960, 1, 1)
BIRTH_DAYS = 40 * 365  # people born 1960–1999
ORDERS = 1000  # the three-digit order code of GB 11643


def person_number(n: int) -> str:
    """The n-th synthetic ID number: distinct for every n below BIRTH_DAYS × ORDERS."""
    birth = FIRST_BIRTH + timedelta(days=n % BIRTH_DAYS)
    return synthetic_id_number("110105", birth, (n // BIRTH_DAYS) % ORDERS)


class Command(BaseCommand):
    help = "Bulk-insert synthetic subjects, archives and published records for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--subjects", type=int, default=1000, help="How many people to create.")
        parser.add_argument("--records", type=int, default=2, help="Published records per archive.")

    def handle(self, *args: Any, subjects: int, records: int, **options: Any) -> None:
        try:
            refuse_in_production()
        except Exception as exc:  # noqa: BLE001 - ImproperlyConfigured, shown as a command error
            raise CommandError(str(exc)) from None
        if subjects < 1 or subjects > BIRTH_DAYS * ORDERS:
            raise CommandError(f"--subjects must be between 1 and {BIRTH_DAYS * ORDERS}.")
        targets = []
        for occupation_code, department_code in (("teacher", "education"), ("doctor", "health")):
            try:
                targets.append((Occupation.objects.get(code=occupation_code), Department.objects.get(code=department_code)))
            except (Occupation.DoesNotExist, Department.DoesNotExist):
                raise CommandError("The catalogue is missing: run `manage.py migrate` first.") from None
        try:
            positive_category = RecordCategory.objects.get(code="rewards-penalties")
            negative_category = RecordCategory.objects.get(code="violations")
        except RecordCategory.DoesNotExist:
            raise CommandError("The catalogue is missing: run `manage.py migrate` first.") from None
        # Read the display rules once (the service reads them per record).
        max_months = dict(DisplayRule.objects.values_list("tier", "max_months"))
        author, _ = User.objects.get_or_create(username="synthetic_loader", defaults={"full_name": "合成数据装载"})
        if author.has_usable_password():
            author.set_unusable_password()
            author.save(update_fields=["password"])

        start = Subject.objects.count()  # continue after earlier runs: numbers never collide
        if start + subjects > BIRTH_DAYS * ORDERS:
            raise CommandError("Not enough distinct synthetic ID numbers left.")
        today = timezone.localdate()
        now = timezone.now()
        began = time.perf_counter()
        made_records = 0
        for offset in range(0, subjects, BATCH):
            size = min(BATCH, subjects - offset)
            people, archives, rows = [], [], []
            for i in range(start + offset, start + offset + size):
                number = person_number(i)
                people.append(Subject(
                    id=uuid.uuid4(), name=f"合成{i:07d}", gender=validators.gender_of(number), id_number=number,
                    id_number_index=subject_index_for(number), id_number_masked=validators.masked_id_number(number),
                    birth_date=validators.birth_date_of(number), phone=f"139{i:08d}"[-11:], created_by=author,
                ))
            for index, person in enumerate(people):
                occupation, department = targets[index % 2]
                archives.append(Archive(
                    subject=person, occupation=occupation, department=department, employer="合成单位",
                    created_by=author, last_updated_at=now,
                ))
            with transaction.atomic():
                Subject.objects.bulk_create(people, batch_size=BATCH)
                Archive.objects.bulk_create(archives, batch_size=BATCH)
                for index, archive in enumerate(archives):
                    for k in range(records):
                        negative = (index + k) % 3 == 0
                        decided = today - timedelta(days=30 + (index * 7 + k * 11) % 300)
                        record = CreditRecord(
                            archive=archive, category=negative_category if negative else positive_category,
                            polarity=CreditRecord.Polarity.NEGATIVE if negative else CreditRecord.Polarity.POSITIVE,
                            severity=CreditRecord.Severity.GENERAL if negative else "",
                            title="合成负面记录" if negative else "合成表彰记录",
                            occurred_on=decided - timedelta(days=10), decided_on=decided,
                            state=CreditRecord.State.PUBLISHED, created_by=author, updated_by=author,
                            published_by=author, published_at=now, submitted_at=now,
                            display_until=add_months(decided, max_months["general" if negative else "positive"]),
                        )
                        rows.append(record)
                CreditRecord.objects.bulk_create(rows, batch_size=BATCH)
            made_records += len(rows)
        elapsed = time.perf_counter() - began
        rate = subjects / elapsed if elapsed else float("inf")
        self.stdout.write(
            f"Created {subjects} subjects, {subjects} archives and {made_records} published records "
            f"in {elapsed:.1f} s: {rate:.0f} subjects/s."
        )
