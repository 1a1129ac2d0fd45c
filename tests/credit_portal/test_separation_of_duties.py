"""Separation of duties (三权分立) against the attacks seen with one staff account each.

Each test replays an escalation through the admin (HTTP) or the services and asserts it
fails and changed nothing.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django_otp.plugins.otp_totp.models import TOTPDevice

from credit_portal import services
from credit_portal.checks import check_no_active_superuser
from credit_portal.models import AuditEntry, EnrolmentCode, User
from credit_portal.roles import Role
from departments import services as department_services
from departments.models import Department, Membership
from tests import factories as f

pytestmark = pytest.mark.django_db
PASSWORD = "test-password-123"  # noqa: S105 - the factories' password


@pytest.fixture
def security_admin() -> User:
    return f.make_user("sec-admin", roles=(Role.SECURITY_ADMIN,), is_staff=True, email="sec@example.invalid")


@pytest.fixture
def system_admin() -> User:
    return f.make_user("sys-admin", roles=(Role.SYSTEM_ADMIN,), is_staff=True, email="sys@example.invalid")


@pytest.fixture
def auditor() -> User:
    return f.make_user("the-auditor", roles=(Role.AUDITOR,), is_staff=True, email="auditor@example.invalid")


@pytest.fixture
def credit_office() -> User:
    return f.make_user("the-office", roles=(Role.CREDIT_OFFICE,), is_staff=True, email="office@example.invalid")


def _temporary_password() -> str:
    assert len(mail.outbox) == 1
    lines = [line for line in mail.outbox[0].body.splitlines() if re.fullmatch(r"[A-Za-z0-9_-]{16}", line)]
    assert len(lines) == 1
    return lines[0]


def _signed_in(client, user: User):
    client.force_login(user)
    return client


# --- Memberships ------------------------------------------------------------------------------
def test_security_admin_cannot_add_a_membership_for_themselves(client, security_admin):
    education = Department.objects.get(code="education")
    response = _signed_in(client, security_admin).post(
        "/admin/departments/membership/add/",
        {"user": security_admin.pk, "department": education.pk, "role": Membership.Role.CLERK},
        follow=True,
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(user=security_admin).exists()
    # And therefore reaches no person's page.
    assert client.get("/staff/").status_code in {302, 403, 404}


def test_security_admin_grants_a_membership_to_someone_else_through_the_service(client, security_admin):
    clerk = f.make_user("future-clerk", is_staff=True)
    education = Department.objects.get(code="education")
    response = _signed_in(client, security_admin).post(
        "/admin/departments/membership/add/",
        {"user": clerk.pk, "department": education.pk, "role": Membership.Role.CLERK},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=clerk)
    entry = AuditEntry.objects.get(action="departments.membership.granted")
    assert (entry.actor_id, entry.object_id) == (security_admin.pk, str(membership.pk))


def test_no_administrator_becomes_a_department_member(security_admin, auditor, system_admin):
    education = Department.objects.get(code="education")
    other_security_admin = f.make_user(roles=(Role.SECURITY_ADMIN,))
    for admin_account in (auditor, system_admin, other_security_admin):
        with pytest.raises(ValidationError):
            department_services.grant_membership(
                admin_account, department=education, role=Membership.Role.REVIEWER, by=security_admin
            )
    assert not Membership.objects.exists()


def test_nobody_ends_their_own_membership_or_grants_without_the_permission(security_admin, system_admin):
    clerk = f.member(Department.objects.get(code="education"), Membership.Role.CLERK)
    membership = clerk.memberships.get()
    with pytest.raises(PermissionDenied):
        department_services.revoke_membership(membership, by=system_admin)
    with pytest.raises(PermissionDenied):
        department_services.grant_membership(
            system_admin, department=membership.department, role="clerk", by=clerk
        )
    assert Membership.objects.filter(pk=membership.pk).exists()


# --- Roles ------------------------------------------------------------------------------------
def test_groups_are_read_only_in_the_admin_even_for_a_superuser(client, security_admin, admin_user):
    group = Group.objects.get(name=Role.SECURITY_ADMIN)
    before = set(group.permissions.values_list("pk", flat=True))
    change_user = Permission.objects.get(codename="change_user")
    for user in (security_admin, admin_user):
        client.force_login(user)
        response = client.post(
            f"/admin/auth/group/{group.pk}/change/",
            {"name": group.name, "permissions": [*before, change_user.pk]},
        )
        assert response.status_code == 403
        assert client.post("/admin/auth/group/add/", {"name": "x"}).status_code == 403
    assert set(group.permissions.values_list("pk", flat=True)) == before
    assert not security_admin.has_perm("credit_portal.change_user")


def test_nobody_grants_a_role_to_themselves(client, security_admin):
    response = _signed_in(client, security_admin).post(
        f"/admin/credit_portal/user/{security_admin.pk}/roles/",
        {"roles": [Role.SECURITY_ADMIN, Role.AUDITOR, Role.CREDIT_OFFICE]},
    )
    assert response.status_code == 200
    assert "不得更改自己的角色" in response.content.decode()
    assert set(security_admin.groups.values_list("name", flat=True)) == {Role.SECURITY_ADMIN}
    with pytest.raises(ValidationError):
        services.grant_role(security_admin, Role.CREDIT_OFFICE, by=security_admin)


def test_security_admin_grants_roles_to_others_but_no_conflicting_pair(client, security_admin, auditor):
    newcomer = f.make_user("newcomer", is_staff=True)
    response = _signed_in(client, security_admin).post(
        f"/admin/credit_portal/user/{newcomer.pk}/roles/", {"roles": [Role.CREDIT_OFFICE]}
    )
    assert response.status_code == 302
    assert list(newcomer.groups.values_list("name", flat=True)) == [Role.CREDIT_OFFICE]
    assert AuditEntry.objects.filter(action="credit_portal.role.granted", object_id=str(newcomer.pk)).exists()
    # The auditor may not also become the credit office (an administrator reads no data).
    refused = client.post(f"/admin/credit_portal/user/{auditor.pk}/roles/", {"roles": [Role.AUDITOR, Role.CREDIT_OFFICE]})
    assert refused.status_code == 200
    assert set(auditor.groups.values_list("name", flat=True)) == {Role.AUDITOR}


def test_system_admin_cannot_grant_roles(client, system_admin, auditor):
    _signed_in(client, system_admin)
    assert client.post(f"/admin/credit_portal/user/{auditor.pk}/roles/", {"roles": []}).status_code == 403
    # Nor through the account form: the granting fields are not there and are ignored.
    client.post(f"/admin/credit_portal/user/{system_admin.pk}/change/", {
        "username": system_admin.username, "groups": [Group.objects.get(name=Role.AUDITOR).pk],
        "is_superuser": "on", "is_active": "on", "is_staff": "on", "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    })
    system_admin.refresh_from_db()
    assert not system_admin.is_superuser
    assert set(system_admin.groups.values_list("name", flat=True)) == {Role.SYSTEM_ADMIN}


# --- Passwords and second factors -------------------------------------------------------------
@pytest.mark.parametrize("method", ["get", "post"])
def test_system_admin_cannot_reset_anyones_password(client, system_admin, auditor, credit_office, admin_user, method):
    _signed_in(client, system_admin)
    for target in (auditor, credit_office, admin_user):
        url = f"/admin/credit_portal/user/{target.pk}/password/"
        response = getattr(client, method)(url, {"password1": "Escalate-2026!", "password2": "Escalate-2026!"})
        assert response.status_code == 403
        target.refresh_from_db()
        assert not target.check_password("Escalate-2026!")
        assert client.post(f"/admin/credit_portal/user/{target.pk}/reset/").status_code == 403
    assert not mail.outbox


def test_security_admin_reset_never_shows_the_password_and_the_trail_stays_closed(
    client, security_admin, auditor, django_capture_on_commit_callbacks
):
    TOTPDevice.objects.create(user=auditor, name="phone", confirmed=True)
    _signed_in(client, security_admin)
    # The old "set a password" form now only offers the reset.
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(f"/admin/credit_portal/user/{auditor.pk}/password/",
                           {"password1": "Escalate-2026!", "password2": "Escalate-2026!"})
    assert page.status_code == 200
    auditor.refresh_from_db()
    assert not auditor.check_password("Escalate-2026!")
    temporary = _temporary_password()
    assert mail.outbox[0].to == [auditor.email]
    assert temporary not in page.content.decode()
    assert auditor.check_password(temporary)
    assert auditor.must_change_password
    assert not TOTPDevice.objects.filter(user=auditor).exists()
    assert EnrolmentCode.objects.filter(user=auditor, used_at=None).count() == 1
    assert AuditEntry.objects.filter(action="credit_portal.credentials.reset", object_id=str(auditor.pk)).exists()
    # The security administrator still reads no audit trail.
    assert client.get("/admin/credit_portal/auditentry/").status_code == 403


def test_reset_forces_a_new_password_at_next_sign_in(client, security_admin, auditor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.reset_staff_credentials(auditor, by=security_admin)
    temporary = _temporary_password()
    signed_in = client.post("/accounts/login/", {"username": auditor.username, "password": temporary})
    assert signed_in.status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/password/renew/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    weak = client.post("/accounts/password/renew/", {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200
    done = client.post("/accounts/password/renew/", {"new_password1": "A-new-one-2026!", "new_password2": "A-new-one-2026!"})
    assert done.status_code == 302
    auditor.refresh_from_db()
    assert not auditor.must_change_password
    assert auditor.check_password("A-new-one-2026!")
    assert client.get("/admin/").status_code == 200
    assert AuditEntry.objects.filter(action="credit_portal.user.password_changed", object_id=str(auditor.pk)).exists()


def test_resets_of_oneself_of_a_superuser_or_without_an_email_are_refused(security_admin, admin_user):
    no_email = f.make_user("no-email", roles=(Role.CREDIT_OFFICE,))
    for target in (security_admin, admin_user, no_email):
        with pytest.raises(ValidationError):
            services.reset_staff_credentials(target, by=security_admin)
        target.refresh_from_db()
        assert not target.must_change_password
    assert not mail.outbox


def test_a_new_account_chooses_its_own_password_at_first_sign_in(client, system_admin):
    _signed_in(client, system_admin)
    response = client.post("/admin/credit_portal/user/add/", {
        "username": "new-staff", "password1": "Chosen-by-admin-1", "password2": "Chosen-by-admin-1",
        "usable_password": "true",
    })
    assert response.status_code == 302
    created = User.objects.get(username="new-staff")
    assert created.must_change_password
    assert AuditEntry.objects.filter(action="credit_portal.user.created", object_id=str(created.pk)).exists()


# --- The superuser --------------------------------------------------------------------------
def test_deploy_check_warns_while_an_active_superuser_remains(admin_user):
    assert [w.id for w in check_no_active_superuser()] == ["credit_portal.W130"]
    User.objects.filter(pk=admin_user.pk).update(is_active=False)
    assert check_no_active_superuser() == []


def test_security_admin_finds_the_tools_on_the_account_page(client, security_admin, auditor):
    _signed_in(client, security_admin)
    page = client.get(f"/admin/credit_portal/user/{auditor.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    for path in ("roles/", "reset/", "enrolment-code/"):
        assert f"/admin/credit_portal/user/{auditor.pk}/{path}" in body
    assert client.get(f"/admin/credit_portal/user/{auditor.pk}/roles/").status_code == 200
    assert client.get(f"/admin/credit_portal/user/{auditor.pk}/reset/").status_code == 200
    assert client.get("/admin/credit_portal/user/999999/roles/").status_code == 404
    assert client.get("/admin/credit_portal/user/x/roles/").status_code == 404
    # Issuing a code shows it once; it is stored only as a digest.
    shown = client.post(f"/admin/credit_portal/user/{auditor.pk}/enrolment-code/")
    assert shown.status_code == 200
    stored = EnrolmentCode.objects.get(user=auditor)
    assert stored.code_digest not in shown.content.decode()
    assert re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", shown.content.decode())


def test_security_admin_cannot_read_anyones_authenticator_secret(client, security_admin, auditor):
    """Viewing devices must not give the secret: with it the security administrator could
    clone the auditor's second factor."""
    device = TOTPDevice.objects.create(user=auditor, name="phone", confirmed=True)
    signed_in = _signed_in(client, security_admin)
    for url in (f"/admin/otp_totp/totpdevice/{device.pk}/config/", f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/",
                "/admin/otp_totp/totpdevice/999999/config/"):
        assert signed_in.get(url).status_code == 403, url
    page = signed_in.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert page.status_code == 200
    assert device.key not in page.content.decode()
    listing = signed_in.get("/admin/otp_totp/totpdevice/")
    assert device.key not in listing.content.decode()
    assert "/config/" not in listing.content.decode()


