"""The public lists: serious dishonesty and honours, masked (001 §三(六),
003 item 7: serious dishonesty is disclosed publicly, private details never). No sign-in; paginated with a page cap; rate-limited per client IP; a name
search is POSTed (a name never goes into a URL or an access log) and matches a full
name exactly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from archives.listing.models import Listing
from archives.models import CreditRecord
from credit_portal import generations, ratelimit
from credit_portal.fragments import fragment_context
from credit_portal.masking import mask_name
from credit_portal.replica import reading_from_replica, reads_from_replica
from disclosure import conf, forms, public_lists


def _rows(records: list[CreditRecord]) -> list[dict[str, object]]:
    """Honour-list rows: one record each."""
    return [
        {
            "name": mask_name(r.archive.subject.name),
            "id_number": r.archive.subject.id_number_masked,
            "occupation": r.archive.occupation.name,
            "title": r.title,
            "under_objection": r.under_objection,  # flagged wherever it is shown (DESIGN §7)
            "category": r.category.name,
            "decision_number": r.decision_number,
            "deciding_body": r.deciding_body,
            "decided_on": r.decided_on,
            "display_until": r.display_until,
            # The person's 本人声明, shown with the record (DESIGN §7): read with it.
            "statements": [{"title": r.title, "text": r.statement}] if r.statement else [],
        }
        for r in records
    ]


def _listing_rows(listings: list[Listing]) -> list[dict[str, object]]:
    """Serious-dishonesty rows: one listing each, the titles and decision numbers of its
    basis records still in effect (prefetched: ``archives.listing.selectors._basis``),
    whether one is under objection, the deciding department and the listing period."""
    rows = []
    for listing in listings:
        # The basis records still in effect, each as published now (the selector's prefetch).
        basis = listing.basis.all()
        shown = [(b.shown_title, b.shown_decision_number) if b.shown_title is not None
                 else (b.record.title, b.record.decision_number) for b in basis]
        rows.append({
            "name": mask_name(listing.subject.name),
            "id_number": listing.subject.id_number_masked,
            "occupation": listing.archive.occupation.name,
            "title": "；".join(title for title, _number in shown),
            "under_objection": any(b.shown_under_objection for b in basis),
            "category": listing.get_category_display(),
            "decision_number": "；".join(number for _title, number in shown if number),
            "deciding_body": listing.department.display_name,
            "decided_on": listing.listed_from,
            "display_until": listing.listed_until,
            # The person's 本人声明 with each basis record still named (DESIGN §7), read
            # for the whole page at once (``public_lists.dishonesty_page``); the title says
            # which record a statement concerns when the listing rests on several.
            "statements": [{"title": title, "text": b.personal_statement}
                           for b, (title, _number) in zip(basis, shown, strict=True) if b.personal_statement],
            "several": len(shown) > 1,
        })
    return rows


def _list_view(
    request: HttpRequest, *, title: str, intro: str, read: Callable[..., list[Any]], negative: bool,
    rows: Callable[[list[Any]], list[dict[str, object]]] = _rows, generations_shown: tuple[str, ...] = ("records",),
) -> HttpResponse:
    if not ratelimit.hit_ip(request, "public-lists", limit=conf.get("DISCLOSURE_PUBLIC_PER_IP_MINUTE"), window=60):
        return render(request, "disclosure/message.html", {
            "title": _("Too many requests"), "text": _("Please wait a minute and try again."),
        }, status=429)
    size, cap = conf.get("DISCLOSURE_PUBLIC_PAGE_SIZE"), conf.get("DISCLOSURE_PUBLIC_MAX_PAGES")
    today = timezone.localdate()
    form = forms.ListSearchForm(request.POST or None)
    searched = request.method == "POST" and form.is_valid()
    # The cap: no page past `cap`, so the whole list cannot be walked page by page.
    number = 1 if searched else _page_number(request.GET.get("page"), cap)
    content = PublicListContent(
        read=read, rows=rows, name=form.cleaned_data["name"] if searched else "", today=today,
        number=number, size=size, cap=cap,
    )
    # Read from a replica, the page is rendered live and never cached: the generations
    # advance when the primary commits, before a lagging replica has the change, and a
    # page rendered from it would be kept under the new generation, stale until it expires.
    cached = not searched and not reading_from_replica()
    context: dict[str, Any] = {
        "title": title, "intro": intro, "form": form, "searched": searched, "content": content,
        "negative": negative, "cap": size * cap, "today": today, "cached": cached,
    }
    if cached:
        # The unsearched pages are the same for every reader and change only when a
        # listing or a record changes: their table is a cached fragment keyed by the
        # page, the list's settings and the generations of what it shows (advanced on
        # commit by the services, credit_portal.generations), so a hit reads nothing from
        # the database. A search is never cached: no name goes into a cache key.
        context.update(fragment_context(
            request, f"public-{'dishonesty' if negative else 'honour'}", number, size, cap,
            *generations.current(*generations_shown),
        ))
    return render(request, "disclosure/public_list.html", context)


class PublicListContent:
    """One page of a public list, read on first use: when the page's cached fragment is
    current the template never asks, and neither the list nor the display rules are read."""

    def __init__(
        self, *, read: Callable[..., list[Any]], rows: Callable[[list[Any]], list[dict[str, object]]],
        name: str, today: date, number: int, size: int, cap: int,
    ) -> None:
        self._read, self._rows, self._name, self._today = read, rows, name, today
        self._number, self._size, self._cap = number, size, cap

    @cached_property
    def _records(self) -> list[Any]:
        # One row more than a page says whether there is a next one: no COUNT over the
        # list, which at a city's size would read every entry on every request.
        return self._read(
            name=self._name, today=self._today, start=(self._number - 1) * self._size,
            stop=self._number * self._size + 1,
        )

    @cached_property
    def page(self) -> PublicPage:
        records = self._records
        return PublicPage(
            number=self._number, has_next=len(records) > self._size and self._number < self._cap,
            first=(self._number - 1) * self._size + 1, shown=min(len(records), self._size),
        )

    @cached_property
    def rows(self) -> list[dict[str, object]]:
        return self._rows(self._records[: self._size])


@dataclass(frozen=True)
class PublicPage:
    number: int
    has_next: bool
    first: int
    shown: int

    @property
    def last(self) -> int:
        return self.first + self.shown - 1

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _page_number(raw: str | None, cap: int) -> int:
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return min(max(number, 1), cap)


@require_http_methods(["GET", "POST"])
@reads_from_replica
def dishonesty_list(request: HttpRequest) -> HttpResponse:
    return _list_view(
        request, title=gettext_lazy("Serious dishonesty list"), read=public_lists.dishonesty_page, negative=True,
        rows=_listing_rows, generations_shown=("listings", "records"),
        intro=gettext_lazy(
            "People listed as seriously dishonest by a department after being told the reasons and basis and "
            "given the chance to state their case, for the period of the listing. Names and ID numbers are "
            "masked. Repaired records and records of minors are never shown."
        ),
    )


@require_http_methods(["GET", "POST"])
@reads_from_replica
def honour_list(request: HttpRequest) -> HttpResponse:
    return _list_view(
        request, title=gettext_lazy("Honour list"), read=public_lists.honour_page, negative=False,
        intro=gettext_lazy(
            "People commended or rewarded for trustworthy conduct, public-interest or voluntary service, while the "
            "commendation is displayed. Names and ID numbers are masked."
        ),
    )
