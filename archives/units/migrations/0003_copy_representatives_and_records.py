"""Each unit's legal representative becomes its current legal-representative link (since
the unit's registration), and each unit's dishonesty's record becomes its record for that
link. A separate migration from the schema changes around it: PostgreSQL refuses to alter
a table with pending deferred-constraint events in the same transaction."""

from django.db import migrations


def copy_forward(apps, schema_editor):
    Unit = apps.get_model("units", "Unit")
    UnitPerson = apps.get_model("units", "UnitPerson")
    UnitDishonesty = apps.get_model("units", "UnitDishonesty")
    UnitDishonestyRecord = apps.get_model("units", "UnitDishonestyRecord")
    links = {}
    for unit in Unit.objects.all().iterator():
        links[unit.pk] = UnitPerson.objects.create(
            unit_id=unit.pk,
            role="legal_representative",
            subject_id=unit.representative_id,
            archive_id=unit.representative_archive_id,
            added_by_id=unit.created_by_id,
            added_at=unit.created_at,
        )
    for item in UnitDishonesty.objects.all().iterator():
        UnitDishonestyRecord.objects.create(
            item_id=item.pk, person=links[item.unit_id], record_id=item.record_id, lineage=item.lineage
        )


def copy_backward(apps, schema_editor):
    Unit = apps.get_model("units", "Unit")
    UnitPerson = apps.get_model("units", "UnitPerson")
    UnitDishonestyRecord = apps.get_model("units", "UnitDishonestyRecord")
    for link in UnitPerson.objects.filter(role="legal_representative", ended_at__isnull=True):
        Unit.objects.filter(pk=link.unit_id).update(
            representative_id=link.subject_id, representative_archive_id=link.archive_id
        )
    # Only the legal representative's record fits the old one-record shape.
    for row in UnitDishonestyRecord.objects.filter(person__role="legal_representative").select_related("item"):
        row.item.record_id = row.record_id
        row.item.lineage = row.lineage
        row.item.save(update_fields=["record", "lineage"])


class Migration(migrations.Migration):

    dependencies = [
        ("units", "0002_people_and_records"),
    ]

    operations = [migrations.RunPython(copy_forward, copy_backward)]
