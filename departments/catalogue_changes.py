"""The ``catalogue`` content generation (``credit_portal.generations``): advanced when a
row the public catalogue shows is saved or deleted, so the catalogue page's cached
rendering is never served after a change (``departments.views.catalogue``).

Signals catch every change made through the ORM: the admin, the credit office's forms,
the catalogue loader's saves. A ``QuerySet.update`` or a raw statement sends none; what
it changes shows once the rendering expires (``FRAGMENT_CACHE_SECONDS``), as for every
other fragment.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from credit_portal import generations
from departments.models import (
    Department,
    Domain,
    Occupation,
    OccupationCategory,
    OccupationDepartment,
    RecordCategory,
    UpdateCadence,
)

CATALOGUE_MODELS = (Department, Domain, RecordCategory, Occupation, UpdateCadence, OccupationDepartment,
                    OccupationCategory)


def _changed(sender: type, **kwargs: object) -> None:
    generations.advance_on_commit("catalogue")


def connect_signals() -> None:
    for model in CATALOGUE_MODELS:
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalogue-changed-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"catalogue-changed-delete-{model.__name__}")
