"""Access rules of disclosure, departments, exchange and units (archives.units) live in each app's
``permissions.py`` (STYLE.md: an access rule decided again in a view or template
drifts from the service). The archives and repair apps have their own scans
(tests/archives/test_permissions_single_source.py, tests/repair/test_permissions.py).

This test reads the views and templates of those apps, the shared templates (base,
navigation, sign-in) and the APIs, and fails when one of them decides access itself: a
role, scope or Django-permission check, a comparison with the signed-in user or an
author, or an ORM query outside the selectors. It also fails when a module the URLs
route to is read by none of the scans."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.access_scan import line_violations, violations

ROOT = Path(__file__).resolve().parent.parent

VIEWS = {
    "disclosure": sorted((ROOT / "disclosure" / "views").glob("*.py")),
    "departments": [ROOT / "departments" / "views.py"],
    "exchange": [ROOT / "exchange" / "views.py"],
    "units": [ROOT / "archives" / "units" / "views.py"],
}
TEMPLATES = {app: sorted((ROOT / "templates" / app).rglob("*.html")) for app in VIEWS}
# The pages every app shares: base, navigation and other components, sign-in, errors.
APP_TEMPLATE_FOLDERS = {"archives", "departments", "disclosure", "exchange", "levels", "listing", "repair", "units"}
SHARED_TEMPLATES = sorted(
    path for path in (ROOT / "templates").rglob("*.html")
    if path.relative_to(ROOT / "templates").parts[0] not in APP_TEMPLATE_FOLDERS
)
# The APIs answer from the same predicates and selectors as the pages.
APIS = [ROOT / "disclosure" / "api.py"]

PYTHON_FORBIDDEN = {
    r"\bdepartment_ids\(": "department scope look-up",
    r"(?<!permissions\.)\bis_credit_office\(": "role check",
    r"\bhas_role\(": "role check",
    r"\brole_names\(": "role check",
    r"\bcan_act_on\(": "scope helper",
    r"Membership\.Role": "role constant",
    r"_by_id\b": "author comparison",
    r"request\.user\.(pk|id|groups|is_superuser|is_staff)\b": "user comparison",
    r"\.objects\.": "ORM query in a view (use a selector)",
    r"\bhas_perm\(": "permission check outside the app's permissions module",
    r"\bpermission_required\(": "Django permission named in a view (ask the app's permissions)",
    # What a page offers, worked out from a state here instead of asked of a predicate.
    r"\b(?:may|can)_\w+\s*=\s*\(?.*\.state\s*[!=]=": "state decides an action",
    # Which actions an authorization allows (revoke, approve) is a predicate; a page
    # that only shows the outcome of one (the "revoked" confirmation) may look at it.
    r"(?:effective_state\(\)|\.state)\s*[!=]=\s*Authorization\.State\.(?:ACTIVE|PENDING)": "authorization state decides an action",
}
TEMPLATE_FORBIDDEN = {
    r"\buser\.(pk|id|groups|is_superuser|is_staff|username)\b": "user comparison",
    r"\bperms\.": "Django permission check",
    r"_by\s*==|==\s*(request\.)?user\b": "author comparison",
    r"\bmemberships?\b.*\brole\b\s*==": "role check",
    # A button or link offered because of a state (showing the state as a tag is fine).
    r"\{%\s*(?:el)?if\s+[\w.]*state\s*==\s*\"\w+\"\s*%\}\s*(?:<(?:a|button|form)\b|$)": "state decides an action",
}


@pytest.mark.parametrize("app", sorted(VIEWS))
def test_the_files_are_there(app: str) -> None:
    assert VIEWS[app]
    assert all(path.exists() for path in VIEWS[app])
    assert TEMPLATES[app]
    # A sub-app of archives (units) has its permissions next to its views.
    assert (ROOT / app / "permissions.py").exists() or (ROOT / "archives" / app / "permissions.py").exists()


@pytest.mark.parametrize("app", sorted(VIEWS))
def test_views_decide_no_access_themselves(app: str) -> None:
    assert violations(VIEWS[app], PYTHON_FORBIDDEN) == []


@pytest.mark.parametrize("app", sorted(VIEWS))
def test_templates_decide_no_access_themselves(app: str) -> None:
    assert violations(TEMPLATES[app], TEMPLATE_FORBIDDEN) == []


def test_shared_templates_decide_no_access_themselves() -> None:
    assert len(SHARED_TEMPLATES) >= 10
    assert violations(SHARED_TEMPLATES, TEMPLATE_FORBIDDEN) == []


def test_apis_decide_no_access_themselves() -> None:
    assert violations(APIS, PYTHON_FORBIDDEN) == []


# Modules with routed views that no scan reads, and why.
NOT_SCANNED = {
    # The sign-in steps act on the signing-in account's own password and authenticator.
    "credit_portal/otp.py",
    "credit_portal/credentials.py",
}


def _scanned() -> set[Path]:
    from tests.archives.test_permissions_single_source import VIEW_FILES as ARCHIVES_VIEWS

    repair = sorted((ROOT / "repair" / "views").glob("*.py"))
    portal = [ROOT / "credit_portal" / "views.py", ROOT / "credit_portal" / "api_docs.py"]
    return {*ARCHIVES_VIEWS, *repair, *portal, *APIS, *(path for files in VIEWS.values() for path in files)}


def routed_modules() -> set[Path]:
    """The source file of every view the URL configuration routes to, in this project,
    except the admin's (the admin site and each model admin decide there)."""
    import sys

    from django.urls import URLResolver, get_resolver

    found: set[Path] = set()

    def walk(patterns: list) -> None:  # type: ignore[type-arg]
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
                continue
            module = sys.modules[pattern.callback.__module__]
            path = Path(module.__file__ or "").resolve()
            if ROOT in path.parents and ".venv" not in path.parts and not path.name.startswith("admin"):
                found.add(path)

    walk(get_resolver().url_patterns)
    return found


