"""The update cadence as catalogue data (001 §三(五)) and the full overdue lists."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from archives import services
from archives.models import Archive
from archives.overdue import overdue_archives, overdue_departments
from credit_portal import generations, statistics
from credit_portal.models import AuditEntry
from departments import services as dept_services
from departments.models import UpdateCadence
from departments.selectors import cadence_days_by_occupation
from tests import factories as f
from tests.archives.conftest import World


def _age(archive: Archive, days: int) -> None:
    Archive.objects.filter(pk=archive.pk).update(last_updated_at=timezone.now() - timedelta(days=days))


def _archives(world: World, n: int, *, occupation=None, department=None, by=None) -> list[Archive]:  # type: ignore[no-untyped-def]
    made = []
    for i in range(n):
        subject, _ = services.find_or_create_subject(
            name=f"逾期{i:03d}", id_number=f.make_id_number(birth=date(1970, 1, 1) + timedelta(days=i), seq=i % 50,
                                                             region="110108"), by=by or world.edu_clerk)
        made.append(services.open_archive(
            subject=subject, occupation=occupation or world.teacher, department=department or world.education,
            employer="示范市第三中学", by=by or world.edu_clerk,
        ))
    return made


def test_every_catalogue_occupation_has_a_cadence_with_its_source(db) -> None:
    cadences = list(UpdateCadence.objects.all())
    assert cadences
    assert all(c.source.strip() and c.seed for c in cadences)
    assert {c.days for c in cadences} <= {31, 92, 366}


def test_overdue_follows_the_cadence_data_not_a_constant(world: World) -> None:
    _age(world.archive, 100)  # teachers: yearly (366 days) in the shipped catalogue
    assert world.archive not in overdue_archives(world.credit_office)
    UpdateCadence.objects.create(occupation=world.teacher, kind="quarterly", days=92, seed="local", source="本地规定")
    # The shortest declared cadence applies.
    assert cadence_days_by_occupation()[world.teacher.pk] == 92
    assert world.archive in overdue_archives(world.credit_office)
    assert world.archive in overdue_archives(world.credit_office, kind="quarterly")
    assert world.archive not in overdue_archives(world.credit_office, kind="monthly")


def test_overdue_boundary_is_the_declared_number_of_days(world: World) -> None:
    UpdateCadence.objects.filter(occupation=world.teacher).update(days=30)
    _age(world.archive, 29)
    assert not overdue_archives(world.credit_office).exists()
    _age(world.archive, 31)
    assert overdue_archives(world.credit_office).exists()


def test_occupation_without_cadence_is_never_overdue(world: World) -> None:
    UpdateCadence.objects.filter(occupation=world.teacher).delete()
    _age(world.archive, 5000)
    assert not overdue_archives(world.credit_office).exists()


def test_closed_archives_are_not_overdue(world: World) -> None:
    _age(world.archive, 400)
    services.close_archive(world.archive, reason="离职", by=world.edu_reviewer)
    assert not overdue_archives(world.credit_office).exists()


def test_overdue_departments_count_their_archives_in_scope(world: World) -> None:
    teachers = _archives(world, 3)
    doctors = _archives(world, 2, occupation=world.doctor, department=world.health, by=world.health_clerk)
    for archive in [*teachers[:2], doctors[0]]:
        _age(archive, 400)
    city = {row.department.code: row.overdue for row in overdue_departments(world.credit_office).departments}
    assert city == {"education": 2, "health": 1}
    # A department sees only its own backlog.
    assert {row.department.code for row in overdue_departments(world.edu_clerk).departments} == {"education"}
    assert set(overdue_archives(world.edu_clerk)) == set(teachers[:2])


def test_cadence_without_source_is_refused_and_nothing_written(world: World) -> None:
    officer = f.make_user("catalogue_keeper", is_staff=True)
    from django.contrib.auth.models import Permission

    officer.user_permissions.add(Permission.objects.get(codename="change_occupation"))
    officer = type(officer).objects.get(pk=officer.pk)
    before = (UpdateCadence.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as caught:
        dept_services.set_update_cadence(world.teacher, by=officer, kind="monthly", days=31, seed="local", source="  ")
    assert "依据" in caught.value.message_dict["source"][0]
    assert (UpdateCadence.objects.count(), AuditEntry.objects.count()) == before
    cadence = dept_services.set_update_cadence(
        world.teacher, by=officer, kind="monthly", days=31, seed="001", source="001 §三（五）",
    )
    assert cadence.days == 31
    assert AuditEntry.objects.filter(action="departments.cadence.created").count() == 1


def test_clerk_cannot_declare_a_cadence(world: World) -> None:
    with pytest.raises(PermissionDenied):
        dept_services.set_update_cadence(world.teacher, by=world.edu_clerk, kind="monthly", days=31, seed="001",
                                         source="001 §三（五）")


def test_database_refuses_a_cadence_without_source(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        UpdateCadence.objects.create(occupation=world.teacher, kind="monthly", days=31, seed="001", source="")


def test_admin_refuses_a_cadence_without_source_with_a_clear_message(admin_client, world: World) -> None:
    url = reverse("admin:departments_occupation_change", args=[world.teacher.pk])
    response = admin_client.get(url)
    # Post the page back with one more cadence row that has no source.
    from django.forms.models import model_to_dict

    data = {k: v for k, v in model_to_dict(world.teacher).items() if v is not None and not isinstance(v, list)}
    for name, formset in ((fs.formset.prefix, fs.formset) for fs in response.context["inline_admin_formsets"]):
        data[f"{name}-TOTAL_FORMS"] = str(len(formset.forms))
        data[f"{name}-INITIAL_FORMS"] = str(formset.initial_form_count())
        data[f"{name}-MIN_NUM_FORMS"] = "0"
        data[f"{name}-MAX_NUM_FORMS"] = "1000"
        for i, inline_form in enumerate(formset.forms):
            for field, value in inline_form.initial.items():
                if value is not None:
                    data[f"{name}-{i}-{field}"] = getattr(value, "pk", value)
    data["cadences-TOTAL_FORMS"] = str(int(data["cadences-TOTAL_FORMS"]) + 1)
    index = int(data["cadences-TOTAL_FORMS"]) - 1
    data.update({f"cadences-{index}-kind": "monthly", f"cadences-{index}-days": "31",
                 f"cadences-{index}-seed": "local", f"cadences-{index}-source": ""})
    before = UpdateCadence.objects.filter(occupation=world.teacher).count()
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "请填写更新周期的依据" in response.content.decode()
    assert UpdateCadence.objects.filter(occupation=world.teacher).count() == before


def test_overdue_page_filters_and_paginates(client, world: World) -> None:
    made = _archives(world, 3)
    for archive in made[:2]:
        _age(archive, 400)
    client.force_login(world.edu_clerk)
    response = client.get(reverse("archives:overdue"))
    assert response.status_code == 200
    assert {a.pk for a in response.context["overdue"].page.object_list} == {made[0].pk, made[1].pk}
    assert [row.overdue for row in response.context["overdue"].summary.departments] == [2]
    assert "逾期未更新的档案" in response.content.decode()
    filtered = client.get(reverse("archives:overdue"), {"kind": "monthly"})
    assert list(filtered.context["overdue"].page.object_list) == []
    bad = client.get(reverse("archives:overdue"), {"department": "999999"})
    assert bad.status_code == 200
    assert bad.context["overdue"].form.errors


def test_overdue_page_forbidden_to_citizens_and_scoped_for_other_departments(client, world: World) -> None:
    _age(world.archive, 400)
    client.force_login(world.citizen)
    assert client.get(reverse("archives:overdue")).status_code == 403
    client.force_login(world.health_clerk)
    response = client.get(reverse("archives:overdue"))
    assert response.status_code == 200
    assert list(response.context["overdue"].page.object_list) == []
    assert response.context["overdue"].summary.departments == []
    # Filtering on another department's id is an invalid choice, not a leak.
    response = client.get(reverse("archives:overdue"), {"department": world.education.pk})
    assert response.context["overdue"].form.errors
    assert not list(response.context["overdue"].page.object_list)


@pytest.mark.parametrize("n", [1, 50])
def test_overdue_page_query_count(client, world: World, django_assert_num_queries, n: int) -> None:
    for archive in _archives(world, n):
        _age(archive, 400)
    client.force_login(world.edu_clerk)
    # The departments' table reads the city's shared figures, which the beat task keeps
    # computed (credit_portal.tasks.refresh_city_figures): here, computed before.
    statistics.coverage(timezone.localdate().year)
    # The session, the user, their memberships and role groups (kept in the session, which
    # this first request after signing in saves: 3 with its savepoint), the scope's
    # co-responsible occupations and shares (read once for the list, the departments'
    # table and the filter's choices), the departments named in the table, the cadences,
    # the list's count (capped), the filter's choices (departments, occupations: from the
    # scope, not from the archives), the page and its cadences. The same for 1 and 50
    # archives, and for 1,000,000 people: none is an aggregate over the overdue archives.
    with django_assert_num_queries(OVERDUE):
        response = client.get(reverse("archives:overdue"))
    assert response.context["overdue"].page.paginator.count == n
    # Again, nothing having changed: the page is its cached fragment. The session and the
    # user, the scope (its key), and nothing of the list.
    with django_assert_num_queries(OVERDUE_CACHED):
        again = client.get(reverse("archives:overdue"))
    def main(page: bytes) -> bytes:
        return page.split(b"<main", 1)[1].split(b"</main>", 1)[0]

    assert main(again.content) == main(response.content)


OVERDUE = 15
OVERDUE_CACHED = 3


def test_the_overdue_filters_offer_the_scope_departments_and_occupations(client, world: World) -> None:
    """The filter's choices come from the scope (archives.scope.departments_in_scope,
    occupations_in_scope), not from a scan of the archives: the user's departments and
    occupations, those of archives shared with them; everything for the credit office."""
    teacher_archive = _archives(world, 1)[0]
    _age(teacher_archive, 400)

    def offered(user) -> tuple[set, set]:  # type: ignore[no-untyped-def]
        client.force_login(user)
        form = client.get(reverse("archives:overdue")).context["overdue"].form
        return set(form.fields["department"].queryset), set(form.fields["occupation"].queryset)

    departments, occupations = offered(world.health_clerk)
    assert world.health in departments
    assert world.education not in departments
    assert world.doctor in occupations
    assert world.teacher not in occupations
    services.share_archive(teacher_archive, department=world.health, by=world.credit_office)
    departments, occupations = offered(world.health_clerk)
    assert world.education in departments  # keeps the archive shared with health
    assert world.teacher in occupations
    page = client.get(reverse("archives:overdue"), {"department": world.education.pk}).context["overdue"].page
    assert [a.pk for a in page.object_list] == [teacher_archive.pk]
    departments, occupations = offered(world.credit_office)
    assert {world.health, world.education} <= departments
    assert {world.doctor, world.teacher} <= occupations


def test_the_overdue_count_is_the_lists_own_and_the_departments_table_says_as_of_when(client, world: World) -> None:
    for archive in _archives(world, 3):
        _age(archive, 400)
    doctor = _archives(world, 1, occupation=world.doctor, department=world.health, by=world.health_clerk)[0]
    # Of 400 days ago too, but each by its own cadence (teachers and doctors: yearly here).
    _age(doctor, 400)
    client.force_login(world.credit_office)
    url = reverse("archives:overdue")
    response = client.get(url)
    behind = {row.department: row.overdue for row in response.context["overdue"].summary.departments}
    every = overdue_archives(world.credit_office).count()
    assert response.context["overdue"].page.paginator.count == sum(behind.values()) == every
    assert len(response.context["overdue"].page.object_list) == every
    filtered = client.get(url, {"department": world.health.pk}).context["overdue"].page
    assert filtered.paginator.count == 1
    assert [a.pk for a in filtered.object_list] == [doctor.pk]
    assert client.get(url, {"occupation": world.teacher.pk}).context["overdue"].page.paginator.count == behind[world.education]
    # The departments' table is the city's shared count, as of when it was made; the list
    # is read now. An archive updated since leaves the list at once.
    page = response.content.decode()
    assert 'id="computed-at"' in page
    computed = response.context["overdue"].summary.computed_at
    assert timezone.localtime(computed).strftime("%Y-%m-%d %H:%M") in page
    Archive.objects.filter(pk=doctor.pk).update(last_updated_at=timezone.now())
    generations.advance("department-work")  # as the service's commit does (records.common._touch_archive)
    again = client.get(url)
    # The rendered page (a cached fragment), not its lazy reads, which read afresh.
    assert reverse("archives:archive", args=[doctor.pk]) in page
    assert reverse("archives:archive", args=[doctor.pk]) not in again.content.decode()
    assert again.context["overdue"].summary.computed_at == computed
    assert {row.department: row.overdue for row in again.context["overdue"].summary.departments} == behind


def test_a_list_longer_than_its_cap_says_so_and_pages_no_further(client, world: World, monkeypatch) -> None:
    from archives.views import overdue as view

    monkeypatch.setattr(view, "LIST_MAX", 2)
    made = _archives(world, 3)
    for days, archive in zip((400, 500, 600), made, strict=True):
        _age(archive, days)
    client.force_login(world.edu_clerk)
    response = client.get(reverse("archives:overdue"))
    assert response.context["overdue"].page.paginator.over_cap
    # The two updated longest ago, and the table's full count of three.
    assert [a.pk for a in response.context["overdue"].page.object_list] == [made[2].pk, made[1].pk]
    assert [row.overdue for row in response.context["overdue"].summary.departments] == [3]
    assert "超过 2 份档案" in response.content.decode()


def test_an_archive_shared_with_a_department_counts_in_its_table(client, world: World) -> None:
    """The table counts the scope's (department, occupation) cells from the shared figures
    and, now, the archives shared with the department outside them."""
    teacher_archive = _archives(world, 1)[0]
    _age(teacher_archive, 400)
    services.share_archive(teacher_archive, department=world.health, by=world.credit_office)
    client.force_login(world.health_clerk)
    rows = client.get(reverse("archives:overdue")).context["overdue"].summary.departments
    assert [(row.department, row.overdue) for row in rows] == [(world.education, 1)]


def test_a_cadence_changed_in_the_catalogue_shows_on_the_cached_page(client, world: World,
                                                                      django_capture_on_commit_callbacks) -> None:
    """The page is a cached fragment: its key names the catalogue's generation, which a
    saved cadence advances, so a longer cadence takes the archive off the list at once."""
    archive = _archives(world, 1)[0]
    _age(archive, 400)
    client.force_login(world.edu_clerk)
    url = reverse("archives:overdue")
    link = reverse("archives:archive", args=[archive.pk])
    assert link in client.get(url).content.decode()  # what the page shows, not its lazy reads
    with django_capture_on_commit_callbacks(execute=True):
        for cadence in UpdateCadence.objects.filter(occupation=world.teacher):
            cadence.days = 1000
            cadence.save()
    assert link not in client.get(url).content.decode()
