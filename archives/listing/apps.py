from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListingConfig(AppConfig):
    """The serious-dishonesty list procedure (严重失信主体名单) and joint punishment
    (联合惩戒). Part of the archives layer: it reads records through ``archives`` and
    learns that a basis record ended through ``archives.hooks``; its own tables
    live under the label ``listing``."""

    name = "archives.listing"
    label = "listing"
    verbose_name = _("Serious dishonesty list")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The record services are the one place a record is withdrawn, repaired, expired
        # or corrected; they call this hook in their transaction (archives.hooks).
        from archives import hooks
        from archives.listing.services.removal import basis_record_ended

        hooks.register_record_ended(basis_record_ended)

        # Open deadlines counted again when a year's official holidays are entered.
        from archives.listing.services.recount import open_deadlines
        from credit_portal import workdays

        workdays.register_deadlines("listing procedure", open_deadlines)
