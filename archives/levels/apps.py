from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LevelsConfig(AppConfig):
    """Credit levels of archives (守信 / 一般 / 警示 / 严重失信, DESIGN §7; 001 §四 分级分类监管),
    the green-channel check they feed, and the integrity-points pilot. Part of the
    archives layer: it reads records and findings, never writes them; its tables live
    under the label ``levels``."""

    name = "archives.levels"
    label = "levels"
    verbose_name = _("Credit levels")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from archives.hooks import register_archive_listener, register_retention_purged
        from archives.levels.services import archive_changed, purge_expired_history

        register_archive_listener(archive_changed)
        register_retention_purged(purge_expired_history)
