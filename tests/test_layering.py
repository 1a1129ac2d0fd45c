"""Dependencies point one way (DESIGN §2): credit_portal ← departments ← archives ←
disclosure, repair; none of them imports exchange's internals, only its public entry
point ``exchange.outbox``. Checked on the source with ``ast``, so imports inside
functions and names given to ``import_string`` / ``import_module`` count too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The apps each app must not import (the ones above it).
HIGHER = {
    "credit_portal": {"departments", "archives", "disclosure", "repair"},
    "departments": {"archives", "disclosure", "repair"},
    "archives": {"disclosure", "repair"},
}
APPS = ("credit_portal", "departments", "archives", "disclosure", "repair")
EXCHANGE_PUBLIC = {"exchange", "exchange.outbox"}
# Known upward imports, each with why it is still there. The test below fails when one
# is fixed, so the list cannot go stale. None today.
KNOWN: set[tuple[str, str]] = set()


def _modules(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


def _imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth, including dotted paths handed to
    ``import_string`` / ``import_module`` as literals."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in {"import_string", "import_module"} and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
    return names


def _violations(app: str) -> set[tuple[str, str]]:
    found = set()
    for path in _modules(app):
        for name in _imported(path):
            top = name.split(".")[0]
            where = path.relative_to(ROOT).as_posix()
            if top in HIGHER.get(app, set()):
                found.add((where, top))
            elif top == "exchange" and not _public_exchange(name):
                found.add((where, name))
    return found


def _public_exchange(name: str) -> bool:
    # ``from exchange.outbox import emit`` records both "exchange.outbox" and "exchange.outbox.emit".
    return name in EXCHANGE_PUBLIC or name.startswith("exchange.outbox.")


@pytest.mark.parametrize("app", APPS)
def test_no_app_imports_a_higher_one_or_exchange_internals(app: str) -> None:
    assert _violations(app) - KNOWN == set()


def test_archives_does_not_import_repair_or_disclosure() -> None:
    # Stated on its own: the personal statements used to come from repair.selectors.
    imported = {name for path in _modules("archives") for name in _imported(path)}
    assert not {name for name in imported if name.split(".")[0] in {"repair", "disclosure"}}


def test_known_exceptions_still_exist() -> None:
    assert {v for app in APPS for v in _violations(app)} >= KNOWN


def test_the_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "def f():\n    from repair.selectors import x\n    import_string('disclosure.hooks.y')\n", encoding="utf-8"
    )
    assert {"repair.selectors", "repair.selectors.x", "disclosure.hooks.y"} <= _imported(module)


def _architecture_apps() -> set[str]:
    """The apps docs/architecture.md names in the first column of its table of apps."""
    import re

    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## The apps", 1)[1].split("\n## ", 1)[0]
    return {match.group(1) for match in re.finditer(r"^\| `([a-z_.]+)`", section, re.MULTILINE)}


def test_the_architecture_page_names_exactly_our_apps() -> None:
    from django.conf import settings

    ours = {name for name in settings.INSTALLED_APPS if (ROOT / name.replace(".", "/") / "apps.py").exists()}
    assert ours
    assert _architecture_apps() == ours
    # The layering above covers the same apps (a new app gets a place in it too).
    assert {name.split(".")[0] for name in ours} == {*APPS, "exchange"}


def _architecture_packages() -> set[str]:
    """The packages docs/architecture.md names in its paragraph on the inside of an app
    (``archives/models/``, ``credit_portal/admin/``…)."""
    import re

    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    paragraph = text.split("Inside an app:", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"`([a-z_]+(?:/[a-z_]+)+)/`", paragraph))


def test_the_architecture_page_names_packages_that_exist_alone() -> None:
    named = _architecture_packages()
    assert {"archives/models", "archives/services/records", "credit_portal/admin"} <= named
    for package in sorted(named):
        assert (ROOT / package / "__init__.py").is_file(), f"{package}/ is not a package"
        # A module left beside its package would be shadowed by it without a word.
        assert not (ROOT / f"{package}.py").exists(), f"{package}.py is still there beside {package}/"
