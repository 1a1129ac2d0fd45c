"""Access rules of the archives live in one place, ``archives/permissions.py``
(STYLE.md: an access rule decided again in a view or template drifts from the service).

This test reads the archives views, template tags and templates and fails when one
of them decides access itself: a role or scope look-up, a comparison with the
signed-in user or an author, or an ORM query outside the selectors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.access_scan import line_violations, violations

ROOT = Path(__file__).resolve().parents[2]
# The archives pages and those of its sub-apps (intake, levels, listing; units has its
# scan in tests/test_access_single_source.py), their API and template tags.
VIEW_FILES = (
    sorted((ROOT / "archives" / "views").glob("*.py"))
    + sorted((ROOT / "archives" / "templatetags").glob("*.py"))
    + [ROOT / "archives" / "intake" / name for name in ("views.py", "batch_views.py", "lists.py", "api.py")]
    + sorted((ROOT / "archives" / "intake" / "templatetags").glob("*.py"))
    + [ROOT / "archives" / "levels" / "views.py", ROOT / "archives" / "listing" / "views.py"]
)
TEMPLATE_FILES = sorted(
    path for folder in ("archives", "levels", "listing") for path in (ROOT / "templates" / folder).rglob("*.html")
)

# Python: role and scope helpers, author and user comparisons, ORM access.
PYTHON_FORBIDDEN = {
    r"\bdepartment_ids\(": "department scope look-up",
    r"\bis_credit_office\(": "role check",
    r"\bhas_role\(": "role check",
    r"\brole_names\(": "role check",
    r"\bcan_act_on\(": "the old scope helper",
    r"\bacting_department_ids\(": "scope look-up",
    r"Membership\.Role": "role constant",
    r"\b(CLERK|REVIEWER)\b": "role constant",
    r"_by_id\b": "author comparison",
    r"request\.user\.(pk|id|groups|is_superuser|is_staff)\b": "user comparison",
    r"\.objects\.": "ORM query in a view (use a selector)",
    r"user\.has_perm\(": "permission check outside archives.permissions",
    # What a page offers, worked out from a state here instead of asked of a predicate.
    r"\b(?:may|can)_\w+\s*=\s*\(?.*\.state\s*[!=]=": "state decides an action",
}
# Templates: the same decisions written in template language.
TEMPLATE_FORBIDDEN = {
    r"\buser\.(pk|id|groups|is_superuser|is_staff|username)\b": "user comparison",
    r"\bperms\.": "Django permission check",
    r"_by\s*==|==\s*(request\.)?user\b": "author comparison",
    r"\bmemberships?\b.*\brole\b\s*==": "role check",
}


def test_the_files_are_there() -> None:
    assert len(VIEW_FILES) >= 8
    assert all(path.exists() for path in VIEW_FILES)
    assert len(TEMPLATE_FILES) >= 20


def test_archives_views_decide_no_access_themselves() -> None:
    assert violations(VIEW_FILES, PYTHON_FORBIDDEN) == []


def test_archives_templates_decide_no_access_themselves() -> None:
    assert violations(TEMPLATE_FILES, TEMPLATE_FORBIDDEN) == []


@pytest.mark.parametrize(
    ("line", "patterns"),
    [
        ("    if REVIEWER in roles:", PYTHON_FORBIDDEN),
        ("    _require(is_credit_office(request.user) or x)", PYTHON_FORBIDDEN),
        ("    is_author = request.user.pk in {record.created_by_id}", PYTHON_FORBIDDEN),
        ("    CreditRecord.objects.filter(pk=1).exists()", PYTHON_FORBIDDEN),
        ("    may_sign = batch.drafted_by_id != request.user.pk", PYTHON_FORBIDDEN),
        ("    ids = department_ids(user, role=Membership.Role.REVIEWER)", PYTHON_FORBIDDEN),
        ("{% if record.created_by == request.user %}", TEMPLATE_FORBIDDEN),
        ("{% if perms.archives.change_creditrecord %}", TEMPLATE_FORBIDDEN),
    ],
)
def test_the_scan_catches_a_view_or_template_that_decides(tmp_path: Path, line: str, patterns: dict[str, str]) -> None:
    """The scan itself can fail: each way of deciding access is caught."""
    assert line_violations(tmp_path, line, patterns), line
