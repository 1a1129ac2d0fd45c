"""The indexes of the four tables every third-party query writes (a report, its query log
entry, an audit entry; the authorization's use spent), exactly: each index entry costs
the database on every query (docs/benchmarks.md, twelfth session, engineer idx).

Dropped (issue 14): the ``varchar_pattern_ops`` twins (``…_like``) PostgreSQL got for each
``unique=True`` / ``db_index=True`` text column, which serve only ``LIKE 'prefix%'`` and
nothing asks that of these columns; and the subject's own index on querylog and on
authorization, whose composite index leads with the subject. A new index here, or one
of these gone, fails this test: change the list with a reason, not by accident.

PostgreSQL only: the ``_like`` twins are PostgreSQL's (SQLite builds none), and this
reads ``pg_indexes``.
"""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="reads pg_indexes; the _like twins it guards against exist only on PostgreSQL",
    ),
    pytest.mark.postgres,
    pytest.mark.django_db,
]

# Index name -> its columns as pg_indexes writes them.
EXPECTED = {
    "disclosure_creditreport": {
        "disclosure_creditreport_pkey": "(id)",
        "disclosure_creditreport_number_key": "(number)",
        "disclosure_creditreport_subject_id_bc9ca2a0": "(subject_id)",
        "disclosure_creditreport_institution_id_d8de5686": "(institution_id)",
        "disclosure_creditreport_authorization_id_325f3573": "(authorization_id)",
        "disclosure_creditreport_issued_to_user_id_99e4cac7": "(issued_to_user_id)",
        # The nightly retention sweep's look-up (session 29): only reports quoting negative
        # information enter it, a minority; without it the sweep reads every report nightly.
        "report_negative_to_purge": "(oldest_negative_on) WHERE ((content_purged_at IS NULL) AND "
                                    "(oldest_negative_on IS NOT NULL))",
    },
    "disclosure_querylog": {
        "disclosure_querylog_pkey": "(id)",
        "disclosure_querylog_report_id_key": "(report_id)",
        "querylog_subject_time": "(subject_id, occurred_at DESC)",
        "disclosure_querylog_occurred_at_7b7e93d6": "(occurred_at)",
        "disclosure_querylog_actor_id_956535fe": "(actor_id)",
        "disclosure_querylog_institution_id_d8c2ca5a": "(institution_id)",
        "disclosure_querylog_authorization_id_2ecf689c": "(authorization_id)",
        "disclosure_querylog_department_id_a296c044": "(department_id)",
    },
    "credit_portal_auditentry": {
        "credit_portal_auditentry_pkey": "(id)",
        "credit_portal_auditentry_sequence_key": "(sequence)",
        "credit_portal_auditentry_uid_key": "(uid)",
        "credit_portal_auditentry_entry_hash_key": "(entry_hash)",
        "audit_unchained": "(id) WHERE (sequence IS NULL)",
        "credit_portal_auditentry_action_cdb65d14": "(action)",
        "credit_portal_auditentry_subject_ref_5fb47caa": "(subject_ref)",
        "credit_portal_auditentry_created_at_f7f81ea3": "(created_at)",
        "credit_portal_auditentry_actor_id_6dea298e": "(actor_id)",
    },
    "disclosure_authorization": {
        "disclosure_authorization_pkey": "(id)",
        "disclosure_authorization_reference_key": "(reference)",
        "disclosure_authorization_code_hash_key": "(code_hash)",
        "authorization_subject_state": "(subject_id, state)",
        "disclosure_authorization_state_e80b4d73": "(state)",
        "disclosure_authorization_grantee_id_3f1845ce": "(grantee_id)",
        "disclosure_authorization_requested_by_id_08a0e567": "(requested_by_id)",
    },
}


def _indexes(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return {name: definition.split(" USING btree ", 1)[-1] for name, definition in cursor.fetchall()}


@pytest.mark.parametrize("table", sorted(EXPECTED))
def test_write_path_table_has_exactly_its_indexes(table: str) -> None:
    assert _indexes(table) == EXPECTED[table]


def test_no_pattern_ops_twin_on_the_write_path() -> None:
    # The same guard said the other way round, for a reader of the failure: a ``_like``
    # twin back (Django makes one again when a text field with ``unique=True`` or
    # ``db_index=True`` is altered; drop it in that migration) is this.
    twins = [name for table in EXPECTED for name in _indexes(table) if name.endswith("_like")]
    assert twins == []
