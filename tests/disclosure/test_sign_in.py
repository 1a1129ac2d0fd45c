"""Sign-in for everyone: citizens by phone through the blind index, no phone in any
table or log of django-axes, lock-out by account (never a whole IP), each role on its
own start page, the page's copy per audience."""

from __future__ import annotations

import importlib

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps as django_apps
from django.urls import reverse

from credit_portal.models import User
from credit_portal.roles import Role
from disclosure.models import CitizenProfile
from disclosure.phones import phone_index
from tests import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "test-password-123"  # noqa: S105 - tests.factories.make_user's password
PHONE = "13800000000"  # world.subject's phone on file, the citizen's sign-in number


def _sign_in(client, username, password=PASSWORD, ip="203.0.113.7", **extra):
    return client.post(reverse("login"), {"username": username, "password": password, **extra}, REMOTE_ADDR=ip)


def _axes_text() -> str:
    rows = [*AccessAttempt.objects.values(), *AccessFailureLog.objects.values(), *AccessLog.objects.values()]
    return repr(rows)


def test_citizen_signs_in_with_phone_and_lands_on_my_page(client, disc):
    user = User.objects.get(pk=disc.citizen.pk)
    assert PHONE not in user.username
    response = _sign_in(client, PHONE)
    assert response.status_code == 302
    assert response["Location"] == reverse("disclosure:my_home")
    assert client.get(reverse("disclosure:my_home")).status_code == 200


def test_full_width_digits_and_spaces_in_the_phone_are_accepted(client, disc):
    response = _sign_in(client, "１３８ ００００ ００００")
    assert response.status_code == 302


def test_wrong_password_for_a_phone_leaves_no_phone_in_axes_tables(client, disc):
    for _ in range(2):
        assert _sign_in(client, PHONE, "wrong-password-1").status_code == 200
    _sign_in(client, "13911112222", "wrong-password-1")  # a number nobody registered
    assert AccessAttempt.objects.count() == 2  # the account, and the unknown number's digest
    before = _axes_text()
    assert _sign_in(client, PHONE).status_code == 302
    assert AccessLog.objects.exists()
    text = before + _axes_text()
    assert PHONE not in text
    assert "13911112222" not in text
    # Failures of a registered number were counted under the account, so the success reset them.
    assert not AccessAttempt.objects.filter(username=disc.citizen.username).exists()


def test_lock_out_of_one_account_leaves_another_account_on_the_same_ip_signing_in(client, disc, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        _sign_in(client, PHONE, "wrong-password-1", ip="198.51.100.9")
    locked = _sign_in(client, PHONE, ip="198.51.100.9")
    assert locked.status_code == 429  # the right password no longer helps: the account is locked
    # The same office address: another citizen and a clerk still sign in.
    other = _sign_in(client, "13900000001", ip="198.51.100.9")
    assert other.status_code == 302
    client.logout()
    clerk = _sign_in(client, disc.world.edu_clerk.username, ip="198.51.100.9")
    assert clerk.status_code == 302


def test_locked_account_stays_locked_from_another_ip(client, disc, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        _sign_in(client, PHONE, "wrong-password-1", ip="198.51.100.9")
    assert _sign_in(client, PHONE, ip="192.0.2.44").status_code == 429


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("citizen", "disclosure:my_home"),
        ("employer_staff", "disclosure:institution_home"),
        ("edu_clerk", "archives:dashboard"),
        ("edu_reviewer", "archives:dashboard"),
        ("credit_office", "repair:queue"),
    ],
)
def test_each_role_lands_on_its_own_home(client, disc, who, expected):
    user = getattr(disc, who, None) or getattr(disc.world, who)
    response = _sign_in(client, user.username)
    assert response.status_code == 302
    assert response["Location"] == reverse(expected)


def test_auditor_lands_on_the_administration(client, disc):
    auditor = f.make_user("auditor_x", roles=(Role.AUDITOR,), is_staff=True)
    response = _sign_in(client, auditor.username)
    assert response["Location"] == reverse("admin:index")


def test_a_safe_next_wins_and_a_foreign_one_is_ignored(client, disc):
    response = _sign_in(client, PHONE, next=reverse("disclosure:my_queries"))
    assert response["Location"] == reverse("disclosure:my_queries")
    client.logout()
    response = _sign_in(client, PHONE, next="https://evil.example/")
    assert response["Location"] == reverse("disclosure:my_home")


def test_sign_in_page_explains_phone_sign_in_and_links_sign_up_and_reset(client, db):
    page = client.get(reverse("login")).content.decode()
    assert reverse("disclosure:register") in page
    assert reverse("disclosure:password_reset") in page
    assert "手机号码" in page
    assert "主管部门开设" not in page


@pytest.mark.parametrize(
    "username",
    ["\x00", "1" * 100_000, "<script>alert(1)</script>", "１２３４５６７８９０１２３４５", "99999999999999999999"],
)
def test_hostile_user_names_get_a_form_error_not_a_500(client, db, username):
    response = _sign_in(client, username, "x")
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_existing_citizen_user_names_move_to_a_handle_and_the_index(db, world):
    """The data migration: a user name that is a phone becomes a random handle, and the
    number goes into the profile's blind index."""
    user = f.make_user("13712345678", roles=(Role.CITIZEN,))
    profile = CitizenProfile.objects.create(user=user, subject=world.subject, verified_at=user.date_joined, method="sms")
    migration = importlib.import_module("disclosure.migrations.0004_citizen_phone_index_password_reset_api_keys")
    migration.citizens_sign_in_with_indexed_phone(django_apps, None)
    user.refresh_from_db()
    profile.refresh_from_db()
    assert user.username.startswith("citizen-")
    assert profile.phone_index == phone_index("13712345678")
