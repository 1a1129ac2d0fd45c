"""credit_portal.fields.EncryptedTextField through real models and tables, and the
rotate_field_keys command (DESIGN §8).

The test models live in an isolated app registry. Their tables are created once for the
module, outside any transaction (SQLite's schema editor refuses to run inside one), and
dropped at its end; each test runs in the ordinary rolled-back transaction, so it starts
with empty tables. Until the twenty-fourth session every test created its tables itself
on ``transactional_db``, whose closing flush (a TRUNCATE of every table, then the
reference data restored) cost ≈ 1.6 s a test on PostgreSQL: 45 s of CI's worker time.
"""

from __future__ import annotations

import pickle
import uuid
from io import StringIO

import pytest
from django.apps.registry import Apps
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models, transaction
from django.db.models import F, Value
from django.test import override_settings
from django.test.utils import isolate_apps

from credit_portal.crypto import DecryptionError, key_version_of
from credit_portal.fields import Ciphertext, EncryptedTextField, PlaintextRefused, mark_for_reencryption
from credit_portal.management.commands import rotate_field_keys

KEY_1 = "00112233445566778899aabbccddeeff"
KEY_2 = "ffeeddccbbaa99887766554433221100"
ID_A = "110101199003071234"
ID_B = "31010119851212002X"
TABLE = "test_encrypted_person"


@pytest.fixture(autouse=True)
def _keys():
    with override_settings(FIELD_ENCRYPTION_KEYS=f"1:{KEY_1}", FIELD_ENCRYPTION_KEY_CURRENT=None):
        yield


def _create_tables(*models_: type[models.Model]) -> None:
    with connection.schema_editor() as editor:
        for model in models_:
            editor.create_model(model)


def _drop_tables(*models_: type[models.Model]) -> None:
    with connection.schema_editor() as editor:
        for model in reversed(models_):
            editor.delete_model(model)


@pytest.fixture(scope="module")
def encrypted_models(django_db_setup, django_db_blocker):
    """The module's test models, their tables created (committed) for the module."""
    with isolate_apps("credit_portal"):

        class Person(models.Model):  # noqa: DJ008 - test model
            id = models.UUIDField(primary_key=True, default=uuid.uuid4)
            id_number = EncryptedTextField()
            phone = EncryptedTextField(null=True, blank=True)
            note = models.CharField(max_length=20, blank=True)

            class Meta:
                app_label = "credit_portal"
                db_table = TABLE

        class Party(models.Model):  # noqa: DJ008 - test model
            id = models.UUIDField(primary_key=True, default=uuid.uuid4)
            contact = EncryptedTextField()

            class Meta:
                app_label = "credit_portal"
                db_table = "test_encrypted_party"

        class Firm(Party):  # noqa: DJ008 - test model
            licence = EncryptedTextField()

            class Meta:
                app_label = "credit_portal"
                db_table = "test_encrypted_firm"

    test_models = {"Person": Person, "Party": Party, "Firm": Firm}
    with django_db_blocker.unblock():
        _create_tables(*test_models.values())
    yield test_models
    with django_db_blocker.unblock():
        _drop_tables(*test_models.values())


@pytest.fixture
def person_model(db, encrypted_models):
    return encrypted_models["Person"]


def raw_rows(columns: str = "id, id_number, phone") -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {TABLE}")  # noqa: S608 - constant names
        return cursor.fetchall()


def _pk_param(pk: uuid.UUID) -> object:
    # SQLite stores UUIDs as 32 hex characters; PostgreSQL has a uuid type.
    return pk if connection.vendor == "postgresql" else pk.hex


