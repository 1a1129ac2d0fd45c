"""``manage.py load_demo_data``: one account per role, safe to run twice, never in production."""

from __future__ import annotations

import io
import json
import stat
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from credit_portal.demo import DemoAccount
from credit_portal.management.commands import load_demo_data
from credit_portal.models import User
from credit_portal.roles import Role
from departments.models import Department, Membership

pytestmark = pytest.mark.django_db

EXPECTED_ROLES = {
    "demo_education_clerk": Role.DEPARTMENT_CLERK,
    "demo_education_reviewer": Role.DEPARTMENT_REVIEWER,
    "demo_health_clerk": Role.DEPARTMENT_CLERK,
    "demo_health_reviewer": Role.DEPARTMENT_REVIEWER,
    "demo_college_clerk": Role.DEPARTMENT_CLERK,
    "demo_college_reviewer": Role.DEPARTMENT_REVIEWER,
    "demo_association_clerk": Role.DEPARTMENT_CLERK,
    "demo_association_reviewer": Role.DEPARTMENT_REVIEWER,
    # Clerks of the departments that apply joint-punishment measures (archives.listing).
    "demo_organization_clerk": Role.DEPARTMENT_CLERK,
    "demo_human-resources_clerk": Role.DEPARTMENT_CLERK,
    "demo_market-regulation_clerk": Role.DEPARTMENT_CLERK,
    "demo_administrative-approval_clerk": Role.DEPARTMENT_CLERK,
    "demo_finance_clerk": Role.DEPARTMENT_CLERK,
    # The reviewer who approves a unit's serious dishonesty (archives.units).
    "demo_market-regulation_reviewer": Role.DEPARTMENT_REVIEWER,
    "demo_credit_office": Role.CREDIT_OFFICE,
    "demo_auditor": Role.AUDITOR,
    "demo_security_admin": Role.SECURITY_ADMIN,
    "demo_system_admin": Role.SYSTEM_ADMIN,
    "demo_citizen": Role.CITIZEN,
    "demo_institution": Role.INSTITUTION,
}


@pytest.fixture(autouse=True)
def local_dir(settings, tmp_path: Path) -> Path:
    settings.LOCAL_DIR = tmp_path
    return tmp_path


def run() -> str:
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    return out.getvalue()


def account_table(output: str) -> str:
    return output[output.index("Demo accounts") :]


def snapshot() -> list[tuple]:
    users = [
        (u.pk, u.username, u.password, u.full_name, u.is_staff, u.is_superuser, tuple(sorted(u.groups.values_list("name", flat=True))))
        for u in User.objects.order_by("pk")
    ]
    memberships = list(Membership.objects.order_by("pk").values_list("pk", "user_id", "department_id", "role"))
    return users + memberships


def test_creates_one_account_per_role_in_its_group() -> None:
    output = run()
    for username, role in EXPECTED_ROLES.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role], username
        assert username in output
    assert set(EXPECTED_ROLES.values()) == set(Role.values)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff


def test_department_staff_have_their_memberships() -> None:
    run()
    for code in ("education", "health"):
        department = Department.objects.get(code=code)
        assert Membership.objects.filter(
            user__username=f"demo_{code}_clerk", department=department, role=Membership.Role.CLERK
        ).exists()
        assert Membership.objects.filter(
            user__username=f"demo_{code}_reviewer", department=department, role=Membership.Role.REVIEWER
        ).exists()
    assert Department.objects.get(code="education").name == "教育局"
    assert Department.objects.get(code="health").name == "卫健委"
    assert not Membership.objects.filter(user__username="demo_credit_office").exists()


def test_printed_passwords_work_and_are_kept_private(local_dir: Path) -> None:
    output = run()
    path = local_dir / "demo_accounts.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    passwords = json.loads(path.read_text(encoding="utf-8"))
    assert set(passwords) == set(EXPECTED_ROLES) | {"admin"}
    for username, password in passwords.items():
        assert User.objects.get(username=username).check_password(password), username
        line = next(line for line in output.splitlines() if line.startswith(username + " "))
        assert password in line
    assert len(set(passwords.values())) == len(passwords)


def test_second_run_changes_nothing_and_prints_the_same_accounts() -> None:
    first = run()
    before = snapshot()
    second = run()
    assert snapshot() == before
    assert account_table(second) == account_table(first)


def test_demo_people_are_obviously_fictitious() -> None:
    run()
    for user in User.objects.filter(username__in=[*EXPECTED_ROLES, "admin"]):
        assert "演示" in user.full_name, user.username
        assert "虚构" in user.full_name, user.username


def test_lost_password_file_gives_new_working_passwords(local_dir: Path) -> None:
    run()
    old = json.loads((local_dir / "demo_accounts.json").read_text(encoding="utf-8"))
    (local_dir / "demo_accounts.json").unlink()
    run()
    new = json.loads((local_dir / "demo_accounts.json").read_text(encoding="utf-8"))
    auditor = User.objects.get(username="demo_auditor")
    assert new["demo_auditor"] != old["demo_auditor"]
    assert auditor.check_password(new["demo_auditor"])
    assert User.objects.filter(username="demo_auditor").count() == 1


def test_refuses_to_run_in_production(local_dir: Path) -> None:
    users_before = User.objects.count()
    with override_settings(PRODUCTION=True), pytest.raises(CommandError, match="production"):
        run()
    assert User.objects.count() == users_before
    assert not (local_dir / "demo_accounts.json").exists()


# --- Later apps' demo modules ---------------------------------------------------------------
@pytest.fixture
def demo_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    package = tmp_path / "pkg_for_demo_test"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "demo.py").write_text(
        textwrap.dedent(
            """
            from credit_portal.demo import DemoAccount

            def load(stdout):
                stdout.write("later app loaded\\n")
                return [DemoAccount("later_user", "pw-later", "citizen", "try the later app")]
            """
        ),
        encoding="utf-8",
    )
    (package / "broken.py").write_text("import a_module_that_is_not_installed_anywhere\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "pkg_for_demo_test"
    for name in [n for n in sys.modules if n.startswith("pkg_for_demo_test")]:
        del sys.modules[name]


def test_demo_modules_of_later_apps_are_called_in_order(demo_package: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        load_demo_data, "DEMO_MODULES", ("credit_portal.demo", f"{demo_package}.missing_demo", f"{demo_package}.demo")
    )
    output = run()
    assert output.index("Foundation:") < output.index("later app loaded")
    assert "later_user" in account_table(output)


def test_a_demo_module_with_a_missing_import_is_not_skipped(demo_package: str) -> None:
    assert load_demo_data._import_if_present(f"{demo_package}.missing_demo") is None
    with pytest.raises(ModuleNotFoundError):
        load_demo_data._import_if_present(f"{demo_package}.broken")


def test_table_aligns_chinese_text() -> None:
    table = load_demo_data.format_accounts(
        [DemoAccount("a", "p1", "教育局", "x"), DemoAccount("bb", "p2", "role", "y")]
    ).splitlines()
    # On a terminal a Chinese character takes two columns: the last column still lines up.
    width = load_demo_data._width
    assert width(table[2][: table[2].index("x")]) == width(table[3][: table[3].index("y")])
    assert table[2].index("x") != table[3].index("y")
