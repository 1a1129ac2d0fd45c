"""``EncryptedTextField``: a text column stored as an SM4-GCM token (DESIGN §8).

Usage::

    class Subject(models.Model):
        id = models.UUIDField(primary_key=True, default=uuid.uuid4)
        id_number = EncryptedTextField(_("ID number"))
        id_number_index = models.CharField(max_length=64, unique=True)

    subject.id_number           # plaintext str, decrypted on first access and cached
    subject.id_number = "..."   # plaintext; encrypted when the row is saved

How it works. The column holds the token of ``credit_portal.crypto.encrypt``, with the
table, the row's primary key and the column bound in as associated data, so a token
copied to another row or column fails to decrypt. That is why the model's primary key
must be a ``UUIDField`` with a default: the key has to be known before the INSERT
(a system check enforces it).

* Reading: ``from_db_value`` wraps the column in ``Ciphertext`` (a ``str`` subclass);
  the attribute descriptor decrypts it on first access and caches the plaintext.
* Writing: ``pre_save`` (called by ``save()``, ``create()`` and, per object,
  ``bulk_create()``) encrypts a plaintext with the current key and puts the token back
  on the instance; an unchanged ``Ciphertext`` is written back as it is (after checking
  it belongs to this row). ``mark_for_reencryption`` forces a fresh token.
* ``get_prep_value`` lets only tokens reach the database; a plaintext there means the
  caller bypassed ``pre_save`` (``QuerySet.update()``, ``bulk_update()``), which cannot
  know the row, so it raises ``PlaintextRefused`` instead of storing the value in clear.
* Look-ups: only ``isnull`` (and ``= None``); ciphertexts are randomized, so exact
  matches go through a blind-index column (``credit_portal.crypto.blind_index``).

Known limits, by design: ``values()``/``values_list()`` return the tokens (as
``Ciphertext``), not plaintexts. After ``refresh_from_db()`` the field holds plaintext
and the next ``save()`` writes a fresh token. Django's serializers (``dumpdata``) read
the attribute, so they output plaintext: do not dump these tables. Renaming the table
or column, or changing a row's primary key, makes existing tokens fail to decrypt:
re-encrypt first (read every value, then ``mark_for_reencryption`` and save).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.core import checks
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.db.models.expressions import Value
from django.db.models.lookups import Exact
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import gettext_lazy as _

from credit_portal.crypto import DecryptionError, associated_data_for, decrypt, encrypt, encrypts_empty_text, is_token

__all__ = [
    "Ciphertext",
    "DecryptionError",
    "EncryptedTextField",
    "PlaintextRefused",
    "encrypted_fields",
    "is_blank",
    "mark_for_reencryption",
]


class PlaintextRefused(ValueError):
    """A plaintext was about to be written to an encrypted column without ``pre_save``."""


class Ciphertext(str):
    """A token as stored in the column, not yet decrypted.

    The decrypted plaintext is cached on the object together with the associated data
    it was authenticated under, and dropped when the object is pickled or copied.
    """

    _decrypted: tuple[bytes, str] | None = None

    def __reduce__(self) -> tuple[type[Ciphertext], tuple[str]]:
        return (Ciphertext, (str(self),))


class _StagedToken(Value):
    """A token staged on an instance for ``bulk_update()`` (see ``stage_for_bulk_update``)."""


class EncryptedAttribute(DeferredAttribute):
    """Decrypts on access (loading deferred columns like Django's own descriptor)."""

    field: EncryptedTextField

    def __get__(self, instance: models.Model | None, cls: type | None = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Ciphertext):
            return self.field.plaintext_of(instance, value)
        return value

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = self.field.accept_assignment(value)


class _NullOnlyExact(Exact):
    """``field=None`` still works (Django turns it into ``isnull``); any other value is refused."""

    def __init__(self, lhs: Any, rhs: Any) -> None:
        if rhs is not None:
            raise FieldError(_lookup_refusal(lhs.output_field, "exact"))
        super().__init__(lhs, rhs)


def _lookup_refusal(field: models.Field, lookup_name: str) -> str:
    return (
        f"{field.model.__name__}.{field.name} is encrypted with random nonces, so the "
        f"'{lookup_name}' look-up cannot match it; filter on a blind-index column "
        "(credit_portal.crypto.blind_index) for exact matches. Only isnull is supported."
    )


def is_blank(instance: models.Model, name: str) -> bool:
    """Whether the encrypted field ``name`` of ``instance`` is empty, without decrypting a
    value read from the database (``crypto.encrypts_empty_text``): pages that only say
    whether a phone is on file decrypt nothing."""
    value = instance.__dict__.get(instance._meta.get_field(name).attname)
    if isinstance(value, Ciphertext) and value._decrypted is None:
        return encrypts_empty_text(value)
    return not getattr(instance, name)


class EncryptedTextField(models.TextField):
    """Text stored as an SM4-GCM token bound to its table, row and column."""

    description = _("Text encrypted with SM4-GCM")
    descriptor_class = EncryptedAttribute

    # --- checks ------------------------------------------------------------------------

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *self._check_primary_key(), *self._check_options()]

    def _uuid_primary_key(self) -> models.Field | None:
        """The UUIDField that gives the row its identity, through multi-table parent links."""
        pk: models.Field | None = self.model._meta.pk
        while pk is not None and pk.remote_field is not None:
            pk = pk.target_field
        if isinstance(pk, models.UUIDField) and pk.has_default():
            return pk
        return None

    def _check_primary_key(self) -> list[checks.CheckMessage]:
        if self.model._meta.abstract or self._uuid_primary_key() is not None:
            return []
        return [
            checks.Error(
                "A model with an EncryptedTextField needs a UUIDField primary key with a default.",
                hint="The primary key is bound into the ciphertext, so it must be known before the "
                "INSERT: id = models.UUIDField(primary_key=True, default=uuid.uuid4).",
                obj=self,
                id="credit_portal.E101",
            )
        ]

    def _check_options(self) -> list[checks.CheckMessage]:
        refused = [name for name in ("primary_key", "unique", "db_index") if getattr(self, name)]
        if not refused:
            return []
        return [
            checks.Error(
                f"EncryptedTextField cannot be {', '.join(refused)}: ciphertexts are randomized.",
                hint="Put a unique constraint or index on a blind-index column instead.",
                obj=self,
                id="credit_portal.E102",
            )
        ]

    # --- binding to the row --------------------------------------------------------------

    def associated_data(self, instance: models.Model) -> bytes:
        """The associated data of this field's value on ``instance``: table, pk, column."""
        pk_field = self._uuid_primary_key()
        if pk_field is None:
            raise ImproperlyConfigured(
                f"{self.model.__name__}.{self.name}: EncryptedTextField needs a UUIDField primary key "
                "with a default (system check credit_portal.E101)."
            )
        raw_pk = getattr(instance, self.model._meta.pk.attname)
        if raw_pk is None:
            raise ValueError(
                f"{self.model.__name__}.{self.name}: the primary key is not set, so the value "
                "cannot be bound to its row."
            )
        pk: uuid.UUID = pk_field.to_python(raw_pk)
        return associated_data_for(self.model._meta.db_table, pk, self.column)

    def plaintext_of(self, instance: models.Model, token: Ciphertext) -> str:
        """Decrypt ``token`` as this field of ``instance`` (cached per associated data)."""
        associated_data = self.associated_data(instance)
        cached = token._decrypted
        if cached is not None and cached[0] == associated_data:
            return cached[1]
        plaintext = decrypt(token, associated_data=associated_data)
        token._decrypted = (associated_data, plaintext)
        return plaintext

    def accept_assignment(self, value: Any) -> Any:
        """What the descriptor stores for ``instance.<field> = value``."""
        if value is None or isinstance(value, Ciphertext | _StagedToken):
            return value
        if hasattr(value, "resolve_expression"):
            # An expression would be evaluated by the database and stored unencrypted.
            raise TypeError(f"{self.model.__name__}.{self.name} is encrypted; assign a str, not an SQL expression.")
        if isinstance(value, bytes | bytearray | memoryview):
            raise TypeError(f"{self.model.__name__}.{self.name} takes text, not bytes.")
        return value if isinstance(value, str) else str(value)

    # --- writing -------------------------------------------------------------------------

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        if self.attname not in model_instance.__dict__:
            getattr(model_instance, self.attname)  # load a deferred value
        value = model_instance.__dict__[self.attname]
        if value is None or isinstance(value, _StagedToken):
            return value
        associated_data = self.associated_data(model_instance)
        if isinstance(value, Ciphertext):
            cached = value._decrypted
            if cached is None or cached[0] == associated_data:
                # Unchanged since it was read: write it back as it is, once it is proven
                # to belong here (a token copied from another row raises DecryptionError).
                self.plaintext_of(model_instance, value)
                return value
            # Read under another primary key (a copied instance): bind it to this row.
            value = cached[1]
        token = Ciphertext(encrypt(value, associated_data=associated_data))
        token._decrypted = (associated_data, value)
        model_instance.__dict__[self.attname] = token
        return token

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Ciphertext) and is_token(value):
            return str(value)
        raise PlaintextRefused(
            f"{self.model.__name__}.{self.name} only stores tokens encrypted for their row. "
            "Save through Model.save(), objects.create() or bulk_create() (they encrypt in "
            "pre_save); QuerySet.update() and bulk_update() cannot encrypt plaintext."
        )

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Ciphertext | None:
        if value is None:
            return None
        return Ciphertext(value)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def stage_for_bulk_update(self, instance: models.Model, token: str) -> None:
        """Put ``token`` (already encrypted for this instance) on it for ``bulk_update()``.

        ``bulk_update()`` reads the attribute, which would give the plaintext; a staged
        token is handed over as an SQL value instead. The instance is fit for nothing but
        that ``bulk_update()`` afterwards. Used by ``rotate_field_keys``.
        """
        if not is_token(token):
            raise PlaintextRefused("stage_for_bulk_update() takes a token, not a plaintext.")
        instance.__dict__[self.attname] = _StagedToken(Ciphertext(token), output_field=self)

    # --- querying ------------------------------------------------------------------------

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        if lookup_name == "exact":
            return _NullOnlyExact
        raise FieldError(_lookup_refusal(self, lookup_name))

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(_lookup_refusal(self, lookup_name))


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    """The encrypted columns stored in ``model``'s own table (not its parents')."""
    return [field for field in model._meta.local_concrete_fields if isinstance(field, EncryptedTextField)]


def mark_for_reencryption(instance: models.Model, field_names: Iterable[str] | None = None) -> list[str]:
    """Decrypt the loaded encrypted fields so the next ``save()`` writes fresh tokens
    under the current key. Returns the names of the fields marked."""
    wanted = set(field_names) if field_names is not None else None
    marked = []
    for field in instance._meta.concrete_fields:
        if not isinstance(field, EncryptedTextField) or (wanted is not None and field.name not in wanted):
            continue
        value = instance.__dict__.get(field.attname)
        if isinstance(value, Ciphertext):
            instance.__dict__[field.attname] = field.plaintext_of(instance, value)
            marked.append(field.name)
    return marked