def raw_value(pk: uuid.UUID, column: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {TABLE} WHERE id = %s", [_pk_param(pk)])  # noqa: S608
        return cursor.fetchone()[0]


def raw_set(pk: uuid.UUID, column: str, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET {column} = %s WHERE id = %s", [value, _pk_param(pk)])  # noqa: S608


# --- storage ------------------------------------------------------------------------------


def test_create_stores_only_a_token_and_reads_back_the_plaintext(person_model):
    person = person_model.objects.create(id_number=ID_A, phone="13800000000")
    assert person.id_number == ID_A

    stored = raw_value(person.pk, "id_number")
    assert stored.startswith("sm4gcm:v1:")
    assert ID_A not in stored
    assert "13800000000" not in raw_value(person.pk, "phone")

    fetched = person_model.objects.get(pk=person.pk)
    assert fetched.id_number == ID_A
    assert fetched.phone == "13800000000"


def test_a_raw_select_of_the_table_shows_no_plaintext(person_model):
    person_model.objects.create(id_number=ID_A, phone="13800000000")
    person_model.objects.create(id_number=ID_B, phone="13900000000")
    dump = repr(raw_rows())
    for secret in (ID_A, ID_B, "13800000000", "13900000000"):
        assert secret not in dump


def test_save_encrypts_a_changed_value_and_leaves_an_unchanged_token_alone(person_model):
    person = person_model.objects.create(id_number=ID_A)
    first = raw_value(person.pk, "id_number")

    fetched = person_model.objects.get(pk=person.pk)
    fetched.note = "moved"
    fetched.save()
    assert raw_value(person.pk, "id_number") == first  # same token, not re-encrypted

    fetched.id_number = ID_B
    fetched.save()
    second = raw_value(person.pk, "id_number")
    assert second != first
    assert person_model.objects.get(pk=person.pk).id_number == ID_B


def test_save_twice_does_not_reencrypt(person_model):
    person = person_model(id_number=ID_A)
    person.save()
    token = raw_value(person.pk, "id_number")
    person.save()
    assert raw_value(person.pk, "id_number") == token


def test_bulk_create_encrypts_every_object(person_model):
    people = person_model.objects.bulk_create(
        [person_model(id_number=ID_A, phone=None), person_model(id_number=ID_B, phone="13800000000")]
    )
    rows = {pk: (id_number, phone) for pk, id_number, phone in raw_rows()}
    assert len(rows) == 2
    for id_number, _phone in rows.values():
        assert id_number.startswith("sm4gcm:v1:")
    assert ID_A not in repr(rows)
    assert ID_B not in repr(rows)
    assert sorted(p.id_number for p in person_model.objects.all()) == sorted([ID_A, ID_B])
    # pre_save put the tokens back on the objects, so they read without the database.
    assert [p.id_number for p in people] == [ID_A, ID_B]


def test_only_and_defer_load_and_decrypt_on_access(person_model):
    person = person_model.objects.create(id_number=ID_A, phone="13800000000")
    only = person_model.objects.only("note").get(pk=person.pk)
    assert only.get_deferred_fields() == {"id_number", "phone"}
    assert only.id_number == ID_A
    deferred = person_model.objects.defer("id_number").get(pk=person.pk)
    assert deferred.id_number == ID_A
    assert deferred.phone == "13800000000"


def test_refresh_from_db(person_model):
    person = person_model.objects.create(id_number=ID_A)
    other = person_model.objects.get(pk=person.pk)
    other.id_number = ID_B
    other.save()
    person.refresh_from_db()
    assert person.id_number == ID_B
    person.save()
    assert person_model.objects.get(pk=person.pk).id_number == ID_B


def test_values_return_tokens_not_plaintext(person_model):
    person = person_model.objects.create(id_number=ID_A)
    (row,) = person_model.objects.values("id_number")
    assert isinstance(row["id_number"], Ciphertext)
    assert row["id_number"] == raw_value(person.pk, "id_number")
    (token,) = person_model.objects.values_list("id_number", flat=True)
    assert token.startswith("sm4gcm:")


def test_null_stays_null_and_empty_string_is_encrypted(person_model):
    person = person_model.objects.create(id_number="", phone=None)
    assert raw_value(person.pk, "phone") is None
    assert raw_value(person.pk, "id_number").startswith("sm4gcm:v1:")
    fetched = person_model.objects.get(pk=person.pk)
    assert fetched.phone is None
    assert fetched.id_number == ""


def test_pickled_instance_holds_no_decrypted_plaintext(person_model):
    person = person_model.objects.create(id_number=ID_A)
    fetched = person_model.objects.get(pk=person.pk)
    assert fetched.id_number == ID_A  # decrypted and cached on the token
    assert ID_A.encode() not in pickle.dumps(fetched)
    token = fetched.__dict__["id_number"]
    copy = pickle.loads(pickle.dumps(token))  # noqa: S301 - our own bytes
    assert copy == token
    assert isinstance(copy, Ciphertext)
    assert copy._decrypted is None


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lookup",
    [{"id_number": ID_A}, {"id_number__startswith": "1101"}, {"id_number__in": [ID_A]}, {"id_number__iexact": ID_A}],
)
def test_lookups_other_than_isnull_are_refused(person_model, lookup):
    with pytest.raises(FieldError, match="blind-index"):
        person_model.objects.filter(**lookup)


def test_isnull_lookups_work(person_model):
    with_phone = person_model.objects.create(id_number=ID_A, phone="13800000000")
    without = person_model.objects.create(id_number=ID_B, phone=None)
    assert list(person_model.objects.filter(phone__isnull=True)) == [without]
    assert list(person_model.objects.filter(phone=None)) == [without]
    assert list(person_model.objects.exclude(phone=None)) == [with_phone]


def test_queryset_update_with_plaintext_is_refused(person_model):
    person = person_model.objects.create(id_number=ID_A)
    # A savepoint of its own: the refusal marks the enclosing atomic block (here the
    # test's transaction) for rollback, as it would a request's.
    with pytest.raises(PlaintextRefused), transaction.atomic():
        person_model.objects.filter(pk=person.pk).update(id_number=ID_B)
    assert person_model.objects.get(pk=person.pk).id_number == ID_A


def test_bulk_update_with_plaintext_is_refused(person_model):
    person = person_model.objects.create(id_number=ID_A)
    person.id_number = ID_B
    with pytest.raises(PlaintextRefused), transaction.atomic():
        person_model.objects.bulk_update([person], ["id_number"])
    assert ID_B not in repr(raw_rows())


def test_assigning_an_sql_expression_is_refused(person_model):
    person = person_model(id_number=ID_A)
    for expression in (Value(ID_B), F("note")):
        with pytest.raises(TypeError, match="encrypted"):
            person.id_number = expression


def test_a_token_copied_to_another_row_fails_to_decrypt(person_model):
    alice = person_model.objects.create(id_number=ID_A)
    bob = person_model.objects.create(id_number=ID_B)
    raw_set(bob.pk, "id_number", raw_value(alice.pk, "id_number"))
    with pytest.raises(DecryptionError):
        person_model.objects.get(pk=bob.pk).id_number  # noqa: B018 - the access decrypts


def test_a_token_copied_to_another_column_fails_to_decrypt(person_model):
    person = person_model.objects.create(id_number=ID_A, phone="13800000000")
    raw_set(person.pk, "phone", raw_value(person.pk, "id_number"))
    fetched = person_model.objects.get(pk=person.pk)
    assert fetched.id_number == ID_A
    with pytest.raises(DecryptionError):
        fetched.phone  # noqa: B018


def test_a_tampered_token_fails_to_decrypt(person_model):
    person = person_model.objects.create(id_number=ID_A)
    token = raw_value(person.pk, "id_number")
    raw_set(person.pk, "id_number", token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB"))
    with pytest.raises(DecryptionError):
        person_model.objects.get(pk=person.pk).id_number  # noqa: B018


def test_saving_a_token_taken_from_another_row_is_refused(person_model):
    alice = person_model.objects.create(id_number=ID_A)
    token = person_model.objects.values_list("id_number", flat=True).get(pk=alice.pk)
    with pytest.raises(DecryptionError), transaction.atomic():
        person_model.objects.create(id_number=token)
    assert person_model.objects.count() == 1


def test_a_copied_instance_is_bound_to_its_new_row(person_model):
    original = person_model.objects.create(id_number=ID_A)
    copy = person_model.objects.get(pk=original.pk)
    assert copy.id_number == ID_A  # read under the original row
    copy.pk = uuid.uuid4()
    copy._state.adding = True
    copy.save()
    assert raw_value(copy.pk, "id_number") != raw_value(original.pk, "id_number")
    assert person_model.objects.get(pk=copy.pk).id_number == ID_A


def test_wrong_key_fails_to_decrypt(person_model):
    person = person_model.objects.create(id_number=ID_A)
    with override_settings(FIELD_ENCRYPTION_KEYS=f"1:{KEY_2}"), pytest.raises(DecryptionError):
        person_model.objects.get(pk=person.pk).id_number  # noqa: B018


# --- system checks ------------------------------------------------------------------------


@isolate_apps("credit_portal")
def test_system_check_requires_a_uuid_primary_key_with_a_default():
    class AutoPk(models.Model):  # noqa: DJ008 - test model
        secret = EncryptedTextField()

        class Meta:
            app_label = "credit_portal"

    class UuidWithoutDefault(models.Model):  # noqa: DJ008 - test model
        id = models.UUIDField(primary_key=True)
        secret = EncryptedTextField()

        class Meta:
            app_label = "credit_portal"

    class Good(models.Model):  # noqa: DJ008 - test model
        id = models.UUIDField(primary_key=True, default=uuid.uuid4)
        secret = EncryptedTextField()

        class Meta:
            app_label = "credit_portal"

    assert [e.id for e in AutoPk.check()] == ["credit_portal.E101"]
    assert [e.id for e in UuidWithoutDefault.check()] == ["credit_portal.E101"]
    assert Good.check() == []


@isolate_apps("credit_portal")
def test_system_check_refuses_unique_and_indexes_on_encrypted_fields():
    class Indexed(models.Model):  # noqa: DJ008 - test model
        id = models.UUIDField(primary_key=True, default=uuid.uuid4)
        secret = EncryptedTextField(unique=True)

        class Meta:
            app_label = "credit_portal"

    assert [e.id for e in Indexed.check()] == ["credit_portal.E102"]


# --- multi-table inheritance ----------------------------------------------------------------


def test_child_of_a_uuid_parent_binds_its_own_table(db, encrypted_models):
    firm_model = encrypted_models["Firm"]
    assert firm_model.check() == []
    firm = firm_model.objects.create(contact="13800000000", licence="L-1")
    fetched = firm_model.objects.get(pk=firm.pk)
    assert (fetched.contact, fetched.licence) == ("13800000000", "L-1")


# --- rotation -------------------------------------------------------------------------------


def _rotate(person_model, monkeypatch, *args: str) -> str:
    # The command walks the app registry; point it at the isolated one of the test model.
    monkeypatch.setattr(rotate_field_keys, "apps", person_model._meta.apps)
    out = StringIO()
    call_command("rotate_field_keys", *args, "--batch-size", "2", stdout=out)
    return out.getvalue()


def test_rotation_reencrypts_v1_rows_to_v2_and_they_survive_removing_v1(person_model, monkeypatch):
    people = [
        person_model.objects.create(id_number=ID_A, phone="13800000000"),
        person_model.objects.create(id_number=ID_B, phone=None),
        person_model.objects.create(id_number="", phone="13900000000"),
    ]
    with override_settings(FIELD_ENCRYPTION_KEYS=f"1:{KEY_1},2:{KEY_2}"):
        person_model.objects.create(id_number="120101200001010011")  # already under v2
        output = _rotate(person_model, monkeypatch)
        assert "credit_portal.Person: 4 rows scanned, 3 re-encrypted to key version 2" in output
        for _pk, id_number, phone in raw_rows():
            assert key_version_of(id_number) == 2
            assert phone is None or key_version_of(phone) == 2

        again = _rotate(person_model, monkeypatch)
        assert "4 rows scanned, 0 re-encrypted" in again

    with override_settings(FIELD_ENCRYPTION_KEYS=f"2:{KEY_2}"):
        by_pk = {p.pk: p for p in person_model.objects.all()}
        assert [(by_pk[p.pk].id_number, by_pk[p.pk].phone) for p in people] == [
            (ID_A, "13800000000"),
            (ID_B, None),
            ("", "13900000000"),
        ]


def test_rotation_dry_run_writes_nothing(person_model, monkeypatch):
    person_model.objects.create(id_number=ID_A)
    before = raw_rows()
    with override_settings(FIELD_ENCRYPTION_KEYS=f"1:{KEY_1},2:{KEY_2}"):
        output = _rotate(person_model, monkeypatch, "--dry-run")
    assert "1 rows scanned, 1 to re-encrypt to key version 2 (dry run)" in output
    assert raw_rows() == before


def test_rotation_reports_rows_it_cannot_decrypt_and_rotates_the_rest(person_model, monkeypatch):
    good = person_model.objects.create(id_number=ID_A)
    bad = person_model.objects.create(id_number=ID_B)
    raw_set(bad.pk, "id_number", raw_value(good.pk, "id_number"))  # bound to another row
    with override_settings(FIELD_ENCRYPTION_KEYS=f"1:{KEY_1},2:{KEY_2}"):
        with pytest.raises(CommandError, match=str(bad.pk)):
            _rotate(person_model, monkeypatch)
        assert key_version_of(raw_value(good.pk, "id_number")) == 2
        assert key_version_of(raw_value(bad.pk, "id_number")) == 1
        assert person_model.objects.get(pk=good.pk).id_number == ID_A


def test_rotation_with_no_encrypted_models_says_so(monkeypatch):
    monkeypatch.setattr(rotate_field_keys, "apps", Apps(installed_apps=[]))
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "No model has an encrypted field." in out.getvalue()


def test_mark_for_reencryption_writes_a_fresh_token_under_the_current_key(person_model):
    person = person_model.objects.create(id_number=ID_A, phone="13800000000")
    with override_settings(FIELD_ENCRYPTION_KEYS=f"1:{KEY_1},2:{KEY_2}"):
        fetched = person_model.objects.get(pk=person.pk)
        assert mark_for_reencryption(fetched, ["id_number"]) == ["id_number"]
        fetched.save()
        assert key_version_of(raw_value(person.pk, "id_number")) == 2
        assert key_version_of(raw_value(person.pk, "phone")) == 1
        assert person_model.objects.get(pk=person.pk).id_number == ID_A
