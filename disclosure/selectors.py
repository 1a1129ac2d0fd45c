"""Reads of the disclosure app: who may see what (DESIGN §6).

* The subject sees everything of their own except drafts: archives, every record
  version, findings, notices, authorizations and the query log.
* An institution sees only what an active authorization covers, effective records
  only (``effective_records``), through ``services.queries.query_record``.
* The public sees masked entries of the two lists (``disclosure.public_lists``), never
  repaired or minors' records.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from django.db import router
from django.db.models import Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from archives.annotations import personal_statement_expression
from archives.models import AnnualFinding, Archive, CreditRecord, Notice, Subject
from archives.services.records import display
from archives.stamps import with_content_stamp
from credit_portal.compiled import CompiledQuery
from credit_portal.exceptions import NotFound
from departments.models import Occupation, OccupationCategory, RecordCategory
from departments.scope import department_ids
from disclosure.models import (
    Authorization,
    CitizenProfile,
    CreditReport,
    Institution,
    InstitutionAPIKey,
    InstitutionStaff,
    QueryLog,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from credit_portal.models import User

State = CreditRecord.State


# --- who is who ----------------------------------------------------------------------------


def subject_for(user: User | AnonymousUser) -> Subject | None:
    """The one subject ``user`` has proved to be (``CitizenProfile``), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_disclosure_subject", False)
    if cached is not False:
        return cached
    profiles = _PROFILE_OF_USER.objects(using=router.db_for_read(CitizenProfile), user_id=user.pk)
    subject = profiles[0].subject if profiles else None
    user._disclosure_subject = subject  # type: ignore[attr-defined]
    return subject


def _acting_staff(user_id: int) -> QuerySet[InstitutionStaff]:
    # ``.first()`` of the staff row: ordered by id, one row.
    return (
        InstitutionStaff.objects.filter(user_id=user_id, institution__is_active=True).select_related("institution")
        .order_by("pk")[:1]
    )


# Compiled once per process (credit_portal.compiled): asked on every institution page and
# query, where building and compiling it cost more CPU than running it.
_ACTING_STAFF = CompiledQuery(
    _acting_staff, fields={"user_id": InstitutionStaff._meta.get_field("user").target_field},
    sentinels={"user_id": -0x57AFF},
)


# Asked by every citizen page: its SQL compiled once per process (credit_portal.compiled),
# what ``CitizenProfile.objects.filter(user=user).select_related("subject").first()`` runs.
_PROFILE_OF_USER = CompiledQuery(
    lambda user_id: CitizenProfile.objects.filter(user_id=user_id).select_related("subject").order_by("pk")[:1],
    fields={"user_id": CitizenProfile._meta.get_field("user")}, sentinels={"user_id": -1},
)


def acting_institution(user: User | AnonymousUser) -> Institution | None:
    """The institution ``user`` queries for: their institution's staff membership, or,
    for department staff querying for their own procedures (DESIGN §6), the
    institution registered for their department. Inactive institutions act for nobody."""
    if not getattr(user, "is_authenticated", False):
        return None
    # Asked several times a request (the permission, then the query itself): cached on
    # the user instance, which lives for one request, as ``subject_for`` does.
    cached = getattr(user, "_disclosure_institution", False)
    if cached is not False:
        return cached
    staff_of = InstitutionStaff._meta.get_field("user").remote_field
    if staff_of.is_cached(user):
        # Read with the user (``credit_portal.models.read_user``): the same row, at the
        # same moment of this request, that the query below reads.
        staff = staff_of.get_cached_value(user)
        institution = staff.institution if staff is not None and staff.institution.is_active else None
    else:
        found = _ACTING_STAFF.objects(user_id=user.pk)
        institution = found[0].institution if found else None
    if institution is None:
        dept_ids = department_ids(user)
        if dept_ids:
            institution = Institution.objects.filter(department_id__in=dept_ids, is_active=True).order_by("id").first()
    user._disclosure_institution = institution  # type: ignore[union-attr]
    return institution


# --- the subject's own record ----------------------------------------------------------------


