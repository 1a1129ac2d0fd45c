from django.db import migrations

# The natural keys move onto the records they were imported as (archives 0010): an import
# no longer writes a key row per record. Each key row named one record; the key, its
# department and content digest are copied onto it, then the table goes. Plain SQL with
# scalar subqueries, valid on PostgreSQL and SQLite.
COPY_KEYS = """
UPDATE archives_creditrecord SET
    intake_department_id = (SELECT k.department_id FROM intake_intakekey k
                            WHERE k.record_id = archives_creditrecord.id ORDER BY k.id LIMIT 1),
    intake_key = (SELECT k.key FROM intake_intakekey k
                  WHERE k.record_id = archives_creditrecord.id ORDER BY k.id LIMIT 1),
    intake_digest = (SELECT k.content_digest FROM intake_intakekey k
                     WHERE k.record_id = archives_creditrecord.id ORDER BY k.id LIMIT 1)
WHERE id IN (SELECT record_id FROM intake_intakekey)
"""
# Back: one key row per keyed record.
RESTORE_KEYS = """
INSERT INTO intake_intakekey (department_id, key, record_id, content_digest, created_at)
SELECT intake_department_id, intake_key, id, intake_digest, created_at
FROM archives_creditrecord WHERE intake_key IS NOT NULL
"""


class Migration(migrations.Migration):

    dependencies = [
        ('archives', '0010_record_intake_key'),
        ('intake', '0002_drop_indexes_covered_by_unique'),
    ]

    operations = [
        migrations.RunSQL(COPY_KEYS, reverse_sql=RESTORE_KEYS),
        migrations.DeleteModel(
            name='IntakeKey',
        ),
    ]
