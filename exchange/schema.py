"""The versioned exchange format (docs/exchange/schema-v1.json, JSON Schema 2020-12)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema_rs
from django.conf import settings

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "exchange" / "schema-v1.json"


@functools.cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def validator() -> jsonschema_rs.Draft202012Validator:
    # jsonschema-rs (Rust): the receiving endpoint validates every event of every
    # batch, and the pure-Python validator spent 2-5 ms per event on this schema, which
    # capped delivery near 200 events/s. Formats (uuid, date, date-time) are checked.
    return jsonschema_rs.validator_for(schema(), validate_formats=True)


@functools.cache
def batch_validator() -> jsonschema_rs.Draft202012Validator:
    # The envelope schema as the items of an array: a whole batch is checked in one call
    # into the Rust validator instead of one call (and one conversion set-up) per event.
    # The envelope schema keeps its $id, so its "#/$defs/…" references resolve inside it.
    return jsonschema_rs.validator_for(
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "array", "items": schema()},
        validate_formats=True,
    )


def problems(envelopes: list[Any]) -> list[str | None]:
    """``problem`` of each envelope, in order. A batch is valid as a whole exactly when
    every envelope is ("items"), so the common case costs one validation; only a batch
    with a failure is examined event by event, to name each event's reason."""
    if batch_validator().is_valid(envelopes):
        return [None] * len(envelopes)
    return [problem(envelope) for envelope in envelopes]


def event_types() -> list[str]:
    return list(schema()["properties"]["event_type"]["enum"])


def _path(error: jsonschema_rs.ValidationError) -> str:
    return "/".join(str(part) for part in error.instance_path) or "(event)"


def problem(envelope: Any) -> str | None:
    """Why ``envelope`` does not conform, or None. The reason names the place and the
    rule broken, never the offending value: values may be personal data, and reasons
    travel back in receipts and into the sender's error column. Unexpected fields come
    first, since a field the schema does not know (an ID number, a phone) is the
    privacy-relevant failure."""
    check = validator()
    if check.is_valid(envelope):
        return None
    errors = sorted(check.iter_errors(envelope), key=lambda e: [str(p) for p in e.instance_path])
    for error in errors:
        if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
            return f"{_path(error)}: unexpected field(s) {', '.join(sorted(map(str, error.kind.unexpected)))}"[:300]
    # A payload that fits no event type also fails every other type's "required": name
    # the first missing field rather than all of them.
    error = errors[0]
    if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Required):
        return f"{_path(error)}: missing '{error.kind.property}'"[:300]
    return f"{_path(error)}: fails '{type(error.kind).__name__.lower()}'"[:300]


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
