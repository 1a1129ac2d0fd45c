"""The intake's list pages that had no query-count test (the batches of yearly findings,
one batch's findings, the recent import jobs) cost the same queries for one row and for
fifty."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from archives.intake import batches
from archives.intake.models import FindingBatch
from tests.intake.test_lists import make_archives

pytestmark = pytest.mark.django_db

EMPLOYER = "示范市第九中学"


@pytest.mark.parametrize("n", [1, 50])
def test_batch_list_query_count(client, world, django_assert_num_queries, n: int) -> None:
    for i in range(n):
        FindingBatch.objects.create(department=world.education, year=2025, employer=f"单位{i}",
                                    drafted_by=world.edu_reviewer)
    client.force_login(world.edu_reviewer2)
    client.get(reverse("archives:intake_batches"))  # the first request saves the session
    # 1 session, 2 user, 3 reviewer memberships (may draft), 4 all memberships (the
    # batches' scope), 5 role groups and 6 clerk memberships (the menu), 7 the form's
    # departments, 8 its occupations, 9 the batches with department, occupation, drafter
    # and signer joined.
    # (The user's memberships and role groups: one query for every role on the first request
    # after signing in, none later: kept in the session, departments.scope.)
    with django_assert_num_queries(5):
        response = client.get(reverse("archives:intake_batches"))
    assert len(response.context["batches"]) == n


@pytest.mark.parametrize("n", [1, 50])
def test_batch_page_query_count(client, world, django_assert_num_queries, n: int) -> None:
    with time_machine.travel(date(2026, 12, 28), tick=False):
        make_archives(world, n, employer=EMPLOYER)
        batch = batches.draft_batch(department=world.education, year=2026, employer=EMPLOYER, by=world.edu_reviewer)
        client.force_login(world.edu_reviewer2)
        client.get(reverse("archives:intake_batch", args=[batch.pk]))  # the first request saves the session
        # 1 session, 2 user, 3 memberships (the batch's scope), 4 the batch, 5 the count
        # of its findings, 6 reviewer memberships (may sign), 7 role groups and 8 clerk
        # memberships (the menu), 9 the exceptions (archives with grounds, one query
        # with both annotations), 10 the page of findings with archive, person and
        # occupation joined.
        with django_assert_num_queries(6):  # memberships and role groups kept in the session
            response = client.get(reverse("archives:intake_batch", args=[batch.pk]))
    assert len(response.context["findings"].object_list) == n
    assert response.context["may_sign"] is True


@pytest.mark.parametrize("n", [1, 50])
def test_upload_page_recent_jobs_query_count(client, world, django_assert_num_queries, n: int) -> None:
    from archives.intake.models import ImportJob

    for i in range(n):
        ImportJob.objects.create(department=world.education, occupation=world.teacher, created_by=world.edu_clerk,
                                 original_name=f"t{i}.xlsx", digest="0" * 64)
    client.force_login(world.edu_clerk)
    client.get(reverse("archives:intake_upload"))  # the first request saves the session
    # 1 session, 2 user, 3 clerk memberships (the departments imported for), 4 all
    # memberships (the jobs' scope), 5 whether there is any such department, 6 how many
    # (one: the field is hidden) and 7 that one (its initial), 8 role groups and 9
    # reviewer memberships (the menu), 10 the form's occupations, 11 the templates'
    # occupations, 12 the ten recent jobs with occupation, department and uploader joined.
    # (The user's memberships and role groups: one query for every role on the first request
    # after signing in, none later: kept in the session, departments.scope.)
    with django_assert_num_queries(8):
        response = client.get(reverse("archives:intake_upload"))
    assert len(response.context["recent"]) == min(n, 10)
