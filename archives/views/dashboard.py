"""The department dashboard, the review queue and the clerk's own items."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET

from archives import permissions, selectors
from archives.views.base import require, staff_view
from credit_portal import generations
from credit_portal.fragments import fragment_context

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from archives.models import CreditRecord
    from credit_portal.models import User


@require_GET
@staff_view
def dashboard(request: HttpRequest) -> HttpResponse:
    """Drafts, returned records, records and changes awaiting review and archives
    overdue by the cadence of 001 §三(五)."""
    data = selectors.dashboard(request.user)
    context = {key: list(value) for key, value in data.items()}
    context["can_review"] = permissions.can_use_review_queue(request.user)
    context["can_register"] = permissions.can_register_person(request.user)
    context["memberships"] = list(selectors.memberships_of(request.user))
    return render(request, "archives/dashboard.html", context)


REVIEW_QUEUE_SHOWN = 100
MY_ITEMS_PAGE_SIZE = 50


@require_GET
@staff_view
def review_queue(request: HttpRequest) -> HttpResponse:
    require(permissions.can_use_review_queue(request.user))
    # The oldest first and at most REVIEW_QUEUE_SHOWN: a backlog of tens of thousands
    # would otherwise be rendered on one page.
    scope = selectors.scope_of(request.user)
    # The records' table is a cached fragment (credit_portal.fragments) keyed by the viewer,
    # their scope and the queue's generation, which every entry into or exit from the queue
    # advances on commit (archives.services.records.common._enter_review_queue): a hit does
    # not read or render the hundred records.
    return render(request, "archives/review_queue.html", {
        "queue": ReviewQueue(request.user, scope), "shown": REVIEW_QUEUE_SHOWN,
        "changes": selectors.pending_changes(request.user, limit=REVIEW_QUEUE_SHOWN, scope=scope),
        "scope": scope,  # for the findings awaiting signature (intake_queue), read once per page
        **fragment_context(request, "review-queue", scope, *generations.current("review-queue")),
    })


class ReviewQueue:
    """The oldest ``REVIEW_QUEUE_SHOWN`` records waiting, read on first use (never on a
    cache hit) and whether more are waiting."""

    def __init__(self, user: User | AnonymousUser, scope: selectors.Scope) -> None:
        self.user, self.scope = user, scope

    @cached_property
    def _read(self) -> list[CreditRecord]:
        return list(selectors.review_queue(self.user, limit=REVIEW_QUEUE_SHOWN + 1, scope=self.scope))

    @cached_property
    def records(self) -> list[CreditRecord]:
        return self._read[:REVIEW_QUEUE_SHOWN]

    @cached_property
    def more(self) -> bool:
        return len(self._read) > REVIEW_QUEUE_SHOWN


@require_GET
@staff_view
def my_items(request: HttpRequest) -> HttpResponse:
    """What the signed-in clerk has in hand: drafts, submitted and returned records
    (with the reviewer's reason) on one paged list, typed in or imported, optionally
    narrowed to one state; draft findings and proposals waiting."""
    state = request.GET.get("state", "")
    context = selectors.my_items(request.user, state=state)
    context["page"] = Paginator(context.pop("records"), MY_ITEMS_PAGE_SIZE).get_page(request.GET.get("page"))
    context["state"] = state if state in selectors.MY_RECORD_STATES else ""
    context["total"] = sum(context["counts"].values())
    return render(request, "archives/my_items.html", context)
