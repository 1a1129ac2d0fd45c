"""``User.objects.get(pk=<int>)``, the read ``ModelBackend.get_user`` makes on every request
of a staff or institution session, runs SQL compiled once (credit_portal.models.UserManager):
the same row and instance as Django's queryset, the same ``DoesNotExist``, one statement;
every other ``get`` is Django's own."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from credit_portal.models import User
from credit_portal.prepared import source

pytestmark = pytest.mark.django_db


def _columns(obj: Model) -> dict[str, object]:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def test_get_by_pk_is_the_querysets_row_in_one_statement() -> None:
    user = User.objects.create_user("manager-compiled", password="x", full_name="Full Name")
    expected = User.objects.filter(pk=user.pk).first()  # Django's queryset, not the manager's get
    with CaptureQueriesContext(connection) as queries:
        found = User.objects.get(pk=user.pk)
    assert len(queries) == 1
    assert 'FROM "credit_portal_user"' in source(queries[0]["sql"])
    assert type(found) is User
    assert _columns(found) == _columns(expected)
    assert found._state.db == "default"
    assert not found._state.adding
    assert found == user


def test_a_missing_pk_raises_djangos_does_not_exist() -> None:
    with pytest.raises(User.DoesNotExist, match="^User matching query does not exist.$"):
        User.objects.get(pk=10**12)


def test_other_gets_are_djangos() -> None:
    user = User.objects.create_user("manager-other", password="x")
    assert User.objects.get(pk=str(user.pk)) == user  # not an int: the queryset's own conversion
    assert User.objects.get(username="manager-other") == user
    assert User.objects.get(pk=user.pk, is_active=True) == user
    assert User.objects.db_manager("default").get(pk=user.pk) == user
    with pytest.raises(User.DoesNotExist):
        User.objects.get(username="manager-nobody")
    User.objects.create_user("manager-other-2", password="x")
    with pytest.raises(User.MultipleObjectsReturned):
        User.objects.get(username__startswith="manager-other")


def test_model_backend_reads_the_signed_in_user_through_it() -> None:
    active = User.objects.create_user("manager-active", password="x")
    inactive = User.objects.create_user("manager-inactive", password="x", is_active=False)
    with CaptureQueriesContext(connection) as queries:
        assert ModelBackend().get_user(active.pk) == active
    assert len(queries) == 1
    # The backend's rules are unchanged: an inactive or missing account is no user.
    assert ModelBackend().get_user(inactive.pk) is None
    assert ModelBackend().get_user(10**12) is None


def test_a_session_signed_in_by_user_name_is_still_signed_in_and_a_deactivated_one_is_not(client) -> None:
    user = User.objects.create_user("manager-session", password="pw-manager-session-1")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.session["_auth_user_backend"] == "django.contrib.auth.backends.ModelBackend"
    assert client.get("/").wsgi_request.user == user
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert not client.get("/").wsgi_request.user.is_authenticated