def _own_archive_content() -> tuple[Prefetch, Prefetch]:
    """The current records (every state but draft) and signed findings of an archive;
    each record with the person's own 本人声明 as ``statement`` (None for none), the
    statement reports and the staff page show with it (the page's cache stamp counts
    statements: ``archives.annotations``)."""
    records = (
        CreditRecord.objects.filter(is_current=True)
        .exclude(state=State.DRAFT)
        .annotate(statement=personal_statement_expression())
        .select_related("category", "domain")
        .order_by("category__sort_order", "-decided_on", "-id")
    )
    findings = AnnualFinding.objects.filter(is_current=True, state=AnnualFinding.State.SIGNED).order_by("-year")
    return Prefetch("records", queryset=records), Prefetch("findings", queryset=findings)


def own_archives(subject: Subject) -> QuerySet[Archive]:
    """The subject's archives with their current records (every state but draft) and
    signed findings prefetched: three queries whatever the number of archives."""
    return (
        Archive.objects.filter(subject=subject)
        .select_related("occupation", "department")
        .prefetch_related(*_own_archive_content())
        .order_by("occupation__sort_order", "id")
    )


def own_archive_of(user: User | AnonymousUser, archive_id: object) -> Archive | None:
    """One of the archives of the subject ``user`` has proved to be (``subject_for``),
    read with that subject, which ``subject_for`` then answers for the request, with the
    version of its content (``archives.stamps.content_stamp``), its stored credit level
    (``archives.levels.selectors.loaded_level``) and not yet its records: a page whose
    rendering of them is cached loads them only on a miss (``load_own_archive_content``).
    One query; None when ``user`` is no citizen or the archive is not theirs."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        archive_id = int(archive_id)  # type: ignore[call-overload]
    except (ValueError, TypeError):
        return None
    if not _ID_MIN <= archive_id <= _ID_MAX:
        return None
    found = _OWN_ARCHIVE.objects(using=router.db_for_read(Archive), user_id=user.pk, archive_id=archive_id)
    if not found:
        return None
    user._disclosure_subject = found[0].subject  # type: ignore[union-attr]
    return found[0]


# ``own_archive_of``'s read (the citizen's archive page, every request) compiled once per
# process: building the stamp's annotations and the joins and compiling them cost Django
# several times what PostgreSQL spends on the statement. The subject comes through the
# citizen's profile, as ``subject_for`` reads it, in a scalar subquery: joined, the two
# tables more made PostgreSQL's planning of the statement 1.1 ms instead of 0.4 ms, more
# than the query it saves. The ids a bigint can hold.
_ID_MIN, _ID_MAX = -(2**63), 2**63 - 1
_OWN_ARCHIVE = CompiledQuery(
    lambda user_id, archive_id: with_content_stamp(
        Archive.objects.filter(
            subject_id=Subquery(CitizenProfile.objects.filter(user_id=user_id).values("subject_id")[:1]), pk=archive_id
        )
        .select_related("subject", "occupation", "department", "credit_level")
    )[:1],
    fields={"user_id": CitizenProfile._meta.get_field("user"), "archive_id": Archive._meta.pk},
    sentinels={"user_id": -1, "archive_id": -2},
)


def load_own_archive_content(archive: Archive) -> None:
    """Load ``archive.records`` and ``archive.findings`` as ``own_archives`` does."""
    prefetch_related_objects([archive], *_own_archive_content())


def earlier_versions_in(archive: Archive) -> dict[object, list[CreditRecord]]:
    """Superseded versions of the archive's records in one query, by lineage (a
    lineage never leaves its archive)."""
    versions: dict[object, list[CreditRecord]] = {}
    qs = (
        CreditRecord.objects.filter(archive=archive, is_current=False)
        .exclude(state=State.DRAFT)
        .select_related("category")
        .order_by("version")
    )
    for record in qs:
        versions.setdefault(record.lineage, []).append(record)
    return versions


def own_record_history(subject: Subject, lineage: object) -> QuerySet[CreditRecord]:
    """Every non-draft version of one of the subject's records, oldest first."""
    return (
        CreditRecord.objects.filter(archive__subject=subject, lineage=lineage)
        .exclude(state=State.DRAFT)
        .select_related("category", "archive__occupation", "archive__department")
        .order_by("version")
    )


def own_findings(subject: Subject) -> list[AnnualFinding]:
    """The person's signed findings, each knowing until when it is kept (``kept_until``):
    a warning or serious finding is deleted after its 5 years (art. 16), and the person
    is told when, as they are told how long reports show it (``display_until``)."""
    findings = list(
        AnnualFinding.objects.filter(archive__subject=subject)
        .exclude(state=AnnualFinding.State.DRAFT)
        .select_related("archive__occupation", "archive__department")
        .order_by("-year", "-version")
    )
    for finding in findings:
        finding.kept_until = (
            display.retention_ends(finding.decided_on) if finding.is_adverse and finding.decided_on else None)
    return findings


