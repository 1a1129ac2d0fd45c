"""PlatformDelivery.event loses its own index: the unique constraint (event, platform)
leads with the event and serves every look-up by event and the cascade, so each
acknowledgement updates one index fewer. Only the index is dropped; the foreign key
stays as it is (AlterField would drop and re-create it, re-checking every row)."""

from django.db import migrations, models

INDEX = "exchange_platformdelivery_event_id_ee91ce0c"


class Migration(migrations.Migration):

    dependencies = [
        ("exchange", "0005_outbox_event_purged_content"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "exchange_platformdelivery" ("event_id")',
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="platformdelivery",
                    name="event",
                    field=models.ForeignKey(
                        db_index=False, on_delete=models.deletion.CASCADE, related_name="deliveries",
                        to="exchange.outboxevent",
                    ),
                ),
            ],
        ),
    ]
