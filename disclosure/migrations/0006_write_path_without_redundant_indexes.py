"""Indexes the query API writes into on every query and nothing reads (issue 14;
docs/benchmarks.md, twelfth session):

* the ``varchar_pattern_ops`` twins (``…_like``) PostgreSQL got for the report's number
  and the authorization's code digest, reference and state: they serve only
  ``LIKE 'prefix%'``, which nothing asks of these columns (every look-up is exact);
* the subject's own index on the query log and on the authorization: the composite
  indexes ``querylog_subject_time`` and ``authorization_subject_state`` lead with it.

Only these indexes are dropped, by name: the fields keep their unique constraints, and
the two foreign keys stay as they are (an ``AlterField`` would drop and re-create them,
re-checking every row under lock, as exchange 0006 avoided). The model says
``db_index=False`` for the two subjects, so its state matches.
"""

from django.db import migrations, models

TWINS = {
    "disclosure_creditreport_number_c4f98838_like": ("disclosure_creditreport", "number"),
    "disclosure_authorization_code_hash_dc3d2e82_like": ("disclosure_authorization", "code_hash"),
    "disclosure_authorization_reference_55841beb_like": ("disclosure_authorization", "reference"),
    "disclosure_authorization_state_e80b4d73_like": ("disclosure_authorization", "state"),
}
SUBJECT_INDEXES = {
    "disclosure_querylog_subject_id_4eac5563": "disclosure_querylog",
    "disclosure_authorization_subject_id_5d3d252a": "disclosure_authorization",
}


def drop_twins(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in TWINS:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create_twins(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, (table, column) in TWINS.items():
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}" varchar_pattern_ops)')


class Migration(migrations.Migration):

    dependencies = [
        ("disclosure", "0005_green_channel_queries_and_points_consent"),
    ]

    operations = [
        migrations.RunPython(drop_twins, create_twins),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name in SUBJECT_INDEXES],
                    reverse_sql=[
                        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("subject_id")'
                        for name, table in SUBJECT_INDEXES.items()
                    ],
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="authorization",
                    name="subject",
                    field=models.ForeignKey(
                        db_index=False, on_delete=models.deletion.PROTECT, related_name="authorizations",
                        to="archives.subject", verbose_name="subject",
                    ),
                ),
                migrations.AlterField(
                    model_name="querylog",
                    name="subject",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=models.deletion.PROTECT,
                        related_name="queries", to="archives.subject", verbose_name="subject",
                    ),
                ),
            ],
        ),
    ]
