"""Default deadline rules (DESIGN §7); the credit office changes them as data."""

from django.db import migrations

DEFAULTS = [
    ("objection_accept", 2, "working", "DESIGN §7: accept or refuse within 2 working days"),
    ("objection_conclude", 20, "calendar",
     "《征信业管理条例》 art. 25: verify and answer within 20 days (日, calendar days; 《民法典》 art. 203 for the last day)"),
    ("repair_accept", 2, "working", "DESIGN §7 default, as for objections"),
    ("repair_decide", 10, "working", "DESIGN §7; NDRC 《信用修复管理办法》 (2026): decide within 10 working days"),
]


def load(apps, schema_editor):
    DeadlineRule = apps.get_model("repair", "DeadlineRule")
    for key, days, unit, source in DEFAULTS:
        DeadlineRule.objects.get_or_create(key=key, defaults={"days": days, "unit": unit, "source": source})


class Migration(migrations.Migration):
    dependencies = [("repair", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
