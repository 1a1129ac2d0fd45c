"""Limits of the intake, overridable in settings (and so by environment in deployments
that map them). Read at call time so tests can change them with ``settings``."""

from __future__ import annotations

from django.conf import settings

DEFAULTS: dict[str, int] = {
    # Rows per file or API request; a file with more is refused before it is read.
    "INTAKE_MAX_ROWS": 100_000,
    # Size of the uploaded file itself.
    "INTAKE_MAX_UPLOAD_BYTES": 20 * 1024 * 1024,
    # Sum of the uncompressed sizes of the xlsx zip entries, and the worst ratio of
    # uncompressed to compressed size one entry may have (a zip bomb has thousands).
    "INTAKE_MAX_UNCOMPRESSED_BYTES": 400 * 1024 * 1024,
    "INTAKE_MAX_COMPRESSION_RATIO": 200,
    # Items per API bulk request.
    "INTAKE_API_MAX_ITEMS": 1000,
    # Files with at least this many rows are checked in a pool of INTAKE_WORKERS processes
    # (0: one per CPU); smaller ones in the importing process, where forking costs more
    # than it saves.
    "INTAKE_POOL_FROM_ROWS": 5_000,
    "INTAKE_WORKERS": 0,
    # How old (or how far in the future) a signed API request's timestamp may be.
    "INTAKE_API_MAX_AGE_SECONDS": 300,
}


def number(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))
