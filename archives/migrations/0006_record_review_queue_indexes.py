"""The review queue's own indexes: a record awaiting review carries its archive's
department and occupation, and two small indexes lead with them, so a reviewer's queue
no longer walks every department's backlog. The records awaiting review now are filled
from their archives before the indexes are built."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# PostgreSQL's planner assumes the columns independent: it would take "review department
# is 9" and "state is submitted" for two rare conditions, expect almost no match and
# pick the wrong path either way (sorting a long queue, or walking every department's
# entries for an empty one). Extended statistics teach it that the copies are set only
# while a record is submitted, so its estimates follow each department's real queue.
STATISTICS = (
    "CREATE STATISTICS IF NOT EXISTS record_review_queue_stats (mcv, dependencies) "
    "ON state, is_current, review_department_id, review_occupation_id FROM archives_creditrecord"
)


def create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STATISTICS)
        schema_editor.execute("ANALYZE archives_creditrecord")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS record_review_queue_stats")


class Migration(migrations.Migration):

    dependencies = [
        ('archives', '0005_merge_index_drops_and_change_proposals'),
        ('departments', '0003_seed_references'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='creditrecord',
            name='review_department',
            field=models.ForeignKey(blank=True, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='departments.department'),
        ),
        migrations.AddField(
            model_name='creditrecord',
            name='review_occupation',
            field=models.ForeignKey(blank=True, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='departments.occupation'),
        ),
        # Portable SQL (PostgreSQL and SQLite); only the rows awaiting review, a small share.
        migrations.RunSQL(
            sql=(
                "UPDATE archives_creditrecord SET "
                "review_department_id = (SELECT a.department_id FROM archives_archive a "
                "WHERE a.id = archives_creditrecord.archive_id), "
                "review_occupation_id = (SELECT a.occupation_id FROM archives_archive a "
                "WHERE a.id = archives_creditrecord.archive_id) "
                "WHERE state = 'submitted' AND is_current"
            ),
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='creditrecord',
            index=models.Index(condition=models.Q(('review_department__isnull', False)), fields=['review_department', 'submitted_at', 'id'], name='record_review_by_department'),
        ),
        migrations.AddIndex(
            model_name='creditrecord',
            index=models.Index(condition=models.Q(('review_occupation__isnull', False)), fields=['review_occupation', 'submitted_at', 'id'], name='record_review_by_occupation'),
        ),
        migrations.RunPython(create_statistics, drop_statistics),
    ]
