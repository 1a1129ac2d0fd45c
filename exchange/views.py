"""The platform's receiving endpoint and the credit office's operations page."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from credit_portal.http import user_passes
from exchange import permissions, receiving, selectors, services
from exchange.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER


# Machine-to-machine: authenticated by the HMAC-SM3 signature, not by a session, so
# CSRF (a browser-session defence) does not apply.
@csrf_exempt
@require_POST
def receive(request: HttpRequest) -> JsonResponse:
    outcome = receiving.receive(
        request.body,
        timestamp=request.headers.get(TIMESTAMP_HEADER),
        signature=request.headers.get(SIGNATURE_HEADER),
    )
    return JsonResponse(outcome.body, status=outcome.status)


@require_GET
@login_required
@user_passes(permissions.may_view_operations)
def operations(request: HttpRequest) -> HttpResponse:
    statuses = selectors.platform_statuses()
    requeueable = {
        event.pk for status in statuses for event in status.recent_errors
        if permissions.may_requeue_event(request.user, event)
    }
    return render(
        request,
        "exchange/operations.html",
        {
            "statuses": statuses,
            "can_requeue": permissions.may_requeue(request.user),
            "requeueable": requeueable,
        },
    )


@require_POST
@login_required
@user_passes(permissions.may_requeue)
def requeue(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("event")
    event_ids = None
    if raw:
        try:
            event_ids = [uuid.UUID(raw)]
        except ValueError:
            return HttpResponseBadRequest(_("Not an event reference."))
    count = services.requeue_failed(by=request.user, event_ids=event_ids)
    messages.success(
        request,
        ngettext("Re-queued %(count)d failed event.", "Re-queued %(count)d failed events.", count) % {"count": count},
    )
    return redirect("exchange:operations")