def test_every_routed_page_is_read_by_a_scan() -> None:
    """A new app or a new views module is scanned too (or named above with a reason)."""
    routed = routed_modules()
    assert len(routed) >= 30
    unscanned = routed - _scanned() - {ROOT / name for name in NOT_SCANNED}
    assert sorted(str(path.relative_to(ROOT)) for path in unscanned) == []


@pytest.mark.parametrize(
    ("line", "patterns"),
    [
        ("    if not is_credit_office(request.user):", PYTHON_FORBIDDEN),
        ('@permission_required("exchange.view_outboxevent", raise_exception=True)', PYTHON_FORBIDDEN),
        ('    "can_change": request.user.has_perm("departments.change_coverageentry"),', PYTHON_FORBIDDEN),
        ("    keys = InstitutionAPIKey.objects.select_related('institution')", PYTHON_FORBIDDEN),
        ("    if authorization.effective_state() != Authorization.State.ACTIVE:", PYTHON_FORBIDDEN),
        ("    may_object = (listing.state == listing.State.PROPOSED and not listing.objected_at", PYTHON_FORBIDDEN),
        ('{% if state == "active" %}<a href="revoke">', TEMPLATE_FORBIDDEN),
        ("{% if user.is_staff %}{% url 'admin:index' as admin_url %}", TEMPLATE_FORBIDDEN),
        ("{% if perms.exchange.change_outboxevent %}", TEMPLATE_FORBIDDEN),
        ('      {% if can_requeue %}<td>{% if event.state == "failed" %}', TEMPLATE_FORBIDDEN),
    ],
)
def test_the_scan_catches_a_view_or_template_that_decides(tmp_path: Path, line: str, patterns: dict[str, str]) -> None:
    """The scan itself can fail: each way of deciding access is caught."""
    assert line_violations(tmp_path, line, patterns), line


def test_asking_the_permissions_module_is_not_deciding(tmp_path: Path) -> None:
    line = '    "can_revoke": permissions.may_revoke(request.user, authorization),'
    assert line_violations(tmp_path, line, PYTHON_FORBIDDEN) == []
