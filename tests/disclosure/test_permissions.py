"""disclosure/permissions.py is the one place that decides who may act on an
authorization, query, or run the credit office's pages: the services refuse, the views
answer 403/404 and the pages offer buttons from the same predicates. Each test tries
the forbidden path too and checks that nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from disclosure import permissions
from disclosure.models import Authorization
from disclosure.services import authorizations as auth_services
from tests.disclosure.conftest import grant

pytestmark = pytest.mark.django_db


def _revoke_url(authorization: Authorization) -> str:
    return reverse("disclosure:authorization_revoke", args=[authorization.pk])


def test_only_the_person_may_revoke_their_authorization(client, disc) -> None:
    authorization, _code = grant(disc)
    assert permissions.may_revoke(disc.citizen, authorization)
    for outsider in (disc.other_citizen, disc.employer_staff, disc.world.credit_office):
        assert not permissions.may_revoke(outsider, authorization)
        with pytest.raises(PermissionDenied):
            auth_services.revoke_authorization(authorization, by=outsider)
    client.force_login(disc.other_citizen)
    assert client.post(_revoke_url(authorization), {"reason": "x"}).status_code == 404
    authorization.refresh_from_db()
    assert authorization.state == Authorization.State.ACTIVE


def test_the_page_offers_revocation_exactly_while_the_predicate_allows_it(client, disc) -> None:
    authorization, _code = grant(disc, days=1)
    detail = reverse("disclosure:authorization_detail", args=[authorization.pk])
    client.force_login(disc.citizen)
    assert _revoke_url(authorization) in client.get(detail).content.decode()
    # Past its end but not yet swept: it reads as expired, so nothing to revoke.
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        client.force_login(disc.citizen)  # the idle session has ended meanwhile
        assert not permissions.may_revoke(disc.citizen, authorization)
        assert _revoke_url(authorization) not in client.get(detail).content.decode()
        response = client.get(_revoke_url(authorization))
        assert response.status_code == 302
        assert response["Location"] == detail


def test_a_request_is_answered_only_by_the_person_and_only_while_pending(client, disc) -> None:
    terms = auth_services.check_terms(
        None, grantee=disc.employer, purpose="recruitment", purpose_other="", categories=[], days=30, max_uses=1,
    )
    request, _code = auth_services.request_authorization(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, terms=terms,
    )
    assert permissions.may_answer_request(disc.citizen, request)
    assert not permissions.may_answer_request(disc.other_citizen, request)
    assert not permissions.may_answer_request(disc.employer_staff, request)
    client.force_login(disc.other_citizen)
    url = reverse("disclosure:authorization_approve", args=[request.pk])
    assert client.post(url, {"action": "approve"}).status_code == 404
    request.refresh_from_db()
    assert request.state == Authorization.State.PENDING
    auth_services.decline_request(request, by=disc.citizen)
    request.refresh_from_db()
    assert not permissions.may_answer_request(disc.citizen, request)


def test_an_institution_asks_for_itself_only(disc) -> None:
    assert permissions.may_request_for(disc.employer_staff, None)
    assert permissions.may_request_for(disc.employer_staff, disc.employer)
    assert not permissions.may_request_for(disc.employer_staff, disc.bank)
    assert not permissions.may_request_for(disc.citizen, None)
    terms = auth_services.check_terms(
        None, grantee=disc.bank, purpose="recruitment", purpose_other="", categories=[], days=30, max_uses=1,
    )
    with pytest.raises(PermissionDenied):
        auth_services.request_authorization(
            by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, terms=terms,
        )
    assert not Authorization.objects.filter(grantee=disc.bank).exists()


def test_who_is_who(disc) -> None:
    assert permissions.is_own_subject(disc.citizen, disc.subject)
    assert not permissions.is_own_subject(disc.other_citizen, disc.subject)
    assert permissions.may_query(disc.employer_staff)
    assert not permissions.may_query(disc.citizen)
    assert permissions.may_manage_institutions(disc.world.credit_office)
    assert not permissions.may_manage_institutions(disc.world.edu_reviewer)
    assert permissions.may_link_citizens(disc.world.credit_office)
    assert not permissions.may_link_citizens(disc.employer_staff)
