"""The audit chain's head row, and on PostgreSQL the triggers that keep the trail append-only.

Genesis: the first entry links to SM3("credit_portal audit chain genesis v1"), the same
value as ``credit_portal.audit.GENESIS_HASH`` (a test checks the two agree). The value
is computed here rather than imported so this migration keeps working whatever later
happens to the module.

Triggers (PostgreSQL only; DESIGN §8): a row-level trigger refuses UPDATE and DELETE,
a statement-level trigger refuses TRUNCATE, of ``credit_portal_auditentry``.

Maintenance bypass: the triggers let a statement through only when the transaction has
run ``SET LOCAL credit_portal.audit_maintenance = 'on'``. Production never sets it.
It is there for the retention purge of entries older than 184 days (the six-month
minimum of Cybersecurity Law art. 21(3)), run deliberately by the audit administrator,
and for the test runner's flush between transactional tests (tests/conftest.py). A
bypass needs the database credentials anyway; what the triggers stop is the
application, an admin action or a mistaken query rewriting history.
"""

from cryptography.hazmat.primitives import hashes
from django.db import migrations

GENESIS_SEED = "credit_portal audit chain genesis v1"

CREATE_TRIGGERS = r"""
CREATE OR REPLACE FUNCTION credit_portal_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('credit_portal.audit_maintenance', true) = 'on' THEN
        IF TG_LEVEL = 'STATEMENT' THEN
            RETURN NULL;
        ELSIF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'The audit trail is append-only: % on % is refused.', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Entries are never changed or removed; see credit_portal/audit.py.';
END;
$$;

CREATE TRIGGER credit_portal_auditentry_no_update_delete
    BEFORE UPDATE OR DELETE ON credit_portal_auditentry
    FOR EACH ROW EXECUTE FUNCTION credit_portal_audit_append_only();

CREATE TRIGGER credit_portal_auditentry_no_truncate
    BEFORE TRUNCATE ON credit_portal_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION credit_portal_audit_append_only();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS credit_portal_auditentry_no_truncate ON credit_portal_auditentry;
DROP TRIGGER IF EXISTS credit_portal_auditentry_no_update_delete ON credit_portal_auditentry;
DROP FUNCTION IF EXISTS credit_portal_audit_append_only();
"""


def _sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def create_head(apps, schema_editor):
    alias = schema_editor.connection.alias
    AuditChainHead = apps.get_model("credit_portal", "AuditChainHead")
    AuditEntry = apps.get_model("credit_portal", "AuditEntry")
    # Entries exist only when this migration is re-applied after a reversal: the head
    # then resumes from the last of them instead of restarting the chain.
    last = AuditEntry.objects.using(alias).order_by("-sequence").first()
    if last is not None:
        defaults = {"sequence": last.sequence, "last_hash": last.entry_hash}
    else:
        defaults = {"sequence": 0, "last_hash": _sm3_hex(GENESIS_SEED.encode("utf-8"))}
    AuditChainHead.objects.using(alias).get_or_create(pk=1, defaults=defaults)


def delete_head(apps, schema_editor):
    AuditChainHead = apps.get_model("credit_portal", "AuditChainHead")
    AuditChainHead.objects.using(schema_editor.connection.alias).filter(pk=1).delete()


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGERS, params=None)  # None: "%" is PL/pgSQL here


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGERS, params=None)


class Migration(migrations.Migration):
    dependencies = [("credit_portal", "0001_initial")]

    operations = [
        migrations.RunPython(create_head, delete_head),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
