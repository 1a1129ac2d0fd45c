import django.db.models.deletion
from django.db import migrations, models

# one_archive_per_subject_occupation leads with subject_id and serves the same look-ups;
# every archive written (100,000 at a time by an import) maintained both.
DROPPED = "archives_archive_subject_id_975139ce"


class Migration(migrations.Migration):

    dependencies = [
        ('archives', '0008_overdue_and_draft_finding_indexes'),
    ]

    operations = [
        # Only the index goes: Django's own AlterField would also drop and re-validate the
        # foreign key over every archive.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='archive',
                    name='subject',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='archives', to='archives.subject', verbose_name='subject'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {DROPPED}",
                    reverse_sql=f"CREATE INDEX {DROPPED} ON archives_archive (subject_id)",
                ),
            ],
        ),
    ]
