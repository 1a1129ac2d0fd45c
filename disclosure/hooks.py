"""Hooks other apps fill in, so ``disclosure`` does not import their internals.

Personal statements (本人声明, DESIGN §7): where an objection could not be verified the
subject may attach a statement shown with the record, in the portal and in credit
reports. The ``repair`` app owns them. It provides a function

    personal_statements_for(lineages: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]

(one query for all records of a report), named by the setting
``DISCLOSURE_STATEMENT_PROVIDER`` (default ``repair.selectors.personal_statements_for``).
Until it exists, reports carry ``"statement": null``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_STATEMENT_PROVIDER = "repair.selectors.personal_statements_for"


def personal_statements(lineages: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    lineages = list(lineages)
    if not lineages:
        return {}
    path = getattr(settings, "DISCLOSURE_STATEMENT_PROVIDER", DEFAULT_STATEMENT_PROVIDER)
    if not path:
        return {}
    try:
        provider = import_string(path)
    except ImportError:
        return {}
    return dict(provider(lineages))
