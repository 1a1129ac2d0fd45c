from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    """Units (企事业单位), their legal representative (法定代表人), principal person in
    charge (主要负责人) and other directly responsible persons (其他负有直接责任人员), and the
    propagation of a unit's serious dishonesty into those persons' personal archives. 003 §三（一）2: "对企事业单位严重失信行为，在记入企事业单位信用记录的同时，
    记入其法定代表人、主要负责人和其他负有直接责任人员的个人信用记录". Part of the
    archives layer: it writes records only through ``archives.services`` and learns
    that a propagated record ended through ``archives.hooks``; its own tables live
    under the label ``units``."""

    name = "archives.units"
    label = "units"
    verbose_name = _("Units and legal representatives")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from archives import hooks
        from archives.units.services import propagated_record_ended

        hooks.register_record_ended(propagated_record_ended)
