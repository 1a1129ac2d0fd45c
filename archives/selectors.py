"""Reads that encode who may see what in the archives (DESIGN §6).

Department staff see archives of their own departments, of occupations their
department is co-responsible for, and archives shared with their department through
an object permission; the credit office sees everything; nobody else sees anything
here (citizens and institutions read through ``disclosure``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Case,
    Count,
    Expression,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)

from archives.models import (
    AnnualFinding,
    Archive,
    CreditRecord,
    Evidence,
    Notice,
    RecordChange,
    Subject,
)
from archives.scope import Scope, scope_filter, scope_of, scoped_objects
from archives.stamps import with_content_stamp
from credit_portal import audit
from credit_portal.exceptions import NotFound
from departments.models import Membership
from departments.scope import department_ids, is_credit_office

if TYPE_CHECKING:
    from django.http import HttpRequest

    from credit_portal.models import User

    Viewer = User | AnonymousUser


# The user the querysets compiled once per process (``scope.scoped_objects``) are built
# for: their scope is given, and the SQL kept must hold no caller's user, only parameters.
_COMPILED = AnonymousUser()


def archives_visible_to(user: Viewer, *, scope: Scope | None = None) -> QuerySet[Archive]:
    """Archives ``user`` may see, with subject, occupation and department joined
    (``scope``: ``scope_of(user)`` when the caller has read it already)."""
    qs = Archive.objects.select_related("subject", "occupation", "department")
    scope = scope_filter(user, scope=scope)
    return qs if scope is None else qs.filter(scope)


class NamedArchive(NamedTuple):
    """What the find page shows of an archive found by name: no more is read."""

    subject_id: Any
    name: str
    id_number_masked: str
    archive_id: int
    occupation: str
    employer: str
    department_name: str
    department_kind: str


def search_archives_by_name(user: Viewer, name: str, *, limit: int = 50) -> list[NamedArchive]:
    """The find page's name search: archives in ``user``'s scope of people with exactly
    this full name.

    An exact match on the indexed name column: a look-up, not a scan of every name,
    and it says no more than the ID-number search does (who, within the department's
    own scope, bears this name); a partial match would let a clerk list people by
    surname. Its SQL is compiled once per process and shape of the scope
    (``scope.scoped_objects``), and reads the columns the page shows, not model rows.
    """

    def build(scope: Scope, name: str) -> QuerySet[Archive]:
        return (
            archives_visible_to(_COMPILED, scope=scope).filter(subject__name=name)
            .order_by("subject__name", "subject_id", "occupation__sort_order")
            .values_list("subject_id", "subject__name", "subject__id_number_masked", "id", "occupation__name",
                         "employer", "department__name", "department__kind")[:limit]
        )

    return [NamedArchive(*row) for row in scoped_objects(
        f"named:{limit}", scope_of(user), build, fields={"name": Subject._meta.get_field("name")},
        sentinels={"name": "\ue000name\ue000"}, values={"name": name.strip()}, model=Archive, as_tuples=True,
    )]


def subjects_visible_to(user: Viewer) -> QuerySet[Subject]:
    """Subjects with at least one archive ``user`` may see."""
    if is_credit_office(user):
        return Subject.objects.all()
    return Subject.objects.filter(id__in=archives_visible_to(user).values("subject_id"))


def records_visible_to(user: Viewer, *, scope: Scope | None = None) -> QuerySet[CreditRecord]:
    # A join on the archive, not ``archive_id IN (visible archives)``: a short list
    # ordered by a record index stops after its first rows instead of hashing the
    # hundreds of thousands of archives a department keeps.
    qs = CreditRecord.objects.select_related("category", "domain", "archive")
    condition = scope_filter(user, prefix="archive__", scope=scope)
    return qs if condition is None else qs.filter(condition)


def can_act_on(user: Viewer, archive: Archive, *, role: str) -> bool:
    """Whether ``user`` holds ``role`` (clerk or reviewer) in a department that may act on
    ``archive``. Kept for other apps; the rule lives in ``archives.permissions``."""
    from archives import permissions

    return permissions.has_role_on(user, archive, role)


def get_subject_for_view(user: Viewer, subject_id: object, *, request: HttpRequest | None = None) -> Subject:
    """The subject page read: scoped, and written to the audit trail (DESIGN §8).

    Raises ``NotFound`` when the subject does not exist or is outside the user's scope:
    a department must not learn that another department keeps someone.
    """
    try:
        subject = subjects_visible_to(user).get(pk=subject_id)
    except (Subject.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such subject.") from None
    audit.record_read("archives.subject.viewed", actor=user, target=subject, subject_ref=str(subject.pk), request=request)
    return subject


def get_archive_for_view(
    user: Viewer, archive_id: object, *, request: HttpRequest | None = None, stamped: bool = False,
    extra: dict[str, Expression] | None = None, related: tuple[str, ...] = (),
) -> Archive:
    """One archive in ``user``'s scope, its read written to the audit trail; ``stamped``
    reads its content stamp in the same query (the archive page's cached fragment),
    ``extra`` more annotations and ``related`` more one-to-one rows the page needs (read
    in the same query)."""

    def build(scope: Scope, pk: int) -> QuerySet[Archive]:
        visible = archives_visible_to(_COMPILED, scope=scope)
        if related:
            visible = visible.select_related(*related)
        if stamped:
            visible = with_content_stamp(visible)
        if extra:
            visible = visible.annotate(**extra)
        return visible.filter(pk=pk).order_by()

    # Compiled once per process for each shape of the scope (``scope.scoped_objects``):
    # building and compiling this query (the scope, the joins, the stamp) cost more CPU
    # than running it. ``extra`` is part of the shape by its names: a caller passes the
    # same SQL under the same names every time (``stamps.row_columns``).
    try:
        found = scoped_objects(
            f"archive:{stamped}:{','.join(sorted(extra or ()))}:{','.join(related)}", scope_of(user), build,
            fields={"pk": Archive._meta.pk}, sentinels={"pk": -999_999_999}, values={"pk": archive_id},
            model=Archive,
        )
    except (ValueError, TypeError):
        raise NotFound("No such archive.") from None
    if not found:
        raise NotFound("No such archive.")
    archive = found[0]
    audit.record_read(
        "archives.archive.viewed", actor=user, target=archive, subject_ref=str(archive.subject_id), request=request
    )
    return archive


def archive_records(archive: Archive, *, include_drafts: bool = True) -> QuerySet[CreditRecord]:
    """Current versions of an archive's records, with everything the page shows joined."""
    qs = archive.records.filter(is_current=True).select_related("category", "domain", "created_by", "published_by")
    if not include_drafts:
        qs = qs.exclude(state=CreditRecord.State.DRAFT)
    return qs.prefetch_related("evidence").order_by("category__sort_order", "-decided_on", "-id")


def record_history(record: CreditRecord) -> QuerySet[CreditRecord]:
    """Every version of a record, oldest first."""
    return CreditRecord.objects.filter(lineage=record.lineage).select_related(
        "category", "domain", "created_by", "published_by"
    ).order_by("version")


def archive_findings(archive: Archive) -> QuerySet[AnnualFinding]:
    return archive.findings.select_related("signed_by", "created_by").prefetch_related("evidence").order_by(
        "-year", "-version"
    )


def review_queue(user: Viewer, *, limit: int, scope: Scope | None = None) -> QuerySet[CreditRecord]:
    """The ``limit`` oldest submitted records a reviewer may decide, oldest first."""
    from departments.models import Membership as M

    reviewer_depts = department_ids(user, role=M.Role.REVIEWER)
    if not reviewer_depts and not is_credit_office(user):
        return CreditRecord.objects.none()
    # Scoped on the record's own copies of its archive's department and occupation (set
    # while it awaits review), not through the archive join: each list of the OR has its
    # index (record_review_by_*), so a department with a short queue reads only that,
    # however long other departments' backlogs are. The oldest ids are chosen on the
    # record table alone and only those rows joined: joining before the sort made a long
    # queue join every entry.
    waiting = CreditRecord.objects.filter(state=CreditRecord.State.SUBMITTED, is_current=True)
    condition = scope_filter(user, columns=("review_department_id", "review_occupation_id", "archive_id"), scope=scope)
    if condition is not None:
        waiting = waiting.filter(condition)
    oldest = waiting.order_by("submitted_at", "id").values("id")[:limit]
    # Only the columns the queue shows (the dashboard's list and the review queue's
    # hundred rows): no description, no encrypted columns, no catalogue rows it does not name.
    return CreditRecord.objects.filter(id__in=oldest).select_related(
        "archive__subject", "archive__occupation", "created_by"
    ).only(*REVIEW_QUEUE_COLUMNS).order_by("submitted_at", "id")


REVIEW_QUEUE_COLUMNS = (
    "id", "title", "polarity", "severity", "state", "submitted_at", "archive_id", "created_by_id",
    "archive__id", "archive__subject_id", "archive__occupation_id", "archive__subject__id", "archive__subject__name",
    "archive__occupation__id", "archive__occupation__name", "created_by__id", "created_by__username",
    "created_by__full_name",
)


def overdue_condition(now: datetime | None = None) -> Q:
    """The ``Q`` over ``Archive`` of open archives past their update cadence (001
    §三(五)). The rule and its catalogue data live in ``archives.overdue``; this name is
    kept for the city view's statistics."""
    from archives.overdue import overdue_condition as condition

    return condition(now=now)


def dashboard(user: Viewer, *, scope: Scope | None = None) -> dict[str, Callable[[], list[Any]]]:
    """The short lists of a department dashboard, each read when called (a page that
    serves them from a cached fragment reads none); the overdue archives are the oldest
    20 of ``archives.overdue.overdue_archives`` (the full list has its own page)."""
    from archives.overdue import overdue_archives

    # The scope is read once for the page's five lists (it was read once per list).
    scope = scope or scope_of(user)

    def records() -> QuerySet[CreditRecord]:
        # The short lists load only what the dashboard shows of each record.
        return (
            records_visible_to(user, scope=scope).filter(is_current=True)
            .select_related(None).select_related("archive__subject", "archive__occupation").only(*DASHBOARD_COLUMNS)
        )

    def drafts(scope: Scope, creator: int) -> QuerySet[CreditRecord]:
        return records_visible_to(_COMPILED, scope=scope).filter(
            is_current=True, state=CreditRecord.State.DRAFT, created_by_id=creator,
        ).select_related(None).select_related("archive__subject", "archive__occupation").only(
            *DASHBOARD_COLUMNS
        ).order_by("-updated_at")[:20]

    return {
        # The viewer's own drafts are read on every request (outside the cached fragment):
        # their SQL is compiled once per process and shape of the scope.
        "drafts": lambda: scoped_objects(
            "dashboard-drafts", scope, drafts, fields={"creator": CreditRecord._meta.get_field("created_by")},
            sentinels={"creator": -999_999_999}, values={"creator": user.pk}, model=CreditRecord,
        ),
        "returned": lambda: list(records().filter(state=CreditRecord.State.RETURNED).order_by("-updated_at")[:20]),
        "awaiting_review": lambda: list(review_queue(user, limit=20, scope=scope)),
        "overdue": lambda: list(overdue_archives(user, scope=scope)[:20]),
        "pending_changes": lambda: pending_changes(user, scope=scope),
    }


DASHBOARD_COLUMNS = (
    "id", "title", "polarity", "state", "return_reason", "updated_at", "archive_id",
    "archive__id", "archive__subject_id", "archive__occupation_id", "archive__subject__id", "archive__subject__name",
    "archive__occupation__id", "archive__occupation__name",
)


def memberships_of(user: Viewer) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("department")




def get_record_for_view(user: Viewer, record_id: object, *, request: HttpRequest | None = None) -> CreditRecord:
    """One record version in ``user``'s scope, its read written to the audit trail;
    ``NotFound`` when it does not exist or is out of scope (DESIGN §6)."""
    try:
        record = records_visible_to(user).select_related(
            "archive__subject", "archive__occupation", "archive__department", "created_by", "published_by"
        ).get(pk=record_id)
    except (CreditRecord.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such record.") from None
    audit.record_read("archives.record.viewed", actor=user, target=record, subject_ref=str(record.archive.subject_id), request=request)
    return record


def get_finding_for_view(user: Viewer, finding_id: object, *, request: HttpRequest | None = None) -> AnnualFinding:
    """One finding in ``user``'s scope, its read written to the audit trail like every
    read of a person's record (DESIGN §8); ``NotFound`` when out of scope."""
    try:
        finding = AnnualFinding.objects.select_related(
            "archive__subject", "archive__occupation", "archive__department", "created_by", "signed_by"
        ).prefetch_related("evidence").get(pk=finding_id, archive__in=archives_visible_to(user).values("id"))
    except (AnnualFinding.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such finding.") from None
    audit.record_read(
        "archives.finding.viewed", actor=user, target=finding, subject_ref=str(finding.archive.subject_id),
        request=request,
    )
    return finding


def archive_earlier_versions(archive: Archive) -> dict[object, list[CreditRecord]]:
    """Superseded versions of every record of ``archive`` in one query, by lineage,
    oldest first: the archive page shows each record's history without a query per record."""
    versions: dict[object, list[CreditRecord]] = {}
    for record in archive.records.filter(is_current=False).select_related("category", "domain").order_by("version"):
        versions.setdefault(record.lineage, []).append(record)
    return versions


def subject_in_scope(user: Viewer, subject: Subject | None) -> bool:
    return subject is not None and subjects_visible_to(user).filter(pk=subject.pk).exists()


def subject_archives(user: Viewer, subject: Subject) -> list[Archive]:
    return list(archives_visible_to(user).filter(subject=subject).order_by("occupation__sort_order"))


def record_evidence(record: CreditRecord) -> list[Evidence]:
    return list(record.evidence.all())


def subject_was_told(record: CreditRecord) -> bool:
    """Whether the person got the notice before publication of this record (art. 15)."""
    return record.notices.filter(kind=Notice.Kind.PRE_PUBLICATION).exists()


def get_evidence_in_scope(user: Viewer, evidence_id: object) -> Evidence:
    visible = archives_visible_to(user).values("id")
    try:
        return Evidence.objects.select_related(
            "record__archive", "finding__archive", "change__record__archive"
        ).get(
            Q(record__archive__in=visible) | Q(finding__archive__in=visible) | Q(change__record__archive__in=visible),
            pk=evidence_id,
        )
    except (Evidence.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such evidence.") from None


def get_evidence_for_download(user: Viewer, evidence_id: object, *, request: HttpRequest | None = None) -> Evidence:
    """An evidence file in ``user``'s scope, its download written to the audit trail."""
    evidence = get_evidence_in_scope(user, evidence_id)
    owner = evidence.record or evidence.finding or evidence.change.record  # type: ignore[union-attr]
    audit.record_read("archives.evidence.downloaded", actor=user, target=evidence, subject_ref=str(owner.archive.subject_id),
                 request=request)
    return evidence


def pending_change(record: CreditRecord) -> RecordChange | None:
    """The proposal awaiting approval for this record version, if any."""
    return record.changes.filter(state=RecordChange.State.PENDING).select_related("proposed_by").first()


def record_changes(record: CreditRecord) -> list[RecordChange]:
    """Every proposal made on any version of this record, newest first."""
    return list(
        RecordChange.objects.filter(record__lineage=record.lineage)
        .select_related("proposed_by", "decided_by", "result", "record__archive__subject")
        .order_by("-proposed_at", "-id")
    )


def get_change_for_view(user: Viewer, change_id: object, *, request: HttpRequest | None = None) -> RecordChange:
    """One proposed change in ``user``'s scope, read audited; ``NotFound`` otherwise."""
    try:
        change = RecordChange.objects.select_related(
            "record__archive__subject", "record__archive__occupation", "record__archive__department",
            "record__category", "record__domain", "proposed_by", "decided_by", "result",
        ).prefetch_related("evidence").get(pk=change_id, record__archive__in=archives_visible_to(user).values("id"))
    except (RecordChange.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such proposal.") from None
    audit.record_read("archives.record_change.viewed", actor=user, target=change,
                 subject_ref=str(change.record.archive.subject_id), request=request)
    return change


def pending_changes(user: Viewer, *, limit: int = 20, scope: Scope | None = None) -> list[RecordChange]:
    """Proposals awaiting a decision in ``user``'s scope, oldest first."""
    return list(
        RecordChange.objects.filter(
            state=RecordChange.State.PENDING, record__archive__in=archives_visible_to(user, scope=scope).values("id")
        )
        .select_related("record__archive__subject", "record__archive__occupation", "proposed_by")
        .order_by("proposed_at", "id")[:limit]
    )


MY_RECORD_STATES = (CreditRecord.State.RETURNED, CreditRecord.State.DRAFT, CreditRecord.State.SUBMITTED)


def my_items(user: Viewer, *, state: str = "") -> dict[str, object]:
    """A clerk's own work: their drafts, submitted and returned records on one list
    (typed in, imported from Excel or sent by the department's system alike), returned
    ones first because they wait for the clerk; ``state`` narrows it to one of them.
    Also draft findings and proposals they made that still wait. ``records`` is a
    queryset for the caller to paginate (an import can leave thousands of drafts);
    ``counts`` holds how many there are in each state (one query)."""
    mine = CreditRecord.objects.filter(
        created_by=user, is_current=True, state__in=MY_RECORD_STATES,
        archive__in=archives_visible_to(user).values("id"),
    )
    counts = mine.aggregate(**{str(s): Count("id", filter=Q(state=s)) for s in MY_RECORD_STATES})
    shown = mine.filter(state=state) if state in MY_RECORD_STATES else mine
    first = Case(*(When(state=s, then=Value(i)) for i, s in enumerate(MY_RECORD_STATES)), output_field=IntegerField())
    return {
        "records": shown.select_related("archive__subject", "archive__occupation").order_by(first, "-updated_at", "-id"),
        "counts": counts,
        "findings": list(
            AnnualFinding.objects.filter(created_by=user, state=AnnualFinding.State.DRAFT,
                                         archive__in=archives_visible_to(user).values("id"))
            .select_related("archive__subject", "archive__occupation").order_by("-created_at", "-id")
        ),
        "changes": list(
            RecordChange.objects.filter(proposed_by=user, state=RecordChange.State.PENDING)
            .select_related("record__archive__subject", "proposed_by").order_by("-proposed_at", "-id")
        ),
    }


def finding_seal_intact(finding: AnnualFinding) -> bool:
    """Whether a signed finding's electronic seal (电子盖章) still matches its content and
    evidence, so the page can say so in words instead of showing the seal's digits.
    Anyone who may read the finding may see this; an unsigned finding has no seal (False).
    The seal is computed by the signing service; read here, never written."""
    from archives.services.findings import seal_of  # the service owns the seal's recipe

    return bool(finding.seal) and finding.seal == seal_of(finding)
