"""The department dashboard, the review queue and the clerk's own items."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from archives import permissions, selectors
from archives.views.base import require, staff_view
from credit_portal import generations
from credit_portal.fragments import LazyReads, fragment_context

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from credit_portal.models import User


@require_GET
@staff_view
def dashboard(request: HttpRequest) -> HttpResponse:
    """Drafts, returned records, records and changes awaiting review and archives
    overdue by the cadence of 001 §三(五)."""
    scope = selectors.scope_of(request.user)
    # The department's lists (awaiting review, changes awaiting approval, returned,
    # overdue, and the viewer's memberships) are a cached fragment (credit_portal.fragments)
    # keyed by the viewer, their scope and access version, and the generations that
    # every change of what they list advances on commit: "review-queue" (submission,
    # return, publication), "department-work" (proposals and their decisions, edited
    # records, archives opened, edited, closed or updated, people renamed) and "records"
    # (record events). A hit reads none of them. The viewer's own drafts change with
    # every keystroke of theirs and are read on each request.
    context: dict[str, object] = {
        "lists": LazyReads(selectors.dashboard(request.user, scope=scope)),
        "memberships": LazyReads(all=lambda: list(selectors.memberships_of(request.user))),
        "can_review": permissions.can_use_review_queue(request.user),
        "can_register": permissions.can_register_person(request.user),
        **fragment_context(
            request, "dashboard-lists", scope, request.user.access_version,  # type: ignore[union-attr]
            *generations.current("review-queue", "department-work", "records", request=request),
        ),
    }
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
    # The records' table, the changes awaiting approval and the yearly findings awaiting
    # signature are one cached fragment (credit_portal.fragments) keyed by the viewer (the
    # findings leave out the viewer's own drafts: four eyes), their scope and access version
    # (roles decide which findings and batches they may sign), and the generations every
    # entry into or exit from the queue ("review-queue": archives.services.records.common.
    # _enter_review_queue) and every proposal, decision, rename, finding drafted, deleted or
    # signed and batch signed ("department-work") advance on commit: a hit reads and renders
    # none of them. Building and planning the two wide finding queries, which are empty
    # nearly always, was ~40 % of a hit before.
    return render(request, "archives/review_queue.html", {
        "queue": _review_queue_reads(request.user, scope), "shown": REVIEW_QUEUE_SHOWN,
        "changes": LazyReads(all=lambda: selectors.pending_changes(request.user, limit=REVIEW_QUEUE_SHOWN, scope=scope)),
        "scope": scope,  # for the findings awaiting signature (intake_queue), read once per page
        **fragment_context(
            request, "review-queue", scope, request.user.access_version,  # type: ignore[union-attr]
            *generations.current("review-queue", "department-work", request=request),
        ),
    })


def _review_queue_reads(user: User | AnonymousUser, scope: selectors.Scope) -> LazyReads:
    """The oldest ``REVIEW_QUEUE_SHOWN`` records waiting and whether more are waiting, from
    one read of one more (never read on a cache hit)."""
    queue = LazyReads(
        rows=lambda: list(selectors.review_queue(user, limit=REVIEW_QUEUE_SHOWN + 1, scope=scope)),
        records=lambda: queue.rows[:REVIEW_QUEUE_SHOWN],
        more=lambda: len(queue.rows) > REVIEW_QUEUE_SHOWN,
    )
    return queue


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
