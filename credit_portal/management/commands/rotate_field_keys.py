"""Re-encrypt every ``EncryptedTextField`` value to the current key version.

Key rotation (DESIGN §8): add the new key to ``FIELD_ENCRYPTION_KEYS`` (``"1:…,2:…"``),
make it current, run this command until it reports nothing left to re-encrypt, then
remove the old key. Safe to run again at any time: rows already under the current key
are left alone.

Rows are read and rewritten in primary-key order, one batch per transaction, with the
batch locked (``select_for_update``) between the read and the write so a concurrent
``save()`` cannot be overwritten with the old value. (A single long-lived ``iterator()``
with unlocked reads would allow exactly that lost update.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, models, transaction

from credit_portal import audit
from credit_portal.crypto import DecryptionError, current_key_version, key_version_of, reencrypt
from credit_portal.fields import EncryptedTextField, encrypted_fields


@dataclass
class ModelResult:
    scanned: int = 0
    reencrypted: int = 0
    failed: list[str] = field(default_factory=list)


def rotate_model(
    model: type[models.Model],
    fields: list[EncryptedTextField],
    *,
    current: int,
    batch_size: int,
    dry_run: bool,
    using: str,
) -> ModelResult:
    """Re-encrypt ``model``'s rows whose tokens in ``fields`` are not under ``current``."""
    result = ModelResult()
    last_pk: Any = None
    names = [f.name for f in fields]
    while True:
        with transaction.atomic(using=using):
            queryset = model._base_manager.using(using).order_by("pk").only(*names)
            if last_pk is not None:
                queryset = queryset.filter(pk__gt=last_pk)
            if not dry_run:
                queryset = queryset.select_for_update()
            batch = list(queryset[:batch_size])
            if not batch:
                return result
            last_pk = batch[-1].pk
            result.scanned += len(batch)
            stale = []
            for obj in batch:
                try:
                    new_tokens = _rotated_tokens(obj, fields, current=current)
                except DecryptionError:
                    result.failed.append(str(obj.pk))
                    continue
                if new_tokens is not None:
                    stale.append((obj, new_tokens))
            result.reencrypted += len(stale)
            if stale and not dry_run:
                for obj, new_tokens in stale:
                    for f in fields:
                        token = new_tokens.get(f.attname, obj.__dict__[f.attname])
                        if token is not None:
                            f.stage_for_bulk_update(obj, token)
                model._base_manager.using(using).bulk_update([obj for obj, _ in stale], names)


def _rotated_tokens(obj: models.Model, fields: list[EncryptedTextField], *, current: int) -> dict[str, str] | None:
    """New tokens for the fields of ``obj`` not under ``current``; None if all are current."""
    new_tokens = {}
    for f in fields:
        token = obj.__dict__[f.attname]
        if token is None:
            continue
        if key_version_of(token) != current:
            new_tokens[f.attname] = reencrypt(token, associated_data=f.associated_data(obj))
    return new_tokens or None


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field written under a key version other than the current one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count the rows to re-encrypt; write nothing.")
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default 'default').")

    def handle(self, *args: Any, dry_run: bool, batch_size: int, database: str, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        current = current_key_version()
        targets = [
            (model, fields)
            for model in apps.get_models()
            if not model._meta.proxy and (fields := encrypted_fields(model))
        ]
        if not targets:
            self.stdout.write("No model has an encrypted field.")
            return
        verb = "to re-encrypt" if dry_run else "re-encrypted"
        failures = []
        totals: dict[str, int] = {}
        for model, fields in targets:
            result = rotate_model(
                model, fields, current=current, batch_size=batch_size, dry_run=dry_run, using=database
            )
            totals[model._meta.label_lower] = result.reencrypted
            line = f"{model._meta.label}: {result.scanned} rows scanned, {result.reencrypted} {verb} to key version {current}"
            if result.failed:
                line += f", {len(result.failed)} could not be decrypted"
                failures.append(f"{model._meta.label} pk={result.failed[0]}")
            self.stdout.write(line + (" (dry run)" if dry_run else ""))
        if not dry_run:
            # Key rotation is security-relevant (DESIGN §8): the trail records that it ran,
            # to which key version and how many rows moved, never any key material.
            with transaction.atomic(using=database):
                audit.record(
                    "credit_portal.field_keys.rotated",
                    detail={"key_version": current, "reencrypted": totals, "failed": len(failures)},
                )
        if failures:
            raise CommandError(
                "Some rows could not be decrypted with the configured keys (first of each model: "
                + "; ".join(failures)
                + "). They were left unchanged; do not remove old keys until this is resolved."
            )
