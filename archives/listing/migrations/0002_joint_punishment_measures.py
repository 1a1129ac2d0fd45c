"""Load the joint-punishment measures (archives.listing.catalogue). Reversible: the
reverse deletes exactly these rows, by code. A department missing from the catalogue
is skipped (a deployment that retired it)."""

from django.db import migrations

from archives.listing.catalogue import MEASURES


def load(apps, schema_editor):
    Department = apps.get_model("departments", "Department")
    Measure = apps.get_model("listing", "Measure")
    departments = {d.code: d for d in Department.objects.filter(code__in=[m["department"] for m in MEASURES])}
    for order, row in enumerate(MEASURES, start=1):
        department = departments.get(row["department"])
        if department is None:
            continue
        Measure.objects.get_or_create(code=row["code"], defaults={
            "name": row["name"], "department": department, "legal_basis": row["legal_basis"],
            "categories": row["categories"], "sort_order": order,
        })


def unload(apps, schema_editor):
    apps.get_model("listing", "Measure").objects.filter(code__in=[m["code"] for m in MEASURES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("listing", "0001_listing_procedure_and_joint_punishment"),
        ("departments", "0003_seed_references"),
    ]

    operations = [migrations.RunPython(load, unload)]
