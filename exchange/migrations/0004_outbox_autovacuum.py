"""Autovacuum tuned for the outbox (PostgreSQL only).

Every event is inserted once and updated two or three times (claimed, delivered), so the
table churns dead row versions far faster than the default thresholds (20 % of the
table) clean them: the claim's index scan then wades through dead entries and slows as
the backlog grows. Vacuum after 1 % (at least 1,000 rows) instead, and keep free space
in each page so updates stay on the page (HOT updates, no index churn)."""

from django.db import migrations

TUNE = (
    "ALTER TABLE exchange_outboxevent SET (autovacuum_vacuum_scale_factor = 0.01, "
    "autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0.02, "
    "autovacuum_vacuum_cost_delay = 0, fillfactor = 80)"
)
RESET = (
    "ALTER TABLE exchange_outboxevent RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, "
    "autovacuum_analyze_scale_factor, autovacuum_vacuum_cost_delay, fillfactor)"
)


def _run(sql: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("exchange", "0003_embedded_platform")]

    operations = [migrations.RunPython(_run(TUNE), _run(RESET))]
