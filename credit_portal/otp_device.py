"""The staff second factor's device, read once per session and access version (DESIGN §8).

django-otp's ``OTPMiddleware`` reads the device a session was verified with on every
request (one query and a model instance on every staff page), to end the verification
as soon as that device is deleted, unconfirmed or given to another user. Here the
session also records that it found the device good, with the user's ``access_version``
at the time; every save or deletion of a device advances the version of its user (and
of its previous user when it changes hands) in the same transaction, and the user row,
with its version, is read on every request. So while the version holds, the device is
as it was found; after any change of it, the next request reads it again, as
django-otp does, and ends the verification if it is gone, unconfirmed or someone
else's. (A queryset ``update()`` of devices sends no signal: the portal has none; the
memberships and role groups of ``departments.scope`` rely on the same rule.)
"""

from __future__ import annotations

import functools
from typing import Any

from django.apps import apps
from django.db.models import F
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

# [device persistent id, user id, access_version] of the last request that read the
# device and found it the user's and confirmed.
CHECKED_KEY = "_otp_device_checked"


class SessionOTPMiddleware(OTPMiddleware):
    """django-otp's ``OTPMiddleware``, without the device read while the session's record
    of it is current (module docstring). Goes where ``OTPMiddleware`` went."""

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        session = request.session
        persistent_id = session.get(DEVICE_ID_SESSION_KEY)
        if persistent_id and user.is_authenticated:
            if session.get(CHECKED_KEY) == [persistent_id, user.pk, user.access_version]:
                self._init_user_fields(user)
                # Not None, so ``is_verified()``; the instance itself is read only if asked for.
                user.otp_device = SimpleLazyObject(functools.partial(self._device_from_persistent_id, persistent_id))
                return user
        user = super()._verify_user_sync(request, user)
        if getattr(user, "otp_device", None) is not None:
            session[CHECKED_KEY] = [persistent_id, user.pk, user.access_version]
        elif CHECKED_KEY in session:
            del session[CHECKED_KEY]
        return user


def _advance(user_ids: set[object]) -> None:
    from django.contrib.auth import get_user_model

    ids = [pk for pk in user_ids if pk is not None]
    if ids:
        get_user_model().objects.filter(pk__in=ids).update(access_version=F("access_version") + 1)


def _device_saving(sender: type[Device], *, instance: Device, raw: bool = False, **kwargs: object) -> None:
    # Whose device it was before this save: a device given to another user must end the
    # verification of its previous owner's sessions too.
    if instance.pk is not None and not raw:
        instance._otp_previous_user_id = (  # type: ignore[attr-defined]
            sender._default_manager.filter(pk=instance.pk).values_list("user_id", flat=True).first()
        )


def _device_changed(sender: type[Device], *, instance: Device, **kwargs: object) -> None:
    _advance({instance.user_id, instance.__dict__.pop("_otp_previous_user_id", None)})


def connect_signals() -> None:
    """Every device model's saves and deletions advance its users' access version."""
    for model in apps.get_models():
        if issubclass(model, Device):
            uid = f"otp_device.{model._meta.label_lower}"
            pre_save.connect(_device_saving, sender=model, dispatch_uid=f"{uid}.saving")
            post_save.connect(_device_changed, sender=model, dispatch_uid=f"{uid}.saved")
            post_delete.connect(_device_changed, sender=model, dispatch_uid=f"{uid}.deleted")
