"""ResolvedUserMiddleware: past it, ``request.user`` is the user object itself (not the
lazy wrappers of AuthenticationMiddleware and django-otp), with django-otp's attributes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils.functional import LazyObject, SimpleLazyObject

from credit_portal.middleware import ResolvedUserMiddleware
from credit_portal.models import User

pytestmark = pytest.mark.django_db


def _seen(user: object) -> object:
    seen = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen["user"] = request.user
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = user
    ResolvedUserMiddleware(view)(request)
    return seen["user"]


def test_the_user_behind_both_wrappers_is_what_the_view_sees() -> None:
    user = User.objects.create(username="resolved-user")
    calls = []

    def load() -> User:
        calls.append(1)
        return user

    inner = SimpleLazyObject(load)
    outer = SimpleLazyObject(lambda: inner)
    seen = _seen(outer)
    assert seen is user
    assert not isinstance(seen, LazyObject)
    assert calls == [1]


def test_an_anonymous_visitor_stays_anonymous() -> None:
    seen = _seen(SimpleLazyObject(AnonymousUser))
    assert isinstance(seen, AnonymousUser)


def test_a_signed_in_page_sees_the_user_with_its_second_factor_state(client) -> None:
    user = User.objects.create(username="resolved-page")
    client.force_login(user)
    response = client.post("/session/keep-alive/")
    assert response.status_code == 204
    request_user = response.wsgi_request.user
    assert type(request_user) is User
    assert request_user.pk == user.pk
    assert request_user.is_verified() is False
    assert request_user.otp_device is None
