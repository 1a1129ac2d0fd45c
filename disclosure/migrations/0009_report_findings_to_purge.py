from datetime import date

from django.db import migrations


def oldest_negative_on(content):
    """As ``disclosure.services.reports.oldest_negative_on`` when the yearly findings joined
    it (copied: a migration keeps its own code). Reports issued before then quote no
    finding's decision day: a warning or serious finding counts from its year's first day."""
    archives = (content or {}).get("archives", [])
    days = [entry["decided_on"] for archive in archives for entry in archive.get("records", [])
            if entry.get("polarity") == "negative" and entry.get("decided_on")]
    days += [entry.get("decided_on") or f"{int(entry['year']):04d}-01-01"
             for archive in archives for entry in archive.get("findings", [])
             if entry.get("status") in ("warning", "serious")]
    return date.fromisoformat(min(days)) if days else None


def backfill(apps, schema_editor):
    """The reports quoting a warning or serious yearly finding, so the nightly sweep blanks
    them when the finding's 5 years are over (《征信业管理条例》 art. 16), not only when a
    record's are. Only reports whose content names such a finding change."""
    CreditReport = apps.get_model("disclosure", "CreditReport")
    batch = []
    for report in CreditReport.objects.filter(content_purged_at=None).only(
            "id", "content", "oldest_negative_on").iterator(chunk_size=500):
        found = oldest_negative_on(report.content)
        if found != report.oldest_negative_on:
            report.oldest_negative_on = found
            batch.append(report)
        if len(batch) >= 500:
            CreditReport.objects.bulk_update(batch, ["oldest_negative_on"])
            batch = []
    if batch:
        CreditReport.objects.bulk_update(batch, ["oldest_negative_on"])


class Migration(migrations.Migration):

    # Not atomic: it reads every report's content; each batch commits on its own (a
    # transaction over the whole table would hold it), and running it again is harmless.
    atomic = False

    dependencies = [
        ('disclosure', '0008_report_purge_seal_and_sweep'),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
