"""The versioned exchange format (docs/exchange/schema-v1.json, JSON Schema 2020-12)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from jsonschema import Draft202012Validator

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "exchange" / "schema-v1.json"


@functools.cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def validator() -> Draft202012Validator:
    return Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def event_types() -> list[str]:
    return list(schema()["properties"]["event_type"]["enum"])


def problem(envelope: Any) -> str | None:
    """Why ``envelope`` does not conform, or None. The reason names the place and the
    rule broken, never the offending value: values may be personal data, and reasons
    travel back in receipts and into the sender's error column."""
    error = next(iter(sorted(validator().iter_errors(envelope), key=lambda e: e.path)), None)
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "(event)"
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {}))) if isinstance(error.instance, dict) else []
        return f"{where}: unexpected field(s) {', '.join(extra)}"[:300]
    if error.validator == "required":
        return f"{where}: {error.message}"[:300]
    return f"{where}: fails '{error.validator}'"[:300]


def envelope_for(event: Any) -> dict[str, Any]:
    """The envelope of an ``OutboxEvent`` as the platform receives it."""
    return {
        "idempotency_key": str(event.id),
        "event_type": event.event_type,
        "schema_version": event.schema_version,
        "occurred_at": event.created_at.isoformat(),
        "aggregate": {"type": event.aggregate_type, "id": event.aggregate_id},
        "payload": event.payload,
    }
