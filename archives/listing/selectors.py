"""Reads of the listing procedure: who sees which listing and case, the public list,
and what other apps ask (``is_listed``, ``active_listings``: a listing counts as 严重失信
for the credit level).

Scope: the credit office sees everything; department staff see their department's
listings and the cases in which their department has a measure; the person sees their
own listings (the citizen portal passes the subject it resolved). Everyone else gets
``NotFound`` (404: they must not learn a listing exists).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import router
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.utils import timezone

from archives.listing.models import CaseMeasure, Listing, ListingBasis, PunishmentCase
from archives.models import Archive, CreditRecord, Subject
from credit_portal import compiled
from credit_portal.exceptions import NotFound
from credit_portal.models import User
from departments.scope import department_ids, is_credit_office

State = Listing.State


def _effective_serious(today: date) -> Q:
    return Q(
        is_current=True, state=CreditRecord.State.PUBLISHED, polarity=CreditRecord.Polarity.NEGATIVE,
        severity=CreditRecord.Severity.SERIOUS, subject_was_minor=False, display_until__gte=today,
    )


def basis_candidates(archive: Archive, *, today: date | None = None) -> QuerySet[CreditRecord]:
    """The records a listing from ``archive`` may rest on: effective serious negative
    records (current, published, within the display period, not a minor's: 003 item 10)."""
    today = today or timezone.localdate()
    return (
        CreditRecord.objects.filter(_effective_serious(today), archive=archive)
        .select_related("category").order_by("-decided_on", "-id")
    )


def basis_in_force(listing: Listing, *, today: date | None = None) -> list[CreditRecord]:
    """The current versions of the listing's basis records that are still effective
    serious negative records."""
    today = today or timezone.localdate()
    lineages = ListingBasis.objects.filter(listing=listing, ended=False).values("lineage")
    return list(CreditRecord.objects.filter(_effective_serious(today), lineage__in=lineages))


def _with_details(qs: QuerySet[Listing]) -> QuerySet[Listing]:
    # Each basis with its record as published now (``_as_published_now``): the person's
    # notice names what the public list names, after a correction as before it.
    basis = _as_published_now(ListingBasis.objects.select_related("record__category")).order_by("id")
    return qs.select_related(
        "archive__occupation", "subject", "department", "proposed_by", "decided_by", "answered_by", "removed_by",
    ).prefetch_related(Prefetch("basis", queryset=basis), "objection_files")


def open_or_corrected_case(listing: Listing) -> PunishmentCase | None:
    """The listing's joint-punishment case while it is open or was corrected in time (a
    closed one, its listing removed, says nothing to the person any more)."""
    return PunishmentCase.objects.filter(
        listing=listing, state__in=[PunishmentCase.State.OPEN, PunishmentCase.State.CORRECTED]
    ).first()


def listings_visible_to(user: User) -> QuerySet[Listing]:
    """Listings ``user`` may see on the staff pages, newest first."""
    qs = Listing.objects.select_related("subject", "department", "archive__occupation").order_by("-proposed_at", "-id")
    if is_credit_office(user):
        return qs
    return qs.filter(department_id__in=department_ids(user))


def get_listing_for_view(user: User, listing_id: object) -> Listing:
    try:
        return _with_details(listings_visible_to(user)).get(pk=listing_id)
    except (Listing.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such listing.") from None


def own_listings(subject: Subject) -> QuerySet[Listing]:
    """The person's own listings, every state, newest first."""
    return (
        Listing.objects.filter(subject=subject).select_related("department", "archive__occupation")
        .order_by("-proposed_at", "-id")
    )


def get_own_listing(subject: Subject | None, listing_id: object) -> Listing:
    """One of the person's own listings; ``NotFound`` for anyone else's."""
    if subject is None:
        raise NotFound("No such listing.")
    try:
        return _with_details(Listing.objects.filter(subject=subject)).get(pk=listing_id)
    except (Listing.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such listing.") from None


def active_listings(*, subject_ids: Iterable[object] | None = None, today: date | None = None) -> QuerySet[Listing]:
    """Listings on the list today (published, within their period), optionally of these
    people. For other apps (credit levels: a listing counts as 严重失信)."""
    today = today or timezone.localdate()
    qs = Listing.objects.filter(state=State.PUBLISHED, listed_from__lte=today, listed_until__gte=today)
    if subject_ids is not None:
        qs = qs.filter(subject_id__in=list(subject_ids))
    return qs


def is_listed(subject: Subject, *, today: date | None = None) -> bool:
    """Whether ``subject`` is on the serious-dishonesty list today."""
    return active_listings(subject_ids=[subject.pk], today=today).exists()


def _public(today: date) -> QuerySet[Listing]:
    return (
        Listing.objects.filter(state=State.PUBLISHED, listed_until__gte=today)
        .select_related("subject", "department", "archive__occupation")
        .order_by("-listed_from", "-id")
    )


def _basis() -> Prefetch:
    """The basis records the public sees: those still in effect, each as its lineage's
    published version now. A listing that rests on two records stays when one of them is
    repaired or withdrawn, but that record must no longer be named in public (published
    only: "已修复的记录……不予公示"); a correction that keeps a record serious leaves the
    listing with the corrected title and decision number, not the version named at the
    proposal. ``shown`` is that version (the proposal's when none is published), with
    whether it is under objection (DESIGN §7: a disputed record is flagged wherever it is
    shown). One query for the page, whatever its length."""
    return Prefetch("basis", queryset=_as_published_now(
        ListingBasis.objects.filter(ended=False).select_related("record")
    ).order_by("id"))


def _as_published_now(basis: QuerySet[ListingBasis]) -> QuerySet[ListingBasis]:
    """Each basis row with its lineage's published version now, as ``shown_*`` (None
    where no version is published any more: the proposal's ``record`` is shown then)."""
    published = CreditRecord.objects.filter(lineage=OuterRef("lineage"), state=CreditRecord.State.PUBLISHED)
    return basis.annotate(
        shown_title=Subquery(published.values("title")[:1]),
        shown_decision_number=Subquery(published.values("decision_number")[:1]),
        shown_decided_on=Subquery(published.values("decided_on")[:1]),
        shown_under_objection=Subquery(published.values("under_objection")[:1]),
    )


def public_listings(*, name: str = "", today: date | None = None) -> QuerySet[Listing]:
    """Entries of the public serious-dishonesty list: published listings within their
    period, newest first (read from the partial index ``listing_public``). ``name``
    matches a full name exactly. The basis records are prefetched (one query)."""
    qs = _public(today or timezone.localdate()).prefetch_related(_basis())
    if name:
        qs = qs.filter(subject__name=name.strip())
    return qs


# Sentinels of the compiled public list page (``credit_portal.compiled``): a day and a
# name no listing has.
_DAY_SENTINEL = date(1901, 2, 3)
_NAME_SENTINEL = "\ue000name\ue000"


def public_listing_page(*, name: str = "", today: date | None = None, start: int, stop: int) -> list[Listing]:
    """``list(public_listings(name=name, today=today)[start:stop])``, the basis records
    prefetched (one more query, only when there are rows), from SQL compiled once per
    process for the page's bounds and whether a name is searched: building and compiling
    the five-table join was a third of a searched list page's CPU, ten times what
    PostgreSQL spends running it. The name is bound as a parameter, never kept."""
    searched = bool(name)

    def build(today: date, name: str = "") -> QuerySet[Listing]:
        qs = _public(today)
        if searched:
            qs = qs.filter(subject__name=name)
        return qs[start:stop]

    fields = {"today": Listing._meta.get_field("listed_until")}
    sentinels: dict[str, object] = {"today": _DAY_SENTINEL}
    values: dict[str, object] = {"today": today or timezone.localdate()}
    if searched:
        fields["name"] = Subject._meta.get_field("name")
        sentinels["name"] = _NAME_SENTINEL
        values["name"] = name.strip()
    query = compiled.compiled_for(("listing.public", searched, start, stop), build, fields=fields, sentinels=sentinels)
    found = query.objects(using=router.db_for_read(Listing) or "default", **values)
    prefetch_related_objects(found, _basis())
    return found


# --- joint punishment ------------------------------------------------------------------------


def cases_visible_to(user: User, *, today: date | None = None, open_only: bool = True) -> QuerySet[PunishmentCase]:
    """Cases for the overview: the credit office sees every case, department staff the
    cases with a measure of theirs. Each carries ``pending`` and ``overdue`` counts
    (one query for the page, whatever its length)."""
    today = today or timezone.localdate()
    pending = Q(measures__state=CaseMeasure.State.PENDING)
    qs = (
        PunishmentCase.objects.select_related("listing__subject", "listing__department")
        .annotate(
            pending=Count("measures", filter=pending),
            overdue=Count("measures", filter=pending & Q(measures__feedback_due__lt=today)),
        )
        .order_by("-opened_at", "-id")
    )
    if open_only:
        qs = qs.filter(state=PunishmentCase.State.OPEN)
    if not is_credit_office(user):
        mine = CaseMeasure.objects.filter(case=OuterRef("pk"), department_id__in=department_ids(user))
        qs = qs.filter(Exists(mine))
    return qs


def get_case_for_view(user: User, case_id: object) -> PunishmentCase:
    measures = CaseMeasure.objects.select_related("measure", "department", "responded_by").order_by("id")
    try:
        return (
            cases_visible_to(user, open_only=False)
            .select_related("listing__archive__occupation", "closed_by")
            .prefetch_related(Prefetch("measures", queryset=measures))
            .get(pk=case_id)
        )
    except (PunishmentCase.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such case.") from None
