"""Load the catalogue of the seeds (DESIGN §4) from ``departments.catalogue_data``.

Departments, key domains, record categories with their legal basis, key occupation
groups with their responsible departments and categories (each mapping with its
seed), and the empty coverage table of 000's annex. Reversible: the reverse deletes
exactly the rows this migration created, by code.
"""

from django.db import migrations

from departments import catalogue_data as data


def load_catalogue(apps, schema_editor):
    Department = apps.get_model("departments", "Department")
    Domain = apps.get_model("departments", "Domain")
    RecordCategory = apps.get_model("departments", "RecordCategory")
    Occupation = apps.get_model("departments", "Occupation")
    OccupationDepartment = apps.get_model("departments", "OccupationDepartment")
    OccupationCategory = apps.get_model("departments", "OccupationCategory")
    CoverageEntry = apps.get_model("departments", "CoverageEntry")

    annex_order = {code: index for index, code in enumerate(data.ANNEX_DEPARTMENT_CODES, start=1)}
    departments = {}
    for extra, row in enumerate(data.DEPARTMENTS, start=len(annex_order) + 1):
        departments[row["code"]] = Department.objects.create(
            code=row["code"], name=row["name"], kind=row["kind"], seeds=row["seeds"],
            sort_order=annex_order.get(row["code"], extra),
        )

    for order, row in enumerate(data.DOMAINS, start=1):
        Domain.objects.create(code=row["code"], name=row["name"], seeds=row["seeds"], sort_order=order)

    categories = {}
    for order, row in enumerate(data.CATEGORIES, start=1):
        categories[row["code"]] = RecordCategory.objects.create(
            code=row["code"], name=row["name"], description=row["description"],
            legal_basis=row["legal_basis"], is_common=row["is_common"], sort_order=order,
        )

    # The cadence moved to its own table in 0004; the tests reload this catalogue
    # through today's models, which no longer have the column.
    has_cadence = any(f.name == "update_cadence" for f in Occupation._meta.get_fields())
    for row in data.OCCUPATIONS:
        occupation = Occupation.objects.create(
            code=row["code"], name=row["name"], description=row["description"], group=row["group"],
            special_contents=row["special"], sort_order=row["sort_order"],
            **({"update_cadence": row["cadence"]} if has_cadence else {}),
        )
        OccupationDepartment.objects.bulk_create(
            OccupationDepartment(occupation=occupation, department=departments[code], seed=seed, note=note)
            for code, seed, note in row["departments"]
        )
        OccupationCategory.objects.bulk_create(
            OccupationCategory(occupation=occupation, category=categories[code], seed=seed, note=note)
            for code, seed, note in row["categories"]
        )

    CoverageEntry.objects.bulk_create(
        CoverageEntry(department=departments[code]) for code in data.ANNEX_DEPARTMENT_CODES
    )


def unload_catalogue(apps, schema_editor):
    Department = apps.get_model("departments", "Department")
    Domain = apps.get_model("departments", "Domain")
    RecordCategory = apps.get_model("departments", "RecordCategory")
    Occupation = apps.get_model("departments", "Occupation")
    CoverageEntry = apps.get_model("departments", "CoverageEntry")

    department_codes = [row["code"] for row in data.DEPARTMENTS]
    CoverageEntry.objects.filter(department__code__in=department_codes).delete()
    # Deleting an occupation cascades to its responsibility and category mappings.
    Occupation.objects.filter(code__in=[row["code"] for row in data.OCCUPATIONS]).delete()
    RecordCategory.objects.filter(code__in=[row["code"] for row in data.CATEGORIES]).delete()
    Domain.objects.filter(code__in=[row["code"] for row in data.DOMAINS]).delete()
    Department.objects.filter(code__in=department_codes).delete()


class Migration(migrations.Migration):
    dependencies = [("departments", "0001_initial")]
    operations = [migrations.RunPython(load_catalogue, unload_catalogue)]
