import django.db.models.deletion
from django.db import migrations, models

# intake_key_unique_per_department leads with department_id and serves the same look-ups;
# every natural key written (one per imported row) maintained both.
DROPPED = "intake_intakekey_department_id_ca90cab3"


class Migration(migrations.Migration):

    dependencies = [
        ('departments', '0009_must_record_items_of_occupations'),
        ('intake', '0001_intake_tables'),
    ]

    operations = [
        # Only the index goes: Django's own AlterField would also drop and re-validate the
        # foreign key over every key.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='intakekey',
                    name='department',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='departments.department'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {DROPPED}",
                    reverse_sql=f"CREATE INDEX {DROPPED} ON intake_intakekey (department_id)",
                ),
            ],
        ),
    ]
