"""What every clerk and reviewer page shares: the access wrapper and the mapping of
domain errors to pages (PermissionDenied → 403, NotFound → 404, ValidationError →
the form's errors, TransitionNotAllowed → a message)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from archives import permissions
from archives.models import AnnualFinding, CreditRecord
from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.forms import add_errors
from credit_portal.http import guarded

__all__ = ["act", "add_errors", "confirm_delete", "display_ended", "refused", "require", "staff_view", "submit"]


# Department staff and the credit office only (DESIGN §6): anonymous users go to the
# log-in page, citizens and institutions get 403; ``NotFound`` becomes 404.
staff_view = guarded(permissions.can_use_staff_pages)


def require(allowed: bool) -> None:
    """Refuse with 403 unless the ``archives.permissions`` predicate said yes."""
    if not allowed:
        raise PermissionDenied


def display_ended(record: CreditRecord) -> str | None:
    """What the reviewer is told when a record they just published or corrected ended its
    display at once (``records.common.expire_if_over``: decided so long ago that its display
    period is already over), or ``None``. Without it the success message says "published"
    of a record nobody else will see."""
    if record.state != CreditRecord.State.EXPIRED:
        return None
    return _(
        "Its display period, counted from the decision date, ended on %(day)s, so its display ended at once: "
        "it stays in the archive and in the person's own view, and is not shown to others."
    ) % {"day": record.display_until.isoformat()}


def refused(request: HttpRequest, exc: Exception, to: str) -> HttpResponse:
    """A state refusal (or a check that is not about one field) as a message, then back."""
    text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text)
    return redirect(to)


def submit(
    request: HttpRequest, form: Form, action: Callable[[dict[str, Any]], object], *, done: str,
    to: str | Callable[[Any], str], back: str | None = None,
) -> HttpResponse | None:
    """A form page's POST, the same on every page: when the form is valid, the service runs
    with its cleaned data; a ``ValidationError`` goes onto the form and ``None`` tells the
    caller to show the page again; a ``TransitionNotAllowed`` becomes a message and a
    redirect to ``back`` (raised on when there is none); success is the ``done`` message
    and a redirect to ``to`` (or to ``to(result)``, for a page of what the service made)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except ValidationError as exc:
        add_errors(form, exc)
        return None
    except TransitionNotAllowed as exc:
        if back is None:
            raise
        return refused(request, exc, back)
    messages.success(request, done)
    return redirect(to(result) if callable(to) else to)


def act(request: HttpRequest, action: Callable[[], object], *, done: str, to: str) -> HttpResponse:
    """A button with no form (sign, retire, end): the service runs; a state refusal or a
    check that is not about a field comes back as a message, success as ``done``; back to
    ``to`` either way. The caller has already asked the permission predicate."""
    try:
        action()
    except (TransitionNotAllowed, ValidationError) as exc:
        return refused(request, exc, to)
    messages.success(request, done)
    return redirect(to)


def confirm_delete(
    request: HttpRequest, draft: CreditRecord | AnnualFinding, name: str, delete: Callable[[], object], done: str
) -> HttpResponse:
    """The delete page of an unpublished draft (``name``: "record" or "finding"): GET asks
    to confirm, POST calls the service, then back to the archive; a state refusal goes
    back to the draft's page. The caller has already asked the permission predicate."""
    if request.method == "POST":
        try:
            delete()
        except TransitionNotAllowed as exc:
            return refused(request, exc, reverse(f"archives:{name}", args=[draft.pk]))
        messages.success(request, done)
        return redirect("archives:archive", archive_id=draft.archive_id)
    return render(request, f"archives/{name}_delete.html", {name: draft, "archive": draft.archive})
