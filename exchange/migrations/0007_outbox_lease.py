"""Claims as lease rows (exchange.OutboxLease) and an outbox whose delivery indexes only
pending rows.

Before, each event's wide outbox row was rewritten twice (the claim moved
``next_attempt_at`` one lease ahead, the delivered mark cleared it), and since both
changed indexed columns, neither was a HOT update: each wrote an entry into every one
of the table's six indexes. Now the claim writes a narrow lease row (one index) and
leaves the event alone; the delivered mark rewrites the event once, and a delivered
event enters neither the due index (pending only) nor the one on ``created_at``, now
limited to the events not delivered, which is all the operations page reads. The event
type's ``varchar_pattern_ops`` twin, which nothing queried with LIKE, is gone.

In-flight claims of the previous code were leases in ``next_attempt_at``: such an event
is simply due when that lease would have run out.

The lease table churns (an insert and a delete per event): vacuumed after a fixed
number of dead rows rather than a share of a table that is nearly empty (PostgreSQL
only).
"""

import django.db.models.deletion
from django.db import migrations, models

TUNE = (
    "ALTER TABLE exchange_outboxlease SET (autovacuum_vacuum_scale_factor = 0, "
    "autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_insert_scale_factor = 0, "
    "autovacuum_vacuum_insert_threshold = 5000, autovacuum_analyze_scale_factor = 0, "
    "autovacuum_analyze_threshold = 5000, autovacuum_vacuum_cost_delay = 0)"
)


def _tune(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TUNE)


class Migration(migrations.Migration):

    dependencies = [
        ('exchange', '0006_delivery_event_index_in_unique_constraint'),
    ]

    operations = [
        migrations.CreateModel(
            name='OutboxLease',
            fields=[
                ('event', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='lease', serialize=False, to='exchange.outboxevent')),
                ('leased_until', models.DateTimeField(verbose_name='leased until')),
                ('attempts', models.PositiveIntegerField(verbose_name='attempts')),
            ],
            options={
                'verbose_name': 'outbox lease',
                'verbose_name_plural': 'outbox leases',
            },
        ),
        migrations.RemoveIndex(
            model_name='outboxevent',
            name='outbox_due',
        ),
        migrations.AlterField(
            model_name='outboxevent',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created'),
        ),
        migrations.AlterField(
            model_name='outboxevent',
            name='event_type',
            field=models.CharField(max_length=64, verbose_name='event type'),
        ),
        migrations.AddIndex(
            model_name='outboxevent',
            index=models.Index(condition=models.Q(('state', 'pending')), fields=['next_attempt_at'], name='outbox_due_pending'),
        ),
        migrations.AddIndex(
            model_name='outboxevent',
            index=models.Index(condition=models.Q(('state', 'delivered'), _negated=True), fields=['created_at'], name='outbox_undelivered'),
        ),
        migrations.AddIndex(
            model_name='outboxevent',
            index=models.Index(fields=['event_type'], name='outbox_event_type'),
        ),
        migrations.RunPython(_tune, migrations.RunPython.noop),
    ]
