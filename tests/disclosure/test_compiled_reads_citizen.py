"""The citizen pages' reads compiled once per process (credit_portal.compiled) give what
the querysets they stand for give: the same rows, related objects and annotations, the
same 404 for an archive of someone else's, and one statement each."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from archives.levels.services import recompute_level
from archives.models import Archive
from archives.stamps import content_stamp, with_content_stamp
from credit_portal.prepared import source
from disclosure import selectors
from disclosure.models import CitizenProfile

pytestmark = pytest.mark.django_db


def _columns(obj: Model) -> dict[str, object]:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def _user(user):
    from credit_portal.models import User

    return User.objects.get(pk=user.pk)  # a fresh instance: nothing cached on it


def test_own_archive_is_what_the_queryset_reads(disc) -> None:
    archive = disc.world.archive
    recompute_level(archive)
    expected = with_content_stamp(
        Archive.objects.filter(subject=disc.subject).select_related("occupation", "department", "credit_level")
    ).get(pk=archive.pk)
    user = _user(disc.citizen)
    with CaptureQueriesContext(connection) as queries:
        found = selectors.own_archive_of(user, archive.pk)
        # The subject read with it is the one subject_for answers, without a query.
        assert selectors.subject_for(user) is found.subject
    assert len(queries) == 1
    assert _columns(found.subject) == _columns(CitizenProfile.objects.select_related("subject").get(user=user).subject)
    assert found.subject.id_number == disc.subject.id_number
    assert _columns(found) == _columns(expected)
    assert content_stamp(found) == content_stamp(expected)
    for related in ("occupation", "department", "credit_level"):
        assert Archive._meta.get_field(related).is_cached(found)
        assert _columns(getattr(found, related)) == _columns(getattr(expected, related))
    assert found.department.display_name == expected.department.display_name
    assert found.credit_level.updated_at == expected.credit_level.updated_at


def test_own_archive_of_an_archive_never_assessed_has_no_level(disc) -> None:
    from archives.levels.models import ArchiveLevel

    ArchiveLevel.objects.filter(archive=disc.world.archive).delete()
    found = selectors.own_archive_of(_user(disc.citizen), disc.world.archive.pk)
    assert getattr(found, "credit_level", None) is None


@pytest.mark.parametrize("archive_id", ["other", "missing", "huge", "text"])
def test_someone_elses_or_no_archive_is_not_found(disc, archive_id) -> None:
    value = {
        "other": disc.doctor_archive.pk if disc.doctor_archive.subject_id != disc.subject.pk else None,
        "missing": 10**12, "huge": 10**30, "text": "1; DROP TABLE",
    }[archive_id]
    if value is None:
        other = Archive.objects.exclude(subject=disc.subject).first()
        value = other.pk
    user = _user(disc.citizen)
    assert selectors.own_archive_of(user, value) is None
    assert selectors.subject_for(user) == disc.subject  # not seeded by a miss: read as ever


def test_no_archive_for_someone_who_is_no_citizen(disc) -> None:
    assert selectors.own_archive_of(_user(disc.employer_staff), disc.world.archive.pk) is None
    assert selectors.subject_for(_user(disc.employer_staff)) is None


def test_subject_for_reads_the_profile_and_its_subject_in_one_statement(disc) -> None:
    from credit_portal.models import User

    user = User.objects.get(pk=disc.citizen.pk)
    with CaptureQueriesContext(connection) as queries:
        subject = selectors.subject_for(user)
        assert selectors.subject_for(user) is subject  # kept on the instance for the request
    assert len(queries) == 1
    expected = CitizenProfile.objects.select_related("subject").get(user=disc.citizen).subject
    assert _columns(subject) == _columns(expected)
    assert subject.id_number == disc.subject.id_number  # decrypted on use, as ever
    assert selectors.subject_for(User.objects.get(pk=disc.employer_staff.pk)) is None


def test_the_phone_backend_reads_the_signed_in_user_as_model_backend_does(disc) -> None:
    from credit_portal.models import User
    from disclosure.auth import PhoneBackend

    inactive = User.objects.create(username="compiled-inactive", is_active=False)
    for pk in (disc.citizen.pk, disc.employer_staff.pk, inactive.pk, 10**12):
        # ModelBackend's read and rule, through Django's queryset (its own get is compiled too).
        row = User.objects.filter(pk=pk).first()
        expected = row if row is not None and row.is_active else None
        with CaptureQueriesContext(connection) as queries:
            found = PhoneBackend().get_user(pk)
        assert len(queries) == 1
        assert (None if found is None else _columns(found)) == (None if expected is None else _columns(expected))
    assert PhoneBackend().get_user(inactive.pk) is None



def test_the_archive_page_reads_the_subject_with_the_archive(client, disc, django_assert_num_queries) -> None:
    """The session, the user, the archive with its subject, the audit entry: no separate
    read of the citizen's profile."""
    from django.urls import reverse

    client.force_login(disc.citizen)
    url = reverse("disclosure:my_archive", args=[disc.world.archive.pk])
    assert client.get(url).status_code == 200
    with django_assert_num_queries(4) as captured:
        assert client.get(url).status_code == 200
    assert not any('FROM "disclosure_citizenprofile"' in source(q["sql"]).split(" WHERE ")[0] for q in captured.captured_queries)


def test_the_archive_page_refuses_as_before(client, disc) -> None:
    from django.urls import reverse

    missing = reverse("disclosure:my_archive", args=[10**12])
    client.force_login(disc.citizen)
    assert client.get(missing).status_code == 404
    client.force_login(disc.employer_staff)
    assert client.get(missing).status_code == 403
    assert client.get(reverse("disclosure:my_archive", args=[disc.world.archive.pk])).status_code == 403
