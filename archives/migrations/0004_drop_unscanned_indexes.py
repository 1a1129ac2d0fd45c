"""Three more indexes that pg_stat_user_indexes showed never scanned after the benchmark
at a million people (docs/benchmarks.md): 170 MB there. Dropped without Django's
AlterField, which would drop and re-validate the foreign keys over every row."""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = (
    "archives_creditrecord_category_id_e5d161a1",  # categories are retired, never deleted
    "archives_archive_department_id_45892f82",  # archive_department_state leads with department_id
    # The pattern-ops twin of the blind index's unique index: an HMAC is never matched by prefix.
    "archives_subject_id_number_index_1927f0b1_like",
)


class Migration(migrations.Migration):

    dependencies = [
        ("archives", "0003_record_indexes_for_lists_drop_redundant"),
        ("departments", "0003_seed_references"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="archive",
                    name="department",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="archives",
                        to="departments.department", verbose_name="responsible department",
                    ),
                ),
                migrations.AlterField(
                    model_name="creditrecord",
                    name="category",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                        to="departments.recordcategory", verbose_name="category",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    [f"DROP INDEX IF EXISTS {name}" for name in DROPPED],
                    reverse_sql=migrations.RunSQL.noop,
                ),
            ],
        ),
    ]
