"""Files kept between a form and its check-your-answers page, and their clean-up.

A file cannot travel in a hidden field, so a checked upload waits in private storage
under ``pending/`` and only its opaque path goes in the session. A citizen who leaves
before sending abandons it: ``purge_abandoned_uploads`` (daily beat task) deletes what
is older than a session can be.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from archives.services.evidence import check_upload

PENDING_DIR = "pending"


def stash_uploads(uploads: list[Any]) -> list[dict[str, str]]:
    """Check and keep uploads; raises ``ValidationError`` for a bad file."""
    kept = []
    for upload in uploads:
        kind, content = check_upload(upload)
        path = default_storage.save(f"{PENDING_DIR}/{uuid.uuid4().hex}", ContentFile(content))
        kept.append({"path": path, "name": (upload.name or "file")[:200], "content_type": kind.content_type})
    return kept


def unstash_uploads(kept: list[dict[str, str]]) -> list[SimpleUploadedFile]:
    files = []
    for item in kept:
        with default_storage.open(item["path"], "rb") as handle:
            files.append(SimpleUploadedFile(item["name"], handle.read(), content_type=item["content_type"]))
    return files


def drop_uploads(kept: list[dict[str, str]]) -> None:
    for item in kept:
        if item["path"].startswith(f"{PENDING_DIR}/"):
            default_storage.delete(item["path"])


def purge_abandoned_uploads(*, older_than: timedelta | None = None) -> int:
    """Delete stashed files older than the session lifetime (a draft that old can no
    longer be sent). Safe to run twice. Returns how many were deleted."""
    if older_than is None:
        older_than = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    cutoff = timezone.now() - older_than
    try:
        _dirs, names = default_storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return 0
    deleted = 0
    for name in names:
        path = f"{PENDING_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                deleted += 1
        except FileNotFoundError:
            continue  # another run took it
    return deleted
