"""The audit entry loses the ``varchar_pattern_ops`` twins PostgreSQL got for its text
columns with ``db_index`` or ``unique`` (``…_like``): they serve only ``LIKE 'prefix%'``,
which nothing asks of these columns (every look-up is exact), and every audited read
wrote an entry into each of them (issue 14; docs/benchmarks.md, twelfth session).

Only the twins are dropped, by name, so the fields, their unique constraints and plain
indexes stay as they are: no index is rebuilt on a table that holds every audited read
of the portal's years. Django would create a twin again only if one of these fields were
altered; tests/test_write_path_indexes.py fails then. SQLite has no such twins.
"""

from django.db import migrations

TABLE = "credit_portal_auditentry"
TWINS = {
    "credit_portal_auditentry_action_cdb65d14_like": "action",
    "credit_portal_auditentry_subject_ref_5fb47caa_like": "subject_ref",
    "credit_portal_auditentry_entry_hash_e8325610_like": "entry_hash",
    "credit_portal_auditentry_uid_0b376997_like": "uid",
}


def drop_twins(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in TWINS:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create_twins(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, column in TWINS.items():
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{TABLE}" ("{column}" varchar_pattern_ops)')


class Migration(migrations.Migration):

    dependencies = [
        ("credit_portal", "0008_user_manager"),
    ]

    operations = [
        migrations.RunPython(drop_twins, create_twins),
    ]
