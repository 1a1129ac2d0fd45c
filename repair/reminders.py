"""Reminders of cases due soon or overdue, to the officer in charge (DESIGN §7)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.models import User
from credit_portal.roles import Role
from repair import case_types, deadlines, selectors
from repair.models import Reminder
from repair.services.common import shown_date


def _owners(case: case_types.Case) -> list[User]:
    """The assigned officer, or every credit-office officer while the case is unassigned."""
    if case.assigned_to_id is not None:
        return [case.assigned_to]
    return list(get_user_model().objects.filter(groups__name=Role.CREDIT_OFFICE, is_active=True))


def send_reminders(*, today: date | None = None) -> int:
    """E-mail the owners of each open case whose deadline is within one working day or
    past. A case is reminded at most once a day (unique ``Reminder`` row), so the task
    is safe to run twice. Returns the number of cases reminded. The e-mail carries the
    case reference only, never personal data."""
    today = today or timezone.localdate()
    horizon = deadlines.add_working_days(today, 1)
    sent = 0
    for case in selectors.open_cases_due_by(horizon):
        kind = case_types.of(case).event_prefix  # "objection" / "repair": keys of rows already sent
        try:
            with transaction.atomic():
                Reminder.objects.create(case_key=f"{kind}:{case.pk}", due=case.due, sent_on=today)
        except IntegrityError:
            continue
        overdue = case.due < today
        subject_line = (_("Overdue case %(ref)s") if overdue else _("Case %(ref)s is due %(due)s")) % {
            "ref": case.reference, "due": shown_date(case.due),
        }
        emails = [u.email for u in _owners(case) if getattr(u, "email", "")]
        if emails:
            send_mail(subject_line, subject_line, settings.DEFAULT_FROM_EMAIL, emails, fail_silently=True)
        sent += 1
    return sent
