"""The embedded default platform: this deployment's own ledger, reached in-process."""

from django.db import migrations
from django.db.models import F


def forwards(apps, schema_editor):
    MunicipalPlatform = apps.get_model("exchange", "MunicipalPlatform")
    OutboxEvent = apps.get_model("exchange", "OutboxEvent")
    MunicipalPlatform.objects.get_or_create(
        name="embedded", defaults={"url": "", "embedded": True, "active": True, "signing_key_setting": "PLATFORM_SIGNING_KEY"}
    )
    # Events written before next_attempt_at had a default are due now.
    OutboxEvent.objects.filter(next_attempt_at__isnull=True).update(next_attempt_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [("exchange", "0002_platform")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
