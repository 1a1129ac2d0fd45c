"""CompiledQuery runs a queryset's own SQL, compiled once, with each call's values."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, isolate_apps

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


def test_a_shape_that_matches_nothing_runs_no_statement() -> None:
    from credit_portal.compiled import compiled_for

    def build():  # noqa: ANN202
        return User.objects.filter(pk__in=[]).values_list("id")

    query = compiled_for(("test-empty",), build, fields={}, sentinels={})
    with CaptureQueriesContext(connection) as captured:
        assert query.values() == []
        assert query.objects() == []
        assert query.rows() == []
    assert len(captured) == 0
    assert compiled_for(("test-empty",), build, fields={}, sentinels={}) is query


def test_compiled_insert_saves_what_save_saves_with_its_signals() -> None:
    from django.db.models.signals import post_save, pre_save

    from credit_portal.inserts import CompiledInsert
    from credit_portal.models import AuditEntry
    from disclosure.models import CreditReport

    seen = []

    def listen(sender, instance, **kwargs):  # noqa: ANN001, ANN003, ANN202
        seen.append((sender.__name__, kwargs.get("created"), instance.pk is not None))

    pre_save.connect(listen, sender=User)
    post_save.connect(listen, sender=User)
    try:
        insert = CompiledInsert(User)
        for name in ("ins-a", "ins-b"):
            with CaptureQueriesContext(connection) as captured:
                user = insert.insert(User(username=name, email=f"{name}@example.org"))
            assert len(captured) == 1
            assert user.pk is not None
            assert not user._state.adding
            assert user._state.db == "default"
            saved = User.objects.get(pk=user.pk)
            assert (saved.username, saved.email, saved.date_joined) == (name, f"{name}@example.org", user.date_joined)
    finally:
        pre_save.disconnect(listen, sender=User)
        post_save.disconnect(listen, sender=User)
    assert seen == [("User", None, False), ("User", True, True)] * 2
    # A primary key with a default (UUID) and a model with an auto field both compile.
    assert CompiledInsert(CreditReport).plain
    assert CompiledInsert(AuditEntry).plain


def test_compiled_insert_failure_marks_the_transaction_for_rollback() -> None:
    from django.db import IntegrityError, transaction

    from credit_portal.inserts import CompiledInsert

    insert = CompiledInsert(User)
    insert.insert(User(username="ins-dup"))
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            insert.insert(User(username="ins-dup"))
        assert transaction.get_connection().needs_rollback


def test_insert_unless_taken_writes_nothing_on_a_taken_unique_value() -> None:
    from credit_portal.inserts import CompiledInsert

    insert = CompiledInsert(User)
    assert insert.insert_unless_taken(User(username="ins-taken"))
    with CaptureQueriesContext(connection) as captured:
        again = User(username="ins-taken")
        assert not insert.insert_unless_taken(again)
    assert len(captured) == 1
    assert again.pk is None
    assert again._state.adding
    assert User.objects.filter(username="ins-taken").count() == 1
    # The transaction goes on (on PostgreSQL a failed INSERT would have aborted it).
    assert User.objects.filter(username__startswith="ins-").count() == 1


def test_insert_together_writes_both_in_one_statement_on_postgresql_or_neither() -> None:
    """Two instances written as ``insert`` writes each (signals, returned id): on
    PostgreSQL the first as a WITH query of the second, one statement; elsewhere one
    after the other. A failure of either writes neither and dooms the transaction."""
    from django.db import IntegrityError, transaction
    from django.db.models.signals import post_save

    from credit_portal.inserts import CompiledInsert, insert_together, reserve_pk
    from credit_portal.models import CalendarDay

    postgresql = connection.vendor == "postgresql"
    users, days = CompiledInsert(User), CompiledInsert(CalendarDay)
    saved = []

    def listen(sender, instance, **kwargs):  # noqa: ANN001, ANN003, ANN202
        saved.append(sender.__name__)

    user = User(username="tog-a")
    assert reserve_pk(user) is postgresql
    assert (user.pk is not None) is postgresql
    day = CalendarDay(date="2031-01-01", kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    post_save.connect(listen)
    try:
        with CaptureQueriesContext(connection) as captured:
            insert_together((users, user), (days, day))
    finally:
        post_save.disconnect(listen)
    assert len(captured) == (1 if postgresql else 2)
    assert saved == ["User", "CalendarDay"]
    assert User.objects.filter(pk=user.pk, username="tog-a").exists()
    assert CalendarDay.objects.filter(pk=day.pk, name="元旦").exists()
    assert not user._state.adding
    assert not day._state.adding

    # The second one's failure (a date taken) leaves the first unwritten too.
    other = User(username="tog-b")
    if not reserve_pk(other):
        pytest.skip("one statement only on PostgreSQL; elsewhere each insert is insert()'s")
    doomed = []

    def write_both() -> None:
        with transaction.atomic():
            try:
                insert_together((users, other), (days, CalendarDay(date="2031-01-01", kind=CalendarDay.Kind.HOLIDAY)))
            finally:
                doomed.append(transaction.get_connection().needs_rollback)

    with pytest.raises(IntegrityError):
        write_both()
    assert doomed == [True]
    assert not User.objects.filter(username="tog-b").exists()
    # Every instance but the last must have its id.
    with pytest.raises(ValueError, match="primary key"):
        insert_together((users, User(username="tog-c")), (days, CalendarDay(date="2031-01-02")))


def test_rows_written_together_unless_the_first_is_taken_are_all_or_nothing() -> None:
    """``unless_taken``: the first row is passed over when one of its unique values is
    taken, and then the others are not written either (a report's number and its log);
    no error, so the caller's transaction goes on and tries again."""
    from django.db.models.signals import post_save

    from credit_portal.inserts import CompiledInsert, insert_together, reserve_pk
    from credit_portal.models import CalendarDay

    users, days = CompiledInsert(User), CompiledInsert(CalendarDay)
    CalendarDay.objects.create(date="2033-01-01", kind=CalendarDay.Kind.HOLIDAY, name="taken")
    saved = []

    def listen(sender, instance, **kwargs):  # noqa: ANN001, ANN003, ANN202
        saved.append(sender.__name__)

    def together(date: str, username: str) -> tuple[bool, int]:
        day = CalendarDay(date=date, kind=CalendarDay.Kind.HOLIDAY, name="new")
        reserve_pk(day)  # every row but the last needs its id
        with CaptureQueriesContext(connection) as captured:
            written = insert_together((days, day), (users, User(username=username)), unless_taken=True)
        return written, len(captured)

    post_save.connect(listen)
    try:
        assert together("2033-01-01", "tog-taken") == (False, 1)
        assert saved == []
        assert not User.objects.filter(username="tog-taken").exists()
        assert CalendarDay.objects.get(date="2033-01-01").name == "taken"
        written, statements = together("2033-01-02", "tog-free")
    finally:
        post_save.disconnect(listen)
    assert written
    assert statements == (1 if connection.vendor == "postgresql" else 2)
    assert saved == ["CalendarDay", "User"]
    assert User.objects.filter(username="tog-free").exists()
    assert CalendarDay.objects.get(date="2033-01-02").name == "new"


def test_ids_taken_ahead_are_the_sequences_and_never_shared_with_a_forked_process(monkeypatch) -> None:
    from credit_portal import bulkload

    if connection.vendor != "postgresql":
        pytest.skip("ids are taken ahead from a sequence on PostgreSQL only")
    monkeypatch.setattr(bulkload, "_ahead", {})
    table = User._meta.db_table
    with CaptureQueriesContext(connection) as captured:
        first = [bulkload.next_id(table) for _ in range(bulkload._AHEAD)]
    assert len(captured) == 1
    assert first == sorted(first)
    assert len(set(first)) == len(first)
    with CaptureQueriesContext(connection) as captured:
        following = bulkload.next_id(table)
    assert len(captured) == 1  # the next block
    assert following > max(first)
    # A child process (another pid) takes its own ids, never its parent's left over.
    monkeypatch.setattr(bulkload.os, "getpid", lambda: -1)
    assert bulkload.next_id(table) > following
    # A row written with such an id keeps it; the sequence never gives it again.
    user = User(username="ahead", pk=bulkload.next_id(table))
    user.save(force_insert=True)
    assert User.objects.create(username="after").pk > user.pk


def test_ids_held_ahead_that_a_restore_gave_again_fail_once_then_fresh_ids_are_taken(monkeypatch) -> None:
    """A restore behind a running process hands its held ids out again: the first write
    with one fails (writing nothing) and drops the rest, so the next write succeeds
    with fresh ids instead of failing up to 64 times (README, "Backups")."""
    from django.db import IntegrityError, transaction

    from credit_portal import bulkload
    from credit_portal.inserts import CompiledInsert, insert_together, reserve_pk
    from credit_portal.models import CalendarDay

    if connection.vendor != "postgresql":
        pytest.skip("ids are taken ahead from a sequence on PostgreSQL only")
    monkeypatch.setattr(bulkload, "_ahead", {})
    table = User._meta.db_table
    users, days = CompiledInsert(User), CompiledInsert(CalendarDay)
    held = bulkload.next_id(table)
    stale = bulkload._ahead[table][1][-1]
    # What a restored sequence does: another writer is given the id this process holds next.
    User.objects.create(pk=stale, username="restored-writer")
    doomed = User(username="after-restore")
    assert reserve_pk(doomed)
    assert doomed.pk == stale
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_together((users, doomed), (days, CalendarDay(date="2032-01-01", kind=CalendarDay.Kind.HOLIDAY)))
    assert table not in bulkload._ahead
    assert not CalendarDay.objects.filter(date="2032-01-01").exists()
    healed = User(username="after-restore")
    assert reserve_pk(healed)
    assert healed.pk > stale > held
    insert_together((users, healed), (days, CalendarDay(date="2032-01-01", kind=CalendarDay.Kind.HOLIDAY)))
    assert User.objects.filter(pk=healed.pk, username="after-restore").exists()


def test_compiled_objects_are_the_querysets_instances_with_related_and_annotations() -> None:
    from django.contrib.auth.models import Group
    from django.db.models import Count, F

    group = Group.objects.create(name="compiled-objects")
    for name in ("co-a", "co-b"):
        User.objects.create(username=name, email=f"{name}@example.org").groups.add(group)

    def build(username: str):  # noqa: ANN202
        return User.objects.filter(username=username).annotate(groups_n=Count("groups"), twice=F("id") * 2).order_by("id")

    query = CompiledQuery(build, fields={"username": User._meta.get_field("username")},
                          sentinels={"username": "username-sentinel"})
    for username in ("co-a", "co-b", "nobody"):
        found, expected = query.objects(username=username), list(build(username))
        assert [(u.pk, u.username, u.date_joined, u.groups_n, u.twice) for u in found] == [
            (u.pk, u.username, u.date_joined, u.groups_n, u.twice) for u in expected
        ]
        assert all(not u._state.adding and u._state.db == "default" for u in found)
    assert query.objects(username="co-a")[0].groups_n == 1
    # select_related: the related row comes with it, no query on access.
    from django.contrib.auth.models import Permission

    permission = Permission.objects.select_related("content_type").order_by("pk").first()
    related = CompiledQuery(lambda pk: Permission.objects.filter(pk=pk).select_related("content_type"),
                          fields={"pk": Permission._meta.pk}, sentinels={"pk": -1})
    with CaptureQueriesContext(connection) as captured:
        found = related.objects(pk=permission.pk)[0]
        assert (found.codename, found.content_type.app_label, found.content_type.model) == (
            permission.codename, permission.content_type.app_label, permission.content_type.model)
    assert len(captured) == 1


def test_compiled_objects_refuse_values_querysets() -> None:
    query = CompiledQuery(lambda username: User.objects.filter(username=username).values("id"),
                          fields={"username": User._meta.get_field("username")}, sentinels={"username": "s"})
    with pytest.raises(ValueError, match="model queryset"):
        query.objects(username="x")


def test_compiled_objects_give_the_instances_the_queryset_gives() -> None:
    """Model instances from the SQL compiled once: the same fields, the rows joined by
    select_related and the annotations, for each call's values; one statement a call."""
    from django.db.models import Count, Value
    from django.db.models.functions import Concat

    alice = User.objects.create(username="alice-objects", email="a@example.org", full_name="甲")
    User.objects.create(username="bob-objects", email="b@example.org", full_name="乙")

    def build(username: str):  # noqa: ANN202
        return User.objects.filter(username=username).annotate(
            label=Concat("username", Value("!")), groups_held=Count("groups"),
        ).order_by("id")

    query = CompiledQuery(build, fields={"username": User._meta.get_field("username")},
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
    query = CompiledQuery(lambda username: User.objects.filter(username=username).prefetch_related("groups"),
                          fields={"username": User._meta.get_field("username")},
                          sentinels={"username": "username-sentinel"})
    with pytest.raises(ValueError, match="no prefetches"):
        query.objects(username="x")


def test_integer_values_are_bound_as_the_field_prepares_them() -> None:
    """An int goes in as it is (what ``IntegerField`` would make of it); anything else
    still goes through the field (a numeric string becomes the number)."""
    from django.db.models import IntegerField

    user = User.objects.create(username="int-bound", email="i@example.org")
    query = CompiledQuery(lambda a: User.objects.filter(pk__in=[a]).values_list("id"),
                          fields={"a": IntegerField()}, sentinels={"a": -9})
    assert query.rows(a=user.pk) == query.rows(a=str(user.pk)) == [(user.pk,)]
    assert query.rows(a=-1) == []


def test_from_db_builds_the_instance_model_from_db_builds() -> None:
    """The lighter ``from_db``: the same __dict__ (``_state`` first, then the fields in
    the row's order, deferred fields absent), the same state, related rows through
    select_related cached on both sides; Django's own ``from_db`` when something listens
    to ``post_init`` (or ``pre_init``), whatever was connected after the first call."""
    from django.contrib.auth.models import Permission
    from django.db.models.signals import post_init

    from credit_portal.instances import from_db

    user = User.objects.create(username="from-db", email="f@example.org", full_name="丙")
    for queryset in (User.objects.filter(pk=user.pk), User.objects.filter(pk=user.pk).only("username", "email")):
        expected = queryset.get()
        names = [f.attname for f in User._meta.concrete_fields if f.attname in expected.__dict__]
        got = from_db(User, "default", names, [expected.__dict__[n] for n in names])
        assert list(got.__dict__) == list(expected.__dict__)
        assert {k: v for k, v in got.__dict__.items() if k != "_state"} == {
            k: v for k, v in expected.__dict__.items() if k != "_state"}
        assert (got._state.adding, got._state.db) == (False, "default") == (expected._state.adding, expected._state.db)
        assert got.get_deferred_fields() == expected.get_deferred_fields()

    seen = []

    def receiver(sender, instance, **kwargs) -> None:  # noqa: ANN001
        seen.append(instance)

    post_init.connect(receiver, sender=User)
    try:
        got = from_db(User, "default", ["id", "username"], [user.pk, "from-db"])
    finally:
        post_init.disconnect(receiver, sender=User)
    assert seen == [got]

    permission = Permission.objects.order_by("pk").first()
    related = CompiledQuery(lambda pk: Permission.objects.filter(pk=pk).select_related("content_type"),
                            fields={"pk": Permission._meta.pk}, sentinels={"pk": -1})
    found = related.objects(pk=permission.pk)[0]
    assert found.content_type.pk == permission.content_type_id
    assert Permission._meta.get_field("content_type").is_cached(found)
    assert found.content_type._state.db == "default"
    assert not found.content_type._state.adding


@isolate_apps("credit_portal")
def test_from_db_keeps_a_models_own_init() -> None:
    """A model with its own ``__init__`` (here a proxy that remembers the loaded name)
    gets Django's path: the lighter one would skip what that ``__init__`` does."""
    from django.db import models

    from credit_portal.instances import from_db

    class RememberingUser(User):
        class Meta:
            proxy = True
            app_label = "credit_portal"

        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            super().__init__(*args, **kwargs)
            self.loaded_username = self.__dict__.get("username")

    assert isinstance(RememberingUser._meta.pk, models.Field)
    got = from_db(RememberingUser, "default", ["id", "username"], [7, "remembered"])
    assert got.loaded_username == "remembered"
