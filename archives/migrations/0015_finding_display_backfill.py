"""The decision day and display end of the yearly findings signed before they existed.

Not atomic: on PostgreSQL an atomic migration would hold its locks on the findings table
while every signed finding is updated (millions in a city); each batch of 2,000 commits
on its own instead, and running it again recomputes the same values. The index is built
after the backfill, so the updates do not maintain it."""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.db import migrations, models
from django.utils import timezone

# Written out here, not imported, so that this migration keeps meaning what it meant
# (archives.services.records.display.finding_decided_on / finding_display_until).
TIERS = {"trustworthy": "positive", "warning": "general", "serious": "serious"}
MAXIMA = {"minor": 3, "general": 12, "serious": 36, "positive": 36}


def backfill(apps, schema_editor):
    """Every signed (or superseded) finding gets the decision day and the display end it
    would have got when signed: the signing day, never later than its year's last day,
    plus its tier's maximum display period."""
    AnnualFinding = apps.get_model("archives", "AnnualFinding")
    DisplayRule = apps.get_model("archives", "DisplayRule")
    maxima = {**MAXIMA, **dict(DisplayRule.objects.values_list("tier", "max_months"))}
    rows = AnnualFinding.objects.filter(signed_at__isnull=False).only("pk", "year", "status", "signed_at")
    batch = []
    for finding in rows.order_by("pk").iterator(chunk_size=2000):
        finding.decided_on = min(timezone.localtime(finding.signed_at).date(), date(finding.year, 12, 31))
        months = maxima[TIERS.get(finding.status, "serious")]
        finding.display_until = finding.decided_on + relativedelta(months=months)
        batch.append(finding)
        if len(batch) == 2000:
            AnnualFinding.objects.bulk_update(batch, ["decided_on", "display_until"])
            batch = []
    AnnualFinding.objects.bulk_update(batch, ["decided_on", "display_until"])


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ('archives', '0014_record_replaced_negative'),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='annualfinding',
            index=models.Index(condition=models.Q(('status__in', ['warning', 'serious'])), fields=['decided_on'], name='finding_adverse_by_day'),
        ),
    ]