def own_notices(subject: Subject) -> QuerySet[Notice]:
    return Notice.objects.filter(subject=subject).select_related("record").order_by("-created_at")


def own_query_log(subject: Subject) -> QuerySet[QueryLog]:
    """Who queried the subject: institution, purpose, when, under which authorization,
    granted or refused (as on the PBOC credit report)."""
    return (
        QueryLog.objects.filter(subject=subject)
        .select_related("institution", "authorization", "report", "department")
        .order_by("-occurred_at", "-id")
    )


def own_authorizations(subject: Subject) -> QuerySet[Authorization]:
    return (
        Authorization.objects.filter(subject=subject)
        .select_related("grantee")
        .prefetch_related("occupations", "categories")
        .order_by("-created_at")
    )


def pending_requests(subject: Subject) -> QuerySet[Authorization]:
    """Institutions' requests awaiting the subject's approval (the home page's banner)."""
    return own_authorizations(subject).filter(state=Authorization.State.PENDING)


def authorization_queries(authorization: Authorization, *, limit: int = 50) -> list[QueryLog]:
    """The latest queries made under one authorization, newest first (one query)."""
    return list(authorization.queries.select_related("institution").order_by("-occurred_at")[:limit])


def scope_choices(subject: Subject) -> tuple[QuerySet[Occupation], QuerySet[RecordCategory]]:
    """What an authorization of ``subject`` may cover: the occupations of their archives,
    and the categories those archives can hold: the common ones and their occupations'
    own (000 §二)."""
    occupations = Occupation.objects.filter(archives__subject=subject).distinct().order_by("sort_order", "id")
    # The person's occupations as a subquery, not joined: the join (category, its
    # occupations, their archives) ORed with "common" let no index find the person's
    # archives, and joined every archive: 4.7 s for this page at 1,000,000 people.
    own = OccupationCategory.objects.filter(
        occupation_id__in=Archive.objects.filter(subject=subject).values("occupation_id")
    ).values("category_id")
    categories = RecordCategory.objects.filter(Q(is_common=True) | Q(pk__in=own)).order_by("sort_order", "id")
    return occupations, categories


