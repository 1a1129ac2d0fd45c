"""The scope of department staff (DESIGN §6): the archives of their own departments, of
occupations their departments are co-responsible for, and archives shared with their
departments through an object permission; the credit office's is unrestricted. Read once
per page (``scope_of``) and turned into a filter by ``archives.selectors``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import router
from django.db.models import CharField, Field, IntegerField, Model, Q, QuerySet, Value
from django.db.models.functions import Concat

from archives.models import Archive, ArchiveGroupObjectPermission
from credit_portal import compiled
from departments.models import Department, Occupation, OccupationDepartment
from departments.scope import department_group_name, department_ids, is_credit_office

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from credit_portal.models import User

    Viewer = User | AnonymousUser


@dataclass(frozen=True)
class Scope:
    """What bounds the archives a user sees, read once (``scope_of``): the user's
    departments, the occupations those departments are co-responsible for, and the
    archives shared with them; ``unrestricted`` for the credit office. A page that
    builds several lists reads it once and passes it to each selector (``scope=``)."""

    unrestricted: bool = False
    department_ids: tuple[int, ...] = ()
    occupation_ids: tuple[int, ...] = ()
    shared_ids: tuple[int, ...] = ()

    def q(
        self, *, prefix: str = "", columns: tuple[str, str, str] = ("department_id", "occupation_id", "id")
    ) -> Q | None:
        """The Q that limits archives (or objects reached through ``prefix``) to this
        scope; ``None`` means unrestricted. ``columns`` name the department, occupation
        and archive columns (a record awaiting review has its own copies of the first
        two). Three lists of literals ORed: PostgreSQL serves that with a bitmap OR of
        three indexes, where subqueries in the OR made it scan every archive."""
        if self.unrestricted:
            return None
        if not self.department_ids:
            return Q(pk__in=[])
        department, occupation, archive = columns
        scope = Q(**{f"{prefix}{department}__in": self.department_ids})
        if self.occupation_ids:
            scope |= Q(**{f"{prefix}{occupation}__in": self.occupation_ids})
        if self.shared_ids:
            scope |= Q(**{f"{prefix}{archive}__in": self.shared_ids})
        return scope


def scope_of(user: Viewer) -> Scope:
    """``user``'s ``Scope``: the co-responsible occupations and the shared archives are
    read in one query (none for the credit office or a user without a department)."""
    if is_credit_office(user):
        return Scope(unrestricted=True)
    dept_ids = tuple(sorted(department_ids(user)))
    if not dept_ids:
        return Scope()
    occupation_ids, shared_ids = [], []
    for kind, pk in _scope_rows(dept_ids):
        (occupation_ids if kind == "occupation" else shared_ids).append(pk)
    return Scope(department_ids=dept_ids, occupation_ids=tuple(sorted(set(occupation_ids))),
                 shared_ids=tuple(sorted(set(shared_ids))))


def _scope_query(dept_ids: tuple[int, ...]) -> QuerySet[Any]:
    """The co-responsible occupations and the shared archives of ``dept_ids``, one UNION."""
    group_names = Department.objects.filter(id__in=dept_ids).annotate(
        group_name=Concat(Value(department_group_name(Department(code=""))), "code", output_field=CharField())
    ).values("group_name")
    return OccupationDepartment.objects.filter(department_id__in=dept_ids).values_list(
        Value("occupation", output_field=CharField()), "occupation_id"
    ).union(
        ArchiveGroupObjectPermission.objects.filter(
            group__name__in=group_names, permission__codename="share_archive"
        ).values_list(Value("archive", output_field=CharField()), "content_object_id"),
        all=True,
    )


# The scope's and the acting departments' UNIONs are compiled once per process and number
# of ids (credit_portal.compiled): building and compiling them cost ≈ 0.4-0.8 ms of CPU on
# every staff page, ten times what running them costs, and only the ids change between
# requests.
def _rows_compiled_once(
    name: str, build: Callable[[tuple[int, ...]], QuerySet[Any]], ids: tuple[int, ...], *, model: type
) -> list[tuple[Any, ...]]:
    return compiled.rows_for_ids(name, build, ids, using=router.db_for_read(model) or "default")


def _scope_rows(dept_ids: tuple[int, ...]) -> list[tuple[str, int]]:
    return _rows_compiled_once("scope", _scope_query, dept_ids, model=OccupationDepartment)


def scope_filter(
    user: Viewer, *, prefix: str = "", columns: tuple[str, str, str] = ("department_id", "occupation_id", "id"),
    scope: Scope | None = None,
) -> Q | None:
    """``Scope.q`` of ``scope``, or of ``user``'s scope read now."""
    return (scope or scope_of(user)).q(prefix=prefix, columns=columns)


