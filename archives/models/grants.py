"""Per-archive grants (django-guardian object permissions) with a real foreign key."""

from __future__ import annotations

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from archives.models.subjects import Archive


class ArchiveGroupObjectPermission(GroupObjectPermissionBase):
    """django-guardian object permission with a real foreign key, so sharing an archive
    with one more department (through that department's group) is a join, not a
    string match on object_pk (DESIGN §6)."""

    content_object = models.ForeignKey(Archive, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False


class ArchiveUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Archive, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False