def get_own_authorization(user: User | AnonymousUser, authorization_id: object) -> Authorization:
    """One of the signed-in citizen's authorizations; ``NotFound`` for anyone else's
    (a changed id in the URL must not reveal that it exists)."""
    subject = subject_for(user)
    if subject is None:
        raise NotFound("No such authorization.")
    try:
        return own_authorizations(subject).get(pk=authorization_id)
    except (Authorization.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such authorization.") from None


def own_reports(subject: Subject) -> QuerySet[CreditReport]:
    """Every report issued about the subject, to them or to an institution they
    authorized, newest first (one query: the institution is joined)."""
    return (
        CreditReport.objects.filter(subject=subject)
        .select_related("institution", "authorization")
        .order_by("-issued_at", "-number")
    )


# --- what third parties may see ---------------------------------------------------------------


def effective_records(
    subject: Subject,
    *,
    occupation_ids: Iterable[int] | None = None,
    category_ids: Iterable[int] | None = None,
    every_negative: bool = False,
    today: date | None = None,
) -> QuerySet[CreditRecord]:
    """Records a third party may see (DESIGN §6, §7): the current version, published
    (so never withdrawn, repaired, expired, corrected), within its display period
    (neutral facts have none), not recorded while the subject was a minor (003
    item 10), within the authorized occupations and categories (None = all).
    ``every_negative``: negative records of the occupations are included whatever
    their category (the purpose makes them mandatory, ``services.mandatory``)."""
    today = today or timezone.localdate()
    qs = CreditRecord.objects.filter(
        archive__subject=subject, is_current=True, state=State.PUBLISHED, subject_was_minor=False
    ).filter(Q(display_until__isnull=True) | Q(display_until__gte=today))
    if occupation_ids is not None:
        qs = qs.filter(archive__occupation_id__in=list(occupation_ids))
    if category_ids is not None:
        in_categories = Q(category_id__in=list(category_ids))
        if every_negative:
            in_categories |= Q(polarity=CreditRecord.Polarity.NEGATIVE)
        qs = qs.filter(in_categories)
    # The category is what the report prints of a record's relations; the archive, its
    # occupation and department come with the report's own list of archives.
    return qs.select_related("category").order_by(
        "archive__occupation__sort_order", "archive_id", "category__sort_order", "-decided_on", "-id"
    )


def api_keys_for_office() -> QuerySet[InstitutionAPIKey]:
    """Every institution's API key for the credit office's list, in force first."""
    return InstitutionAPIKey.objects.select_related("institution", "acts_as", "issued_by").order_by("revoked", "-created")


def get_api_key(*, pk: object = None, prefix: str | None = None) -> InstitutionAPIKey:
    """One API key by id or by its public prefix; ``NotFound`` when there is none."""
    qs = InstitutionAPIKey.objects.select_related("institution", "acts_as")
    try:
        return qs.get(pk=pk) if prefix is None else qs.get(prefix=prefix[:8])
    except (InstitutionAPIKey.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such key.") from None


def key_holder_choices() -> QuerySet[InstitutionStaff]:
    """The accounts a new API key may act as: staff of active institutions, active users."""
    return (
        InstitutionStaff.objects.filter(institution__is_active=True, user__is_active=True)
        .select_related("institution", "user")
        .order_by("institution__name", "user__username")
    )


def institution_queries(institution: Institution) -> QuerySet[QueryLog]:
    return (
        QueryLog.objects.filter(institution=institution)
        .select_related("subject", "authorization", "report", "actor")
        .order_by("-occurred_at", "-id")
    )


# A report by its number, read by the report page, its PDF and every verification: its SQL
# compiled once per process (credit_portal.compiled), what
# ``CreditReport.objects.filter(number=number).first()`` runs (the number is unique).
# Built and compiled per request, that read was 0.3 ms of Django CPU of a 3-4 ms page.
_REPORT_BY_NUMBER = CompiledQuery(
    lambda number: CreditReport.objects.filter(number=number)[:1],
    fields={"number": CreditReport._meta.get_field("number")}, sentinels={"number": "\ue000report-number\ue000"},
)


def report_by_number(number: str) -> CreditReport | None:
    """The report numbered ``number`` (the canonical number), or None. Who may see it is
    the caller's check (``get_report_for``; the verification's code)."""
    found = _REPORT_BY_NUMBER.objects(using=router.db_for_read(CreditReport), number=number)
    return found[0] if found else None


def get_report_for(user: User | AnonymousUser, number: str) -> CreditReport:
    """A report for its readers: the institution it was issued to, the person it is
    about; ``NotFound`` for everyone else (404: they must not learn it exists). The
    report is read first, so only the reader check it needs is made: the acting
    institution only for a report issued to one, the person's own subject otherwise or
    after that (a reader of a self report needs one look-up, an institution's staff one)."""
    try:
        # Its pages show the frozen content only: no related row is read.
        report = report_by_number(number)
    except ValueError:  # a NUL character, which PostgreSQL's text cannot hold
        report = None
    if report is None:
        raise NotFound(_("No such report."))
    if report.institution_id is not None:
        institution = acting_institution(user)
        if institution is not None and institution.pk == report.institution_id:
            return report
    subject = subject_for(user)
    if subject is not None and subject.pk == report.subject_id:
        return report
    raise NotFound(_("No such report."))


# --- institutions a citizen may authorize ----------------------------------------------------

INSTITUTION_MATCHES_SHOWN = 10


def institutions_matching(text: str, *, limit: int = INSTITUTION_MATCHES_SHOWN) -> tuple[list[Institution], bool]:
    """Active institutions whose name contains ``text`` or whose unified social credit
    code starts with it (typed in any case, full-width or with spaces), for the citizen's
    grant form; at most ``limit``, and whether there were more. One query. Any signed-in
    citizen may search: the register of querying institutions is not secret, and an
    inactive one cannot query (``acting_institution``), so it is not offered."""
    typed = "".join(unicodedata.normalize("NFKC", text or "").split())
    if not typed:
        return [], False
    found = list(
        Institution.objects.filter(is_active=True)
        .filter(Q(name__icontains=typed) | Q(credit_code__startswith=typed.upper()))
        .order_by("name", "pk")[: limit + 1]
    )
    return found[:limit], len(found) > limit


def active_institution(pk: object) -> Institution | None:
    """The active institution with this primary key, or None (a value posted by the form)."""
    if not str(pk or "").isdigit():
        return None
    return Institution.objects.filter(is_active=True, pk=int(str(pk))).first()