def occupations_in_scope(scope: Scope) -> QuerySet[Occupation]:
    """The occupations a list of the scope's archives may be filtered by: every
    occupation for the credit office; for department staff those their departments are
    responsible for in the catalogue (an archive is opened only for one of them,
    ``archives.services.subjects``) and those of the archives shared with them.

    Read from the scope, not from the archives in it: "the occupations of the archives
    this user sees" scanned every archive in scope on each page (60-130 ms at 1,000,000
    people), and PostgreSQL could not be brought to probe an index for it. An
    occupation whose catalogue link to the department was removed later keeps its
    archives in the lists, but is no longer offered as a filter."""
    if scope.unrestricted:
        return Occupation.objects.order_by("sort_order", "code")
    if not scope.department_ids:
        return Occupation.objects.none()
    shared = Archive.objects.filter(id__in=scope.shared_ids).values("occupation_id")
    return Occupation.objects.filter(Q(id__in=scope.occupation_ids) | Q(id__in=shared)).order_by("sort_order", "code")


def departments_in_scope(scope: Scope) -> QuerySet[Department]:
    """The departments a list of the scope's archives may be filtered by, read from the
    scope like ``occupations_in_scope``: every department for the credit office; for
    department staff their own, those responsible in the catalogue for the occupations
    their departments share (whose archives they see), and those keeping the archives
    shared with them."""
    if scope.unrestricted:
        return Department.objects.order_by("sort_order", "code")
    if not scope.department_ids:
        return Department.objects.none()
    sharing = OccupationDepartment.objects.filter(occupation_id__in=scope.occupation_ids).values("department_id")
    shared = Archive.objects.filter(id__in=scope.shared_ids).values("department_id")
    return Department.objects.filter(
        Q(id__in=scope.department_ids) | Q(id__in=sharing) | Q(id__in=shared)
    ).order_by("sort_order", "code")


def acting_department_ids(archive: Archive) -> set[int]:
    """Departments that may act on ``archive``: the owner, the occupation's other
    responsible departments, and any department it has been shared with."""
    ids = {archive.department_id}
    ids.update(row[0] for row in _rows_compiled_once(
        "acting", _acting_query, (archive.occupation_id, archive.pk), model=OccupationDepartment))
    return ids


def _acting_query(occupation_and_archive: tuple[int, ...]) -> QuerySet[Any]:
    """One query: the occupation's departments and the departments whose group holds a
    share of the archive (the group is named after the department's code)."""
    occupation_id, archive_id = occupation_and_archive
    shared_groups = ArchiveGroupObjectPermission.objects.filter(
        content_object_id=archive_id, permission__codename="share_archive"
    ).values("group__name")
    sharing = Department.objects.annotate(
        group_name=Concat(Value(department_group_name(Department(code=""))), "code", output_field=CharField())
    ).filter(group_name__in=shared_groups).order_by().values_list("id", flat=True)
    return (
        OccupationDepartment.objects.filter(occupation_id=occupation_id).order_by()
        .values_list("department_id", flat=True).union(sharing, all=True)
    )


# Scoped reads of model rows compiled once per process (credit_portal.compiled.compiled_for)
# for each name and shape of the scope: whether it is unrestricted and how many departments,
# co-responsible occupations and shared archives it lists (each list is an ``IN (...)`` of
# that many parameters). The scope's ids are bound as values like the caller's own.
_INTEGER = IntegerField()


def scoped_objects(
    name: str, scope: Scope, build: Callable[..., QuerySet[Any]], *, fields: dict[str, Field],
    sentinels: dict[str, Any], values: dict[str, Any], model: type[Model], as_tuples: bool = False,
) -> list[Any]:
    """The instances of ``build(scope, **values)`` (a model queryset of a fixed shape for a
    scope's shape, ``scope.q()`` in its filter), from its SQL compiled once per process for
    ``name`` and the scope's shape; with ``as_tuples``, the tuples of ``build``'s
    ``values_list`` queryset (``CompiledQuery.values``). ``fields`` and ``sentinels`` as for
    ``CompiledQuery``, for the caller's values; a scope that sees nothing reads nothing."""
    if not scope.unrestricted and not scope.department_ids:
        return []
    lists = {"d": scope.department_ids, "o": scope.occupation_ids, "s": scope.shared_ids}
    ids = {f"{kind}{i}": pk for kind, pks in lists.items() for i, pk in enumerate(pks)}
    shape = (name, scope.unrestricted, *(len(pks) for pks in lists.values()))

    def built(**given: Any) -> QuerySet[Any]:
        def of(kind: str) -> tuple[int, ...]:
            return tuple(given[f"{kind}{i}"] for i in range(len(lists[kind])))

        shaped = Scope(unrestricted=scope.unrestricted, department_ids=of("d"), occupation_ids=of("o"),
                       shared_ids=of("s"))
        return build(shaped, **{key: given[key] for key in sentinels})

    # Negative ids, which no row has, far from any constant the query may carry.
    query = compiled.compiled_for(
        ("archives.scope", *shape), built, fields={**fields, **dict.fromkeys(ids, _INTEGER)},
        sentinels={**sentinels, **{key: -1_000_000_000 - i for i, key in enumerate(ids)}},
    )
    read = query.values if as_tuples else query.objects
    return read(using=router.db_for_read(model) or "default", **values, **ids)
