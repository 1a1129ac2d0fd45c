"""The two public lists (DESIGN §6): masked entries of the serious-dishonesty list and
the honour list, never repaired or minors' records, never enumerable by name prefix.
Read by the public pages (``disclosure.views.public``) without signing in."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from archives.listing.models import Listing
from archives.listing.selectors import public_listing_page, public_listings
from archives.models import CreditRecord, DisplayRule
from disclosure import conf, hooks

State = CreditRecord.State


def _public_base(today: date) -> tuple[QuerySet[CreditRecord], list[str]]:
    """Entries fit for a public list: current, published, within the display period,
    never a minor's (003 item 10), of a tier the display rules publish (minor
    information is in principle not published)."""
    published_tiers = list(DisplayRule.objects.filter(published=True).values_list("tier", flat=True))
    return (
        CreditRecord.objects.filter(
            is_current=True, state=State.PUBLISHED, subject_was_minor=False, display_until__gte=today
        )
        .select_related("category", "archive__subject", "archive__occupation", "archive__department")
        .order_by("-decided_on", "-id")
    ), published_tiers


def dishonesty_list(*, name: str = "", today: date | None = None) -> QuerySet[Listing]:
    """The serious-dishonesty list (严重失信名单; 001 §三(六), 003 item 7, 004 item 25):
    the listings a reviewer decided after notice and objection window (国办发〔2020〕49号;
    ``archives.listing``), within their period. A serious record alone no longer puts a
    person on it. ``name`` matches a full name exactly, so the list cannot be enumerated
    by prefix. Read from the partial index ``listing_public``, newest first; the caller
    pages by looking one row ahead (no COUNT)."""
    return public_listings(name=name, today=today)


def dishonesty_page(*, name: str = "", today: date | None = None, start: int, stop: int) -> list[Listing]:
    """``dishonesty_list(...)[start:stop]`` as the public page reads it (its SQL compiled
    once per process: ``public_listing_page``), each basis record still in effect carrying
    ``personal_statement``: the person's 本人声明 shown with the record (DESIGN §7), None
    where there is none. Only the basis records the public list names are asked, so the
    statement of a record no longer on the list is not shown. One query for the page's
    statements whatever its length (``hooks.personal_statements``), none for an empty page."""
    listings = public_listing_page(name=name, today=today, start=start, stop=stop)
    basis = [row for listing in listings for row in listing.basis.all()]
    statements = hooks.personal_statements(row.lineage for row in basis)
    for row in basis:
        row.personal_statement = statements.get(row.lineage)
    return listings


def honour_list(*, name: str = "", today: date | None = None) -> QuerySet[CreditRecord]:
    """The honour list (守信激励名单; 002 §三, 003 item 5): positive records in the
    honour categories (``DISCLOSURE_HONOUR_CATEGORIES``, see ``disclosure.conf``), each
    with ``statement``, the person's 本人声明 shown with the record (DESIGN §7; NULL where
    none), read in the same query."""
    today = today or timezone.localdate()
    qs, tiers = _public_base(today)
    qs = qs.filter(
        polarity=CreditRecord.Polarity.POSITIVE, category__code__in=list(conf.get("DISCLOSURE_HONOUR_CATEGORIES"))
    ).annotate(statement=hooks.personal_statement_expression())
    if "positive" not in tiers:
        return qs.none()
    if name:
        qs = qs.filter(archive__subject__name=name.strip())
    return qs


def honour_page(*, name: str = "", today: date | None = None, start: int, stop: int) -> list[CreditRecord]:
    """``honour_list(...)[start:stop]`` as the public page reads it."""
    return list(honour_list(name=name, today=today)[start:stop])
