"""CompiledQuery runs a queryset's own SQL, compiled once, with each call's values."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credit_portal.compiled import CompiledQuery
from credit_portal.models import User

pytestmark = pytest.mark.django_db


def _by_name(username: str, email: str):  # noqa: ANN202
    return User.objects.filter(username=username, email=email).order_by("id").values_list("id", "username")


def test_compiled_query_gives_what_the_queryset_gives_for_each_value() -> None:
    alice = User.objects.create(username="alice-compiled", email="a@example.org")
    bob = User.objects.create(username="bob-compiled", email="b@example.org")
    query = CompiledQuery(
        _by_name, fields={"username": User._meta.get_field("username"), "email": User._meta.get_field("email")},
        sentinels={"username": "username-sentinel", "email": "email-sentinel"},
    )
    for username, email in [("alice-compiled", "a@example.org"), ("bob-compiled", "b@example.org"),
                            ("bob-compiled", "a@example.org"), ("nobody", "")]:
        assert query.rows(username=username, email=email) == list(_by_name(username, email))
    assert query.rows(username="alice-compiled", email="a@example.org") == [(alice.pk, "alice-compiled")]
    assert query.rows(username="bob-compiled", email="b@example.org") == [(bob.pk, "bob-compiled")]


def test_compiled_query_compiles_once_and_runs_one_statement() -> None:
    calls = []

    def build(username: str):  # noqa: ANN202
        calls.append(username)
        return User.objects.filter(username=username).values_list("id")

    query = CompiledQuery(build, fields={"username": User._meta.get_field("username")},
                          sentinels={"username": "username-sentinel"})
    for _ in range(3):
        with CaptureQueriesContext(connection) as captured:
            query.rows(username="x")
        assert len(captured) == 1
    assert calls == ["username-sentinel"]


def test_a_sentinel_that_does_not_reach_the_sql_is_refused() -> None:
    """A value the SQL does not carry as a parameter (left out, or folded into the
    query's shape, as a boolean filter is) would silently be ignored: compiling refuses."""
    query = CompiledQuery(
        lambda username: User.objects.filter(is_active=username == "x").values_list("id"),
        fields={"username": User._meta.get_field("username")}, sentinels={"username": "username-sentinel"},
    )
    with pytest.raises(ValueError, match="sentinels not found"):
        query.rows(username="x")


def test_compiled_update_changes_what_update_changes_and_counts_rows() -> None:
    from django.db.models import F, Value
    from django.db.models.functions import Concat

    from credit_portal.compiled import CompiledUpdate

    User.objects.create(username="u1-compiled", first_name="a")
    User.objects.create(username="u2-compiled", first_name="b")

    def build(username: str):  # noqa: ANN202
        return User.objects.filter(username=username), {"first_name": Concat(F("first_name"), Value("+"))}

    update = CompiledUpdate(build, fields={"username": User._meta.get_field("username")},
                            sentinels={"username": "username-sentinel"})
    assert update.run(username="u1-compiled") == 1
    assert update.run(username="u1-compiled") == 1
    assert update.run(username="nobody") == 0
    assert dict(User.objects.filter(username__endswith="-compiled").values_list("username", "first_name")) == {
        "u1-compiled": "a++", "u2-compiled": "b",
    }
    with pytest.raises(TypeError):
        update.rows(username="u1-compiled")


def test_compiled_objects_give_the_instances_the_queryset_gives() -> None:
    """Model instances from the SQL compiled once: the same fields, the rows joined by
    select_related and the annotations, for each call's values; one statement a call."""
    from django.db.models import Count, Value
    from django.db.models.functions import Concat

    from credit_portal.compiled import CompiledObjects

    alice = User.objects.create(username="alice-objects", email="a@example.org", full_name="甲")
    User.objects.create(username="bob-objects", email="b@example.org", full_name="乙")

    def build(username: str):  # noqa: ANN202
        return User.objects.filter(username=username).annotate(
            label=Concat("username", Value("!")), groups_held=Count("groups"),
        ).order_by("id")

    query = CompiledObjects(build, fields={"username": User._meta.get_field("username")},
                            sentinels={"username": "username-sentinel"})
    for name in ("alice-objects", "bob-objects", "nobody"):
        with CaptureQueriesContext(connection) as captured:
            got = query.objects(username=name)
        assert len(captured) == 1
        expected = list(build(name))
        assert [(u.pk, u.username, u.full_name, u.label, u.groups_held) for u in got] == [
            (u.pk, u.username, u.full_name, u.label, u.groups_held) for u in expected
        ]
    assert query.objects(username="alice-objects")[0].pk == alice.pk


def test_compiled_objects_refuse_a_queryset_with_prefetches() -> None:
    from credit_portal.compiled import CompiledObjects

    query = CompiledObjects(lambda username: User.objects.filter(username=username).prefetch_related("groups"),
                            fields={"username": User._meta.get_field("username")},
                            sentinels={"username": "username-sentinel"})
    with pytest.raises(ValueError, match="without prefetches"):
        query.objects(username="x")
