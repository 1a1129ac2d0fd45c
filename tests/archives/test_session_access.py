"""The user's role groups and memberships are kept in the session between requests
(``departments.middleware.SessionAccessMiddleware``), and a revocation by any path
takes effect on the very next request."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archives import services
from credit_portal.prepared import source
from credit_portal.roles import Role
from credit_portal.services import revoke_role
from departments.models import Membership
from departments.scope import SESSION_KEY
from departments.services import revoke_membership
from tests import factories as f
from tests.archives.conftest import World, draft_negative


def _reads_access(captured: CaptureQueriesContext) -> bool:
    # The user's memberships, or their role groups (the scope's shared archives join
    # auth_group too, by department group name: not a read of the user's roles).
    return any(
        'FROM "departments_membership"' in source(q["sql"]) or '"credit_portal_user_groups"' in source(q["sql"])
        for q in captured.captured_queries
    )


def _submitted(world: World) -> None:
    services.submit_record(draft_negative(world, title="待审甲"), by=world.edu_clerk)


def test_a_later_request_reads_no_role_or_membership(client, world: World) -> None:
    _submitted(world)
    client.force_login(world.edu_reviewer)
    assert client.get(reverse("archives:review_queue")).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert "待审甲" in client.get(reverse("archives:review_queue")).content.decode()
    assert not _reads_access(captured)
    # Ids and role names only: no name or ID number in what the session keeps.
    saved = client.session[SESSION_KEY]
    assert set(saved) == {"user", "version", "roles", "memberships", "retired"}
    assert saved["retired"] == []
    assert all(isinstance(pk, int) and role in Membership.Role.values for pk, role in saved["memberships"])


def test_a_revoked_reviewer_cannot_review_on_the_next_request(client, world: World) -> None:
    record = draft_negative(world, title="待审甲")
    services.submit_record(record, by=world.edu_clerk)
    client.force_login(world.edu_reviewer)
    review = reverse("archives:record_review", args=[record.pk])
    assert client.get(reverse("archives:review_queue")).status_code == 200
    assert client.get(review).status_code == 200  # the access now comes from the session
    security = f.make_user(roles=(Role.SECURITY_ADMIN,))
    for membership in Membership.objects.filter(user=world.edu_reviewer, role=Membership.Role.REVIEWER):
        revoke_membership(membership, by=security)
    assert client.get(reverse("archives:review_queue")).status_code == 403
    assert client.get(review).status_code in (403, 404)
    assert client.post(reverse("archives:record_publish", args=[record.pk])).status_code in (403, 404)
    record.refresh_from_db()
    assert record.state == record.State.SUBMITTED  # the refused request changed nothing


def test_a_membership_removed_outside_the_services_takes_effect_on_the_next_request(client, world: World) -> None:
    """The admin or a shell deletes the row: the signal advances the version all the same."""
    client.force_login(world.edu_reviewer)
    assert client.get(reverse("archives:review_queue")).status_code == 200
    assert client.get(reverse("archives:review_queue")).status_code == 200
    Membership.objects.filter(user=world.edu_reviewer, role=Membership.Role.REVIEWER).delete()
    assert client.get(reverse("archives:review_queue")).status_code == 403


def test_a_retired_department_ends_its_scope_on_the_next_request(client, world: World) -> None:
    client.force_login(world.edu_clerk)
    page = reverse("archives:archive", args=[world.archive.pk])
    assert client.get(page).status_code == 200
    assert client.get(page).status_code == 200
    world.education.is_active = False
    world.education.save()
    assert client.get(page).status_code in (403, 404)


def test_a_revoked_role_group_takes_effect_on_the_next_request(client, world: World) -> None:
    client.force_login(world.credit_office)
    assert client.get(reverse("archives:dashboard")).status_code == 200
    assert client.get(reverse("archives:dashboard")).status_code == 200
    revoke_role(world.credit_office, Role.CREDIT_OFFICE, by=f.make_user(roles=(Role.SECURITY_ADMIN,)))
    assert client.get(reverse("archives:dashboard")).status_code == 403


def test_a_role_group_emptied_from_the_group_side_takes_effect_on_the_next_request(client, world: World) -> None:
    client.force_login(world.credit_office)
    assert client.get(reverse("archives:dashboard")).status_code == 200
    assert client.get(reverse("archives:dashboard")).status_code == 200
    Group.objects.get(name=Role.CREDIT_OFFICE).user_set.clear()
    assert client.get(reverse("archives:dashboard")).status_code == 403


def test_a_granted_membership_takes_effect_on_the_next_request(client, world: World) -> None:
    client.force_login(world.edu_clerk)
    assert client.get(reverse("archives:review_queue")).status_code == 403
    assert client.get(reverse("archives:review_queue")).status_code == 403
    Membership.objects.create(user=world.edu_clerk, department=world.education, role=Membership.Role.REVIEWER)
    assert client.get(reverse("archives:review_queue")).status_code == 200


def test_access_saved_for_another_user_is_not_used(client, world: World) -> None:
    client.force_login(world.credit_office)
    assert client.get(reverse("archives:dashboard")).status_code == 200
    session = client.session
    saved = session[SESSION_KEY]
    client.force_login(world.citizen)  # a new session for another user
    session = client.session
    session[SESSION_KEY] = {**saved}
    session.save()
    assert client.get(reverse("archives:dashboard")).status_code == 403