# --- E-mail takeover of a reset ---------------------------------------------------------------
def _change_email(client, user: User, email: str):
    return client.post(f"/admin/credit_portal/user/{user.pk}/email/", {"email": email})


def test_the_account_form_no_longer_changes_an_email_address(client, system_admin, credit_office):
    _signed_in(client, system_admin)
    page = client.get(f"/admin/credit_portal/user/{credit_office.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="email"' not in body
    assert f"/admin/credit_portal/user/{credit_office.pk}/email/" in body
    client.post(f"/admin/credit_portal/user/{credit_office.pk}/change/", {
        "username": credit_office.username, "email": "attacker@example.invalid", "is_active": "on",
        "is_staff": "on", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
    })
    credit_office.refresh_from_db()
    assert credit_office.email == "office@example.invalid"
    assert not AuditEntry.objects.filter(action="credit_portal.user.email_changed").exists()


@pytest.mark.parametrize("target_role", [Role.AUDITOR, Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN])
def test_no_administrator_changes_another_administrators_email(client, system_admin, target_role):
    target = f.make_user(f"peer-{target_role}", roles=(target_role,), is_staff=True, email="peer@example.invalid")
    response = _change_email(_signed_in(client, system_admin), target, "attacker@example.invalid")
    assert response.status_code == 200
    assert "不得由其他管理员更改" in response.content.decode()
    target.refresh_from_db()
    assert target.email == "peer@example.invalid"
    assert not mail.outbox
    # Nor for themselves, nor for a superuser; nor may anyone without change_user.
    for account in (system_admin, f.make_user("root", is_superuser=True, is_staff=True, email="r@example.invalid")):
        with pytest.raises(ValidationError):
            services.change_staff_email(account, "attacker@example.invalid", by=system_admin)
    security_admin = f.make_user("sec2", roles=(Role.SECURITY_ADMIN,), is_staff=True)
    office = f.make_user("office2", roles=(Role.CREDIT_OFFICE,), is_staff=True, email="o2@example.invalid")
    with pytest.raises(PermissionDenied):
        services.change_staff_email(office, "attacker@example.invalid", by=security_admin)
    assert _change_email(_signed_in(client, security_admin), office, "attacker@example.invalid").status_code == 403
    office.refresh_from_db()
    assert office.email == "o2@example.invalid"


def test_email_change_then_reset_does_not_deliver_the_temporary_password(
    client, system_admin, security_admin, credit_office, django_capture_on_commit_callbacks
):
    """The attack: the system administrator sets the credit office's address to their own,
    then the security administrator resets the account. The change is audited and told to
    the old address; the reset is refused, so no temporary password reaches the new one."""
    _signed_in(client, system_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = _change_email(client, credit_office, "attacker@example.invalid")
    assert response.status_code == 302
    credit_office.refresh_from_db()
    assert credit_office.email == "attacker@example.invalid"
    entry = AuditEntry.objects.get(action="credit_portal.user.email_changed")
    assert (entry.actor_id, entry.object_id) == (system_admin.pk, str(credit_office.pk))
    assert "example.invalid" not in str(entry.detail)
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == ["office@example.invalid"]
    assert credit_office.username in notice.body
    mail.outbox.clear()

    password_before = User.objects.get(pk=credit_office.pk).password
    _signed_in(client, security_admin)
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(f"/admin/credit_portal/user/{credit_office.pk}/reset/", follow=True)
    assert refused.status_code == 200
    assert "方可重置其密码" in refused.content.decode()
    with pytest.raises(ValidationError) as raised:
        services.reset_staff_credentials(credit_office, by=security_admin)
    assert raised.value.code == "email_recently_changed"
    assert not mail.outbox
    credit_office.refresh_from_db()
    assert credit_office.password == password_before
    assert not credit_office.must_change_password
    assert not AuditEntry.objects.filter(action="credit_portal.credentials.reset").exists()


def test_an_address_set_on_an_account_without_one_also_holds_resets_back(system_admin, security_admin):
    """The auditor-like account with no address: setting one is a change like any other."""
    office = f.make_user("no-address", roles=(Role.CREDIT_OFFICE,), is_staff=True)
    assert services.change_staff_email(office, "attacker@example.invalid", by=system_admin)
    assert not mail.outbox  # no old address to tell
    with pytest.raises(ValidationError):
        services.reset_staff_credentials(office, by=security_admin)
    office.refresh_from_db()
    assert not office.must_change_password


def test_reset_works_again_after_the_cooling_off(system_admin, security_admin, credit_office,
                                                  django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    services.change_staff_email(credit_office, "new-office@example.invalid", by=system_admin)
    later = timezone.now() + services.EMAIL_CHANGE_COOLING_OFF + timedelta(minutes=1)
    import unittest.mock

    with unittest.mock.patch("django.utils.timezone.now", return_value=later):
        with django_capture_on_commit_callbacks(execute=True):
            mail.outbox.clear()
            services.reset_staff_credentials(credit_office, by=security_admin)
    assert mail.outbox[-1].to == ["new-office@example.invalid"]


def test_an_administrators_address_changes_at_the_console(auditor, django_capture_on_commit_callbacks):
    import io

    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        call_command("change_staff_email", auditor.username, "auditor-new@example.invalid", stdout=io.StringIO())
    auditor.refresh_from_db()
    assert auditor.email == "auditor-new@example.invalid"
    assert [m.to for m in mail.outbox] == [["auditor@example.invalid"]]
    entry = AuditEntry.objects.get(action="credit_portal.user.email_changed")
    assert entry.actor_id is None
    assert entry.detail["channel"] == "console"


def test_email_form_answers_bad_input_with_form_errors(client, system_admin, credit_office):
    _signed_in(client, system_admin)
    for value in ("not-an-address", "a\x00b@example.invalid", "长" * 100_000, "x@" + "1" * 300):
        response = _change_email(client, credit_office, value)
        assert response.status_code == 200, value
    credit_office.refresh_from_db()
    assert credit_office.email == "office@example.invalid"
    assert client.get("/admin/credit_portal/user/x/email/").status_code == 404


# --- Querying as an institution ---------------------------------------------------------------
def test_credit_office_cannot_make_itself_or_any_staff_account_an_institutions_staff(
    client, credit_office, system_admin, auditor
):
    from disclosure.models import Institution, InstitutionStaff
    from disclosure.services import institutions

    institution = institutions.register_institution(name="示范查询机构", credit_code="91350100M000100Y43",
                                                    by=credit_office)
    clerk = f.member(Department.objects.get(code="education"), Membership.Role.CLERK)
    for account in (credit_office, system_admin, auditor, clerk):
        with pytest.raises(ValidationError):
            institutions.add_institution_staff(institution, account, by=credit_office)
    # Through the admin: a message, not an error page, and nothing added.
    response = _signed_in(client, credit_office).post(
        "/admin/disclosure/institutionstaff/add/", {"institution": institution.pk, "user": credit_office.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert "不得把自己设为查询机构的工作人员" in response.content.decode()
    assert not InstitutionStaff.objects.exists()
    assert not credit_office.groups.filter(name=Role.INSTITUTION).exists()
    assert Institution.objects.count() == 1


def test_an_institutions_staff_gets_no_staff_role(security_admin):
    from disclosure.services import institutions

    office = f.make_user("office-x", roles=(Role.CREDIT_OFFICE,))
    institution = institutions.register_institution(name="示范查询机构", credit_code="91350100M000100Y43", by=office)
    hr = f.make_user("hr-person")
    institutions.add_institution_staff(institution, hr, by=office)
    for role in (Role.CREDIT_OFFICE, Role.AUDITOR, Role.DEPARTMENT_CLERK):
        with pytest.raises(ValidationError):
            services.grant_role(hr, role, by=security_admin)
    assert set(hr.groups.values_list("name", flat=True)) == {Role.INSTITUTION}
    # Nor a department's membership (scope over its people) through the back door.
    with pytest.raises(ValidationError):
        department_services.grant_membership(
            hr, department=Department.objects.get(code="education"), role=Membership.Role.CLERK, by=security_admin
        )
    assert not Membership.objects.filter(user=hr).exists()


def test_system_admin_cannot_switch_a_deactivated_superuser_back_on(client, system_admin, admin_user):
    User.objects.filter(pk=admin_user.pk).update(is_active=False)
    _signed_in(client, system_admin)
    url = f"/admin/credit_portal/user/{admin_user.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200  # seen, read-only
    assert 'name="is_active"' not in page.content.decode()
    response = client.post(url, {
        "username": admin_user.username, "is_active": "on", "is_staff": "on",
        "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
    })
    assert response.status_code == 403
    admin_user.refresh_from_db()
    assert not admin_user.is_active
    # Nor through a bulk action of the account list: the system administrator has none.
    listing = client.get("/admin/credit_portal/user/")
    assert 'name="action"' not in listing.content.decode()


def test_not_even_a_superuser_sets_up_or_alters_someone_elses_authenticator_in_the_admin(client, auditor):
    """A confirmed device with a key of one's choosing on another's account is a way to
    sign in as them: django-otp's own admin allowed it a superuser, with no audit entry.
    The admin shows devices read-only; devices are set up by their owners and reset by
    the security administrator's audited service."""
    from tests import factories as f

    root = f.make_user("root", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=auditor, name="phone", confirmed=True)
    signed_in = _signed_in(client, root)
    assert signed_in.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").status_code == 200
    before = TOTPDevice.objects.count()
    assert signed_in.post("/admin/otp_totp/totpdevice/add/", {
        "user": auditor.pk, "name": "mine", "key": "3132333435363738393031323334353637383930", "step": 30, "t0": 0,
        "digits": 6, "tolerance": 1, "drift": 0, "confirmed": "on",
    }).status_code == 403
    assert signed_in.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"}).status_code == 403
    assert TOTPDevice.objects.count() == before
