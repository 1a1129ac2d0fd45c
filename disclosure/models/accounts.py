"""A citizen's account: the profile tying a user to their subject, registration and password reset in progress."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CitizenProfile(models.Model):
    """A citizen account linked to exactly one subject (信用主体本人).

    Created only by ``disclosure.services.registration`` after the person proved control of
    the phone a department holds for that subject (or through a government single
    sign-on provider): the ID number alone never links an account.
    """

    class Method(models.TextChoices):
        SMS = "sms", _("one-time code to the phone on file")
        OIDC = "oidc", _("government single sign-on")
        ADMIN = "admin", _("verified in person by the credit office")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="citizen_profile", verbose_name=_("user")
    )
    subject = models.OneToOneField(
        "archives.Subject", on_delete=models.PROTECT, related_name="citizen_profile", verbose_name=_("subject")
    )
    verified_at = models.DateTimeField(_("verified"))
    method = models.CharField(_("verified by"), max_length=10, choices=Method.choices)
    # The mobile number the citizen signs in with, only as a keyed HMAC-SM3 blind index
    # (``disclosure.phones.phone_index``): the user name is a random handle, so no
    # table holds the number in clear (DESIGN §8).
    phone_index = models.CharField(_("sign-in phone (index)"), max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("citizen account")
        verbose_name_plural = _("citizen accounts")

    def __str__(self) -> str:
        return str(self.user)


class PendingRegistration(models.Model):
    """A registration waiting for its one-time code (5 minutes, single use, attempts capped).

    A row is written whether or not the name and number match a subject, so the next
    page behaves the same either way; ``subject`` is null when nothing matched and then
    no code was sent and none can succeed. The code is kept only as an HMAC-SM3 digest
    bound to this row; the password only as a Django password hash.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.ForeignKey("archives.Subject", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # The sign-in phone the applicant typed, as its blind index only.
    phone_index = models.CharField(_("sign-in phone (index)"), max_length=64)
    password_hash = models.CharField(max_length=256)
    code_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("pending registration")
        verbose_name_plural = _("pending registrations")
        indexes = [models.Index(fields=["expires_at"], name="pending_registration_expiry")]

    def __str__(self) -> str:
        return str(self.pk)


class PasswordReset(models.Model):
    """A forgotten-password request waiting for its one-time code.

    Written whether or not the phone belongs to an account, so the next page is the
    same either way; ``user`` is null when nothing matched (no code was sent, none can
    succeed). The code goes to the phone the department has on file for the person,
    as at registration, and is kept only as an HMAC-SM3 digest bound to this row.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    code_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("password reset")
        verbose_name_plural = _("password resets")
        indexes = [models.Index(fields=["expires_at"], name="password_reset_expiry")]

    def __str__(self) -> str:
        return str(self.pk)
